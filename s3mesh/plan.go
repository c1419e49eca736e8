package s3mesh

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/regionkit/multiregion"
)

// Plan is the replication a Mesh of N buckets needs: N × (N − 1) directed
// rules, grouped per source bucket, and versioning on every bucket (S3
// replicates only from and into versioned buckets). It is computed by New
// from the buckets and Options alone, without a request. A Plan is
// immutable; safe for concurrent use (do not modify the inputs it holds).
type Plan struct {
	// Buckets are the source buckets in region-name order.
	Buckets []BucketPlan
}

// BucketPlan is one source bucket's part of a Plan.
type BucketPlan struct {
	Region multiregion.Region
	Bucket string
	// Versioning is the PutBucketVersioning the bucket needs (Enabled).
	Versioning *s3.PutBucketVersioningInput
	// Replication is the bucket's whole replication configuration, ready
	// to send: the V2 schema (each rule has a Filter), one rule per other
	// bucket, priorities 1 … N−1, rule IDs that depend on the two regions
	// only ("s3mesh-<source region>-to-<destination region>").
	Replication *s3.PutBucketReplicationInput
}

// Rules counts the plan's rules.
func (p *Plan) Rules() int {
	n := 0
	for _, b := range p.Buckets {
		n += len(b.Replication.ReplicationConfiguration.Rules)
	}
	return n
}

// MarshalJSON prints the plan for a review: per bucket its region, name,
// versioning and replication configuration in the field names of the S3
// API (the shape `aws s3api put-bucket-replication` takes), unset fields
// left out.
func (p *Plan) MarshalJSON() ([]byte, error) {
	type bucketJSON struct {
		Region                   multiregion.Region `json:"Region"`
		Bucket                   string             `json:"Bucket"`
		Versioning               string             `json:"Versioning"`
		ReplicationConfiguration any                `json:"ReplicationConfiguration"`
	}
	out := struct {
		Buckets []bucketJSON `json:"Buckets"`
		Rules   int          `json:"Rules"`
	}{Rules: p.Rules()}
	for _, b := range p.Buckets {
		cfg, err := pruned(b.Replication.ReplicationConfiguration)
		if err != nil {
			return nil, err
		}
		out.Buckets = append(out.Buckets, bucketJSON{Region: b.Region, Bucket: b.Bucket,
			Versioning: string(b.Versioning.VersioningConfiguration.Status), ReplicationConfiguration: cfg})
	}
	return json.Marshal(out)
}

// pruned is v as generic JSON without null or empty members (the SDK's
// types are pointers throughout, and print nulls otherwise), except an
// empty Prefix, which is what makes a rule's Filter match every key.
func pruned(v any) (any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var g any
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, err
	}
	g, _ = prune(g)
	return g, nil
}

func prune(v any) (any, bool) {
	switch x := v.(type) {
	case nil:
		return nil, false
	case map[string]any:
		for k, e := range x {
			if k == "Prefix" && e == "" {
				continue // the V2 schema's match-all filter: "Filter": {"Prefix": ""}
			}
			if pe, keep := prune(e); keep {
				x[k] = pe
			} else {
				delete(x, k)
			}
		}
		return x, len(x) > 0
	case []any:
		out := x[:0]
		for _, e := range x {
			if pe, keep := prune(e); keep {
				out = append(out, pe)
			}
		}
		return out, len(out) > 0
	case string:
		return x, x != ""
	}
	return v, true
}

// RuleID is the ID of the rule that replicates from the bucket in src to
// the bucket in dst: stable, so Verify finds it and Apply replaces it.
func RuleID(src, dst multiregion.Region) string {
	return fmt.Sprintf("s3mesh-%s-to-%s", src, dst)
}

// buildPlan computes the plan of buckets (validated) under o (validated).
func buildPlan(buckets map[multiregion.Region]string, o *Options) *Plan {
	regions := sortedRegions(buckets)
	p := &Plan{Buckets: make([]BucketPlan, 0, len(regions))}
	for _, src := range regions {
		rules := make([]types.ReplicationRule, 0, len(regions)-1)
		for _, dst := range regions {
			if dst == src {
				continue
			}
			rules = append(rules, o.rule(src, dst, buckets[dst], int32(len(rules)+1)))
		}
		p.Buckets = append(p.Buckets, BucketPlan{
			Region: src, Bucket: buckets[src],
			Versioning: &s3.PutBucketVersioningInput{Bucket: aws.String(buckets[src]),
				VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}},
			Replication: &s3.PutBucketReplicationInput{Bucket: aws.String(buckets[src]),
				ReplicationConfiguration: &types.ReplicationConfiguration{Role: aws.String(o.RoleARN), Rules: rules}},
		})
	}
	return p
}

// rule is the rule from src to the bucket dstBucket in dst.
func (o *Options) rule(src, dst multiregion.Region, dstBucket string, priority int32) types.ReplicationRule {
	enabled := func(on bool) types.DeleteMarkerReplicationStatus {
		if on {
			return types.DeleteMarkerReplicationStatusEnabled
		}
		return types.DeleteMarkerReplicationStatusDisabled
	}
	d := &types.Destination{Bucket: aws.String(bucketARN(dst, dstBucket)), StorageClass: o.StorageClass}
	if o.ReplicationTimeControl {
		// RTC requires replication metrics, with the same 15 minutes.
		d.ReplicationTime = &types.ReplicationTime{Status: types.ReplicationTimeStatusEnabled, Time: &types.ReplicationTimeValue{Minutes: aws.Int32(15)}}
		d.Metrics = &types.Metrics{Status: types.MetricsStatusEnabled, EventThreshold: &types.ReplicationTimeValue{Minutes: aws.Int32(15)}}
	}
	ssc := &types.SourceSelectionCriteria{}
	if !o.DisableReplicaModificationSync {
		ssc.ReplicaModifications = &types.ReplicaModifications{Status: types.ReplicaModificationsStatusEnabled}
	}
	if key := o.ReplicaKMSKeys[dst]; key != "" {
		d.EncryptionConfiguration = &types.EncryptionConfiguration{ReplicaKmsKeyID: aws.String(key)}
		ssc.SseKmsEncryptedObjects = &types.SseKmsEncryptedObjects{Status: types.SseKmsEncryptedObjectsStatusEnabled}
	}
	if ssc.ReplicaModifications == nil && ssc.SseKmsEncryptedObjects == nil {
		ssc = nil
	}
	return types.ReplicationRule{
		ID: aws.String(RuleID(src, dst)), Priority: aws.Int32(priority), Status: types.ReplicationRuleStatusEnabled,
		Filter:                  o.filter(),
		DeleteMarkerReplication: &types.DeleteMarkerReplication{Status: enabled(o.DeleteMarkerReplication)},
		Destination:             d, SourceSelectionCriteria: ssc,
	}
}

// filter is the V2 Filter of every rule: a prefix, a tag, or both in And.
func (o *Options) filter() *types.ReplicationRuleFilter {
	keys := slices.Sorted(maps.Keys(o.Tags))
	switch {
	case len(keys) == 0:
		return &types.ReplicationRuleFilter{Prefix: aws.String(o.Prefix)}
	case len(keys) == 1 && o.Prefix == "":
		return &types.ReplicationRuleFilter{Tag: &types.Tag{Key: aws.String(keys[0]), Value: aws.String(o.Tags[keys[0]])}}
	}
	and := &types.ReplicationRuleAndOperator{}
	if o.Prefix != "" {
		and.Prefix = aws.String(o.Prefix)
	}
	for _, k := range keys {
		and.Tags = append(and.Tags, types.Tag{Key: aws.String(k), Value: aws.String(o.Tags[k])})
	}
	return &types.ReplicationRuleFilter{And: and}
}

// bucketARN is the ARN of a bucket in r's partition.
func bucketARN(r multiregion.Region, bucket string) string {
	partition, ok := multiregion.KnownRegion(r)
	if !ok {
		partition = "aws"
	}
	return fmt.Sprintf("arn:%s:s3:::%s", partition, bucket)
}

func sortedRegions(buckets map[multiregion.Region]string) []multiregion.Region {
	return slices.Sorted(maps.Keys(buckets))
}
