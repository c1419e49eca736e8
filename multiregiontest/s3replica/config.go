package s3replica

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ReplicationConfiguration is the XML body of PutBucketReplication and
// GetBucketReplication (both schemas: V1 rules with Prefix, V2 rules with
// Filter, Priority and DeleteMarkerReplication). Optional elements are
// pointers so that what a caller left out stays out of the answer.
type ReplicationConfiguration struct {
	XMLName xml.Name `xml:"ReplicationConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Role    string   `xml:"Role"`
	Rules   []Rule   `xml:"Rule"`
}

// Rule is one replication rule.
type Rule struct {
	ID                        string           `xml:"ID,omitempty"`
	Priority                  *int             `xml:"Priority,omitempty"`
	Status                    string           `xml:"Status"`
	Prefix                    *string          `xml:"Prefix,omitempty"`
	Filter                    *Filter          `xml:"Filter,omitempty"`
	SourceSelectionCriteria   *SourceSelection `xml:"SourceSelectionCriteria,omitempty"`
	ExistingObjectReplication *StatusElem      `xml:"ExistingObjectReplication,omitempty"`
	Destination               Destination      `xml:"Destination"`
	DeleteMarkerReplication   *StatusElem      `xml:"DeleteMarkerReplication,omitempty"`
}

// Filter selects the objects a V2 rule applies to.
type Filter struct {
	Prefix *string `xml:"Prefix,omitempty"`
	Tag    *Tag    `xml:"Tag,omitempty"`
	And    *And    `xml:"And,omitempty"`
}

// And combines a prefix and tags.
type And struct {
	Prefix *string `xml:"Prefix,omitempty"`
	Tags   []Tag   `xml:"Tag"`
}

// Tag is an object tag a rule matches.
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// StatusElem is an element holding only a Status.
type StatusElem struct {
	Status string `xml:"Status"`
}

// SourceSelection is SourceSelectionCriteria.
type SourceSelection struct {
	SseKmsEncryptedObjects *StatusElem `xml:"SseKmsEncryptedObjects,omitempty"`
	ReplicaModifications   *StatusElem `xml:"ReplicaModifications,omitempty"`
}

// Destination is where a rule replicates to.
type Destination struct {
	Bucket                   string      `xml:"Bucket"`
	Account                  string      `xml:"Account,omitempty"`
	StorageClass             string      `xml:"StorageClass,omitempty"`
	AccessControlTranslation *Owner      `xml:"AccessControlTranslation,omitempty"`
	EncryptionConfiguration  *Encryption `xml:"EncryptionConfiguration,omitempty"`
	ReplicationTime          *ReplTime   `xml:"ReplicationTime,omitempty"`
	Metrics                  *Metrics    `xml:"Metrics,omitempty"`
}

// Owner is AccessControlTranslation.
type Owner struct {
	Owner string `xml:"Owner"`
}

// Encryption is the destination's EncryptionConfiguration.
type Encryption struct {
	ReplicaKmsKeyID string `xml:"ReplicaKmsKeyID,omitempty"`
}

// ReplTime is Replication Time Control.
type ReplTime struct {
	Status string   `xml:"Status"`
	Time   *Minutes `xml:"Time,omitempty"`
}

// Metrics are the replication metrics RTC needs.
type Metrics struct {
	Status         string   `xml:"Status"`
	EventThreshold *Minutes `xml:"EventThreshold,omitempty"`
}

// Minutes is a ReplicationTimeValue.
type Minutes struct {
	Minutes int `xml:"Minutes"`
}

const arnPrefix = "arn:aws:s3:::"

// DestinationBucket returns the bucket name of a destination ARN.
func DestinationBucket(arn string) (string, bool) {
	name, ok := strings.CutPrefix(arn, arnPrefix)
	return name, ok && name != "" && !strings.Contains(name, "/")
}

func (r *Rule) v2() bool { return r.Filter != nil }

// prefix is the key prefix the rule selects, whichever schema.
func (r *Rule) prefix() string {
	switch {
	case r.Prefix != nil:
		return *r.Prefix
	case r.Filter == nil:
		return ""
	case r.Filter.Prefix != nil:
		return *r.Filter.Prefix
	case r.Filter.And != nil && r.Filter.And.Prefix != nil:
		return *r.Filter.And.Prefix
	}
	return ""
}

func (r *Rule) tags() []Tag {
	switch {
	case r.Filter == nil:
		return nil
	case r.Filter.Tag != nil:
		return []Tag{*r.Filter.Tag}
	case r.Filter.And != nil:
		return r.Filter.And.Tags
	}
	return nil
}

// matches reports whether the rule applies to key with its tags.
func (r *Rule) matches(key string, tags map[string]string) bool {
	if r.Status != "Enabled" || !strings.HasPrefix(key, r.prefix()) {
		return false
	}
	for _, t := range r.tags() {
		if v, ok := tags[t.Key]; !ok || v != t.Value {
			return false
		}
	}
	return true
}

// replicatesDeleteMarkers: V1 rules always do; V2 rules when enabled.
func (r *Rule) replicatesDeleteMarkers() bool {
	if !r.v2() {
		return true
	}
	return r.DeleteMarkerReplication != nil && r.DeleteMarkerReplication.Status == "Enabled"
}

// parseTags parses an x-amz-tagging header (URL query encoding).
func parseTags(s string) map[string]string {
	out := map[string]string{}
	q, err := url.ParseQuery(s)
	if err != nil {
		return out
	}
	for k, v := range q {
		if len(v) > 0 {
			out[k] = v[0]
		}
	}
	return out
}

// destinations returns the rules v replicates by under c, one per
// destination bucket: the matching enabled rule with the highest priority
// (S3's conflict resolution; a disabled rule takes no part). A delete
// marker goes only where that rule replicates delete markers.
func (c *ReplicationConfiguration) destinations(v *version) []*Rule {
	tags := parseTags(v.meta["X-Amz-Tagging"])
	best := map[string]*Rule{}
	var order []string
	for i := range c.Rules {
		r := &c.Rules[i]
		if !r.matches(v.key, tags) {
			continue
		}
		dst, _ := DestinationBucket(r.Destination.Bucket)
		old, seen := best[dst]
		if !seen {
			order = append(order, dst)
		}
		if !seen || priority(r) > priority(old) {
			best[dst] = r
		}
	}
	var out []*Rule
	for _, dst := range order {
		if !v.deleteMarker || best[dst].replicatesDeleteMarkers() {
			out = append(out, best[dst])
		}
	}
	return out
}

func priority(r *Rule) int {
	if r.Priority == nil {
		return 0
	}
	return *r.Priority
}

func malformed(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "MalformedXML", Message: fmt.Sprintf(format, args...)}
}

func invalidArgument(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "InvalidArgument", Message: fmt.Sprintf(format, args...)}
}
