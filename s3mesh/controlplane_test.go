package s3mesh_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/s3mesh"
)

// TestApplyVerify: before Apply every bucket drifts (versioning off, no
// configuration); after Apply Verify is clean, and a second Apply changes
// nothing; a rule changed by hand, a rule deleted by hand, a rule added by
// hand and a changed role are each reported on their bucket only.
func TestApplyVerify(t *testing.T) {
	e := newEnv(t, []multiregion.Region{use1, euw1, apse2}, nil, nil, false)
	ctx := testCtx(t)
	d, err := e.mesh.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Clean() || len(d.Buckets) != 3 {
		t.Fatalf("before Apply: clean=%v, %d buckets", d.Clean(), len(d.Buckets))
	}
	for _, b := range d.Buckets {
		if !b.VersioningOff || !b.NoConfiguration || len(b.Missing) != 2 {
			t.Fatalf("before Apply, %s: %+v", b.Bucket, b)
		}
	}
	for i := 0; i < 2; i++ { // idempotent
		if err := e.mesh.Apply(ctx); err != nil {
			t.Fatalf("Apply #%d: %v", i+1, err)
		}
		if d, err = e.mesh.Verify(ctx); err != nil || !d.Clean() {
			t.Fatalf("after Apply #%d: %+v, %v", i+1, d, err)
		}
	}
	t.Logf("after Apply: Verify clean over %d buckets, %d rules", len(d.Buckets), e.mesh.Plan().Rules())

	// By hand, as an operator would in the console.
	raw := e.lab.S3().Client(string(euw1))
	got, err := raw.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(e.buckets[euw1])})
	if err != nil {
		t.Fatal(err)
	}
	cfg := got.ReplicationConfiguration
	deleted := s3mesh.RuleID(euw1, apse2)
	cfg.Rules = slices.DeleteFunc(cfg.Rules, func(r types.ReplicationRule) bool { return aws.ToString(r.ID) == deleted })
	if len(cfg.Rules) != 1 {
		t.Fatalf("rules left: %d", len(cfg.Rules))
	}
	if _, err := raw.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(e.buckets[euw1]), ReplicationConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}
	rawAP := e.lab.S3().Client(string(apse2))
	got, err = rawAP.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(e.buckets[apse2])})
	if err != nil {
		t.Fatal(err)
	}
	cfg = got.ReplicationConfiguration
	cfg.Role = aws.String("arn:aws:iam::123456789012:role/someone-else")
	extra := cfg.Rules[0]
	extra.ID, extra.Priority = aws.String("by-hand"), aws.Int32(9)
	extra.Filter = &types.ReplicationRuleFilter{Prefix: aws.String("tmp/")}
	cfg.Rules = append(cfg.Rules, extra)
	if _, err := rawAP.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(e.buckets[apse2]), ReplicationConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}

	rawUS := e.lab.S3().Client(string(use1))
	got, err = rawUS.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(e.buckets[use1])})
	if err != nil {
		t.Fatal(err)
	}
	cfg = got.ReplicationConfiguration
	changed := aws.ToString(cfg.Rules[0].ID)
	cfg.Rules[0].DeleteMarkerReplication = &types.DeleteMarkerReplication{Status: types.DeleteMarkerReplicationStatusEnabled}
	if _, err := rawUS.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{Bucket: aws.String(e.buckets[use1]), ReplicationConfiguration: cfg}); err != nil {
		t.Fatal(err)
	}

	d, err = e.mesh.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d.Clean() {
		t.Fatal("drift not reported")
	}
	for _, b := range d.Buckets {
		t.Logf("Verify %s (%s): clean=%v missing=%v extra=%v changed=%d wrongRole=%q versioningOff=%v", b.Bucket, b.Region, b.Clean(), b.Missing, b.Extra, len(b.Changed), b.WrongRole, b.VersioningOff)
		switch b.Region {
		case use1:
			if len(b.Changed) != 1 || b.Changed[0].ID != changed || b.Changed[0].Want.DeleteMarkers || !b.Changed[0].Got.DeleteMarkers || len(b.Missing)+len(b.Extra) != 0 {
				t.Errorf("us-east-1: %+v, want %s changed (delete markers)", b, changed)
			}
		case euw1:
			if !slices.Equal(b.Missing, []string{deleted}) || len(b.Extra) != 0 || b.WrongRole != "" {
				t.Errorf("eu-west-1: %+v, want missing [%s]", b, deleted)
			}
		case apse2:
			if !slices.Equal(b.Extra, []string{"by-hand"}) || b.WrongRole == "" || len(b.Missing) != 0 {
				t.Errorf("ap-southeast-2: %+v, want extra [by-hand] and a wrong role", b)
			}
		}
	}
	// Apply repairs it.
	if err := e.mesh.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if d, err = e.mesh.Verify(ctx); err != nil || !d.Clean() {
		t.Fatalf("after repair: %+v, %v", d, err)
	}
}

// TestApply_PartialFailure: with one region down, Apply stops there and
// says which buckets were done; once the region is back, a rerun finishes.
func TestApply_PartialFailure(t *testing.T) {
	e := newEnv(t, []multiregion.Region{use1, euw1, apse2}, nil, nil, false)
	ctx := testCtx(t)
	e.lab.Endpoint(string(euw1)).Down()
	err := e.mesh.Apply(ctx)
	var ae *s3mesh.ApplyError
	if !errors.As(err, &ae) || ae.Region != euw1 || ae.Step != "versioning" {
		t.Fatalf("Apply with eu-west-1 down: %v", err)
	}
	// Plan order is by region name: ap-southeast-2 first, then eu-west-1.
	if !slices.Equal(ae.Versioned, []string{e.buckets[apse2]}) || len(ae.Configured) != 0 {
		t.Fatalf("done: versioned %v configured %v", ae.Versioned, ae.Configured)
	}
	if !errors.Is(err, multiregion.ErrNoHealthyRegion) {
		t.Errorf("cause is not a regional failure: %v", err)
	}
	t.Logf("partial: %v", err)
	if err := e.lab.Endpoint(string(euw1)).Up(); err != nil {
		t.Fatal(err)
	}
	if err := e.mesh.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if d, err := e.mesh.Verify(ctx); err != nil || !d.Clean() {
		t.Fatalf("after rerun: %+v, %v", d, err)
	}
}
