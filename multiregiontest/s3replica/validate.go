package s3replica

import (
	"net/http"
	"strings"

	"github.com/johannesboyne/gofakes3"
)

// maxRules is S3's limit of rules per replication configuration.
const maxRules = 1000

// validate checks c for src as PutBucketReplication does, the first
// problem wins. Under w.mu.
func (w *World) validate(src *bucket, c *ReplicationConfiguration) *Error {
	if src.versioning != gofakes3.VersioningEnabled {
		return invalidRequest("Versioning must be 'Enabled' on the bucket to apply a replication configuration")
	}
	if strings.TrimSpace(c.Role) == "" {
		return invalidArgument("Role cannot be empty")
	}
	if len(c.Rules) == 0 || len(c.Rules) > maxRules {
		return malformed("a replication configuration holds 1 to %d rules, got %d", maxRules, len(c.Rules))
	}
	v2 := c.Rules[0].v2()
	ids := map[string]bool{}
	priorities := map[int]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if err := w.validateRule(src, r, v2); err != nil {
			return err
		}
		if r.ID != "" {
			if ids[r.ID] {
				return invalidArgument("Rule Id must be unique. Found same ID for more than one rule: %s", r.ID)
			}
			ids[r.ID] = true
		}
		if v2 {
			if priorities[*r.Priority] {
				return invalidRequest("Found duplicate priority %d. Priority must be unique among all rules in a replication configuration", *r.Priority)
			}
			priorities[*r.Priority] = true
		}
	}
	if !v2 {
		// V1 rules may not select overlapping prefixes.
		for i := range c.Rules {
			for j := range c.Rules[:i] {
				a, b := c.Rules[i].prefix(), c.Rules[j].prefix()
				if strings.HasPrefix(a, b) || strings.HasPrefix(b, a) {
					return invalidRequest("Found overlapping prefixes '%s' and '%s'", b, a)
				}
			}
		}
	}
	return nil
}

func (w *World) validateRule(src *bucket, r *Rule, v2 bool) *Error {
	if len(r.ID) > 255 {
		return invalidArgument("ID must be no more than 255 characters")
	}
	if r.Status != "Enabled" && r.Status != "Disabled" {
		return malformed("rule %q: Status must be Enabled or Disabled", r.ID)
	}
	if r.v2() != v2 || (v2 && r.Prefix != nil) {
		return malformed("rule %q: every rule uses the same schema: Prefix (V1) or Filter (V2), not both", r.ID)
	}
	if v2 {
		if r.Priority == nil {
			return invalidRequest("Priority must be specified for this version of Cross Region Replication configuration schema.")
		}
		if r.DeleteMarkerReplication == nil {
			return invalidRequest("DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.")
		}
		if len(r.tags()) > 0 && r.replicatesDeleteMarkers() {
			return invalidRequest("Delete marker replication is not supported if any Tag filter is specified. Please refer to S3 Developer Guide for more information.")
		}
	} else if r.DeleteMarkerReplication != nil || r.Priority != nil {
		return malformed("rule %q: Priority and DeleteMarkerReplication need the Filter schema", r.ID)
	}
	if f := r.Filter; f != nil {
		n := 0
		for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.And != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return malformed("rule %q: a Filter holds one of Prefix, Tag or And", r.ID)
		}
	}
	if err := validateStatus(r); err != nil {
		return err
	}
	if err := validateEncryption(r); err != nil {
		return err
	}
	return w.validateDestination(src, r)
}

// storageClasses are the destination storage classes S3 accepts.
var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "OUTPOSTS": true,
	"GLACIER_IR": true, "SNOW": true, "EXPRESS_ONEZONE": true,
}

// validateEncryption checks the storage class and that a replica KMS key
// comes with SSE-KMS object selection, as S3 requires.
func validateEncryption(r *Rule) *Error {
	if c := r.Destination.StorageClass; c != "" && !storageClasses[c] {
		return malformed("rule %q: unknown storage class %q", r.ID, c)
	}
	enc := r.Destination.EncryptionConfiguration
	if enc == nil || enc.ReplicaKmsKeyID == "" {
		return nil
	}
	s := r.SourceSelectionCriteria
	if s == nil || s.SseKmsEncryptedObjects == nil || s.SseKmsEncryptedObjects.Status != "Enabled" {
		return invalidRequest("ReplicaKmsKeyID must be specified only when SseKmsEncryptedObjects is Enabled")
	}
	return nil
}

// validateStatus checks the Enabled/Disabled switches and RTC, which S3
// accepts only as 15 minutes with metrics enabled at 15 minutes.
func validateStatus(r *Rule) *Error {
	elems := []*StatusElem{r.ExistingObjectReplication, r.DeleteMarkerReplication}
	if s := r.SourceSelectionCriteria; s != nil {
		elems = append(elems, s.SseKmsEncryptedObjects, s.ReplicaModifications)
	}
	for _, e := range elems {
		if e != nil && e.Status != "Enabled" && e.Status != "Disabled" {
			return malformed("rule %q: Status must be Enabled or Disabled", r.ID)
		}
	}
	rt, m := r.Destination.ReplicationTime, r.Destination.Metrics
	if rt != nil && rt.Status == "Enabled" {
		if rt.Time == nil || rt.Time.Minutes != 15 {
			return invalidRequest("Replication Time Control Time must be 15 minutes")
		}
		if m == nil || m.Status != "Enabled" {
			return invalidRequest("Metrics must be enabled when Replication Time Control is enabled")
		}
	}
	if m != nil && m.Status == "Enabled" && m.EventThreshold != nil && m.EventThreshold.Minutes != 15 {
		return invalidRequest("Metrics EventThreshold must be 15 minutes")
	}
	return nil
}

func (w *World) validateDestination(src *bucket, r *Rule) *Error {
	name, ok := DestinationBucket(r.Destination.Bucket)
	if !ok {
		return invalidArgument("Invalid bucket ARN: %s", r.Destination.Bucket)
	}
	if name == src.name {
		return invalidRequest("Destination bucket cannot be the same as the source bucket.")
	}
	dst := w.buckets[name]
	if dst == nil {
		return invalidRequest("Destination bucket must exist.")
	}
	if dst.versioning != gofakes3.VersioningEnabled {
		return invalidRequest("Destination bucket must have versioning enabled.")
	}
	return nil
}

// putReplication validates and stores c as name's configuration.
func (w *World) putReplication(region, name string, c *ReplicationConfiguration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucketIn(region, name)
	if err != nil {
		return err
	}
	if e := w.validate(b, c); e != nil {
		return e
	}
	c.Xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"
	b.config = c
	return nil
}

// replication returns name's configuration.
func (w *World) replication(region, name string) (*ReplicationConfiguration, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucketIn(region, name)
	if err != nil {
		return nil, err
	}
	if b.config == nil {
		return nil, errNoReplication
	}
	return b.config, nil
}

var errNoReplication = &Error{Status: http.StatusNotFound, Code: "ReplicationConfigurationNotFoundError",
	Message: "The replication configuration was not found"}

// deleteReplication removes name's configuration (no error if none).
func (w *World) deleteReplication(region, name string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := w.bucketIn(region, name)
	if err != nil {
		return err
	}
	b.config = nil
	return nil
}
