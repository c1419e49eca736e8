package s3mesh_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/s3mesh"
)

const role = "arn:aws:iam::123456789012:role/s3-mesh"

// offlineClient is a Client on regions that probes nothing: New and Plan
// send no request.
func offlineClient(t testing.TB, regions ...multiregion.Region) *multiregion.Client {
	t.Helper()
	mr, err := multiregion.New(context.Background(), aws.Config{}, multiregion.WithRegions(regions...), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
		o.Prober = multiregion.ProberFunc(func(context.Context, multiregion.Region) (time.Duration, error) { return time.Millisecond, nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mr.Close() })
	return mr
}

// awsRegions are the regions of the aws partition in the SDK's table.
func awsRegions(t testing.TB) []multiregion.Region {
	var out []multiregion.Region
	for _, r := range multiregion.KnownRegions() {
		if p, _ := multiregion.KnownRegion(r); p == "aws" {
			out = append(out, r)
		}
	}
	if len(out) < 20 {
		t.Fatalf("only %d regions in the aws partition", len(out))
	}
	return out
}

// TestPlan_Property checks, for 2 … 20 regions drawn at random from the
// partition table: exactly N(N−1) rules, no self-replication, priorities
// unique per bucket, every ordered pair covered once, rule IDs unique and
// stable, a versioning step per bucket.
func TestPlan_Property(t *testing.T) {
	all := awsRegions(t)
	rnd := rand.New(rand.NewPCG(12, 20))
	meshes, rules := 0, 0
	for n := 2; n <= 20; n++ {
		for trial := 0; trial < 3; trial++ {
			perm := rnd.Perm(len(all))[:n]
			regions := make([]multiregion.Region, n)
			buckets := map[multiregion.Region]string{}
			arnToRegion := map[string]multiregion.Region{}
			for i, p := range perm {
				regions[i] = all[p]
				buckets[all[p]] = fmt.Sprintf("mesh-%d-%s", trial, all[p])
				arnToRegion["arn:aws:s3:::"+buckets[all[p]]] = all[p]
			}
			mr := offlineClient(t, regions...)
			m, err := s3mesh.New(context.Background(), mr, buckets, func(o *s3mesh.Options) { o.RoleARN = role })
			if err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			plan := m.Plan()
			if got, want := plan.Rules(), n*(n-1); got != want {
				t.Fatalf("n=%d: %d rules, want %d", n, got, want)
			}
			if len(plan.Buckets) != n {
				t.Fatalf("n=%d: %d bucket plans", n, len(plan.Buckets))
			}
			pairs := map[[2]multiregion.Region]int{}
			ids := map[string]bool{}
			for _, b := range plan.Buckets {
				if aws.ToString(b.Replication.Bucket) != buckets[b.Region] || aws.ToString(b.Versioning.Bucket) != buckets[b.Region] {
					t.Fatalf("n=%d: plan of %s names bucket %s", n, b.Region, aws.ToString(b.Replication.Bucket))
				}
				if b.Versioning.VersioningConfiguration.Status != types.BucketVersioningStatusEnabled {
					t.Fatalf("n=%d: %s versioning %q", n, b.Region, b.Versioning.VersioningConfiguration.Status)
				}
				prio := map[int32]bool{}
				rules := b.Replication.ReplicationConfiguration.Rules
				if len(rules) != n-1 {
					t.Fatalf("n=%d: %s has %d rules", n, b.Region, len(rules))
				}
				for _, r := range rules {
					dst, ok := arnToRegion[aws.ToString(r.Destination.Bucket)]
					if !ok {
						t.Fatalf("n=%d: rule %s to unknown bucket %s", n, aws.ToString(r.ID), aws.ToString(r.Destination.Bucket))
					}
					if dst == b.Region {
						t.Fatalf("n=%d: %s replicates to itself", n, b.Region)
					}
					if r.Filter == nil {
						t.Fatalf("n=%d: rule %s has no Filter (V1 schema)", n, aws.ToString(r.ID))
					}
					p := aws.ToInt32(r.Priority)
					if prio[p] {
						t.Fatalf("n=%d: priority %d twice in %s", n, p, b.Region)
					}
					prio[p] = true
					pairs[[2]multiregion.Region{b.Region, dst}]++
					id := aws.ToString(r.ID)
					if ids[id] || id != s3mesh.RuleID(b.Region, dst) || len(id) > 255 {
						t.Fatalf("n=%d: rule id %q (duplicate or not RuleID)", n, id)
					}
					ids[id] = true
				}
			}
			for _, src := range regions {
				for _, dst := range regions {
					if src != dst && pairs[[2]multiregion.Region{src, dst}] != 1 {
						t.Fatalf("n=%d: pair %s→%s covered %d times", n, src, dst, pairs[[2]multiregion.Region{src, dst}])
					}
				}
			}
			// Deterministic: a second Mesh of the same buckets plans the same JSON.
			again, err := s3mesh.New(context.Background(), mr, buckets, func(o *s3mesh.Options) { o.RoleARN = role; o.StoreName = "again" })
			if err != nil {
				t.Fatal(err)
			}
			j1, _ := json.Marshal(plan)
			j2, _ := json.Marshal(again.Plan())
			if string(j1) != string(j2) {
				t.Fatalf("n=%d: plans differ between two Meshes of the same buckets", n)
			}
			meshes++
			rules += plan.Rules()
			_ = m.Close()
			_ = again.Close()
		}
	}
	t.Logf("2…20 regions (of %d in the aws partition), 3 draws each: %d meshes, %d rules checked", len(all), meshes, rules)
}

// TestPlan_Options: RTC with its metrics, delete markers, replica
// modification sync on by default, prefix and tags, storage class, a
// replica KMS key per destination; the JSON has no nulls.
func TestPlan_Options(t *testing.T) {
	mr := offlineClient(t, "us-east-1", "eu-west-1", "ap-southeast-2")
	buckets := map[multiregion.Region]string{"us-east-1": "orders-use1", "eu-west-1": "orders-euw1", "ap-southeast-2": "orders-apse2"}
	m, err := s3mesh.New(context.Background(), mr, buckets, func(o *s3mesh.Options) {
		o.RoleARN = role
		o.ReplicationTimeControl = true
		o.DeleteMarkerReplication = true
		o.Prefix = "orders/"
		o.StorageClass = types.StorageClassStandardIa
		o.ReplicaKMSKeys = map[multiregion.Region]string{"eu-west-1": "arn:aws:kms:eu-west-1:123456789012:key/abc"}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, b := range m.Plan().Buckets {
		for _, r := range b.Replication.ReplicationConfiguration.Rules {
			d := r.Destination
			if d.ReplicationTime == nil || aws.ToInt32(d.ReplicationTime.Time.Minutes) != 15 || d.Metrics == nil || d.Metrics.Status != types.MetricsStatusEnabled {
				t.Errorf("%s: RTC not 15 min with metrics", aws.ToString(r.ID))
			}
			if r.DeleteMarkerReplication.Status != types.DeleteMarkerReplicationStatusEnabled {
				t.Errorf("%s: delete markers %s", aws.ToString(r.ID), r.DeleteMarkerReplication.Status)
			}
			if r.SourceSelectionCriteria == nil || r.SourceSelectionCriteria.ReplicaModifications.Status != types.ReplicaModificationsStatusEnabled {
				t.Errorf("%s: replica modification sync off", aws.ToString(r.ID))
			}
			if aws.ToString(r.Filter.Prefix) != "orders/" || d.StorageClass != types.StorageClassStandardIa {
				t.Errorf("%s: prefix %q class %s", aws.ToString(r.ID), aws.ToString(r.Filter.Prefix), d.StorageClass)
			}
			toEU := strings.HasSuffix(aws.ToString(r.ID), "-to-eu-west-1")
			if hasKey := d.EncryptionConfiguration != nil; hasKey != toEU {
				t.Errorf("%s: replica KMS key set %v", aws.ToString(r.ID), hasKey)
			}
		}
	}
	out, err := json.MarshalIndent(m.Plan(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(out), "null") || !strings.Contains(string(out), `"Minutes": 15`) {
		t.Fatalf("plan JSON:\n%s", out)
	}
}

// TestNew_BadInput: each bad input of the issue is a typed error before
// any request (the Client's endpoints do not exist), never a panic.
func TestNew_BadInput(t *testing.T) {
	mr := offlineClient(t, "us-east-1", "eu-west-1")
	two := func(a, b string) map[multiregion.Region]string {
		return map[multiregion.Region]string{"us-east-1": a, "eu-west-1": b}
	}
	withRole := func(o *s3mesh.Options) { o.RoleARN = role }
	cases := []struct {
		name    string
		buckets map[multiregion.Region]string
		opts    []func(*s3mesh.Options)
		field   string
	}{
		{"none", nil, nil, "buckets"},
		{"one bucket", map[multiregion.Region]string{"us-east-1": "only-one"}, nil, "buckets"},
		{"same bucket twice", two("same-name", "same-name"), nil, "buckets"},
		{"upper case", two("Orders", "orders-b"), nil, "buckets"},
		{"too short", two("ab", "orders-b"), nil, "buckets"},
		{"too long", two(strings.Repeat("a", 64), "orders-b"), nil, "buckets"},
		{"underscore", two("my_bucket", "orders-b"), nil, "buckets"},
		{"ip address", two("192.168.1.1", "orders-b"), nil, "buckets"},
		{"adjacent dots", two("a..b", "orders-b"), nil, "buckets"},
		{"ends with hyphen", two("orders-", "orders-b"), nil, "buckets"},
		{"reserved prefix", two("xn--orders", "orders-b"), nil, "buckets"},
		{"reserved suffix", two("orders-s3alias", "orders-b"), nil, "buckets"},
		{"region not on client", map[multiregion.Region]string{"us-east-1": "orders-a", "ap-south-1": "orders-b"}, nil, "buckets"},
		{"no role", two("orders-a", "orders-b"), nil, "Options.RoleARN"},
		{"not a role", two("orders-a", "orders-b"), []func(*s3mesh.Options){func(o *s3mesh.Options) { o.RoleARN = "admin" }}, "Options.RoleARN"},
		{"delete markers with tags", two("orders-a", "orders-b"), []func(*s3mesh.Options){withRole, func(o *s3mesh.Options) {
			o.DeleteMarkerReplication = true
			o.Tags = map[string]string{"replicate": "yes"}
		}}, "Options.DeleteMarkerReplication"},
		{"kms key for a region without bucket", two("orders-a", "orders-b"), []func(*s3mesh.Options){withRole, func(o *s3mesh.Options) {
			o.ReplicaKMSKeys = map[multiregion.Region]string{"ap-south-1": "k"}
		}}, "Options.ReplicaKMSKeys"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opts := c.opts
			if opts == nil && c.field == "buckets" {
				opts = []func(*s3mesh.Options){withRole}
			}
			m, err := s3mesh.New(context.Background(), mr, c.buckets, opts...)
			var in *s3mesh.InputError
			if !errors.As(err, &in) || !errors.Is(err, s3mesh.ErrInvalidInput) || in.Field != c.field || m != nil {
				t.Fatalf("New = %v, %v; want *InputError on %s", m, err, c.field)
			}
			if c.name == "region not on client" && !errors.Is(err, multiregion.ErrUnknownRegion) {
				t.Errorf("does not wrap the Client's unknown-region error: %v", err)
			}
		})
	}
	if _, err := s3mesh.New(context.Background(), nil, two("orders-a", "orders-b"), withRole); !errors.Is(err, s3mesh.ErrInvalidInput) {
		t.Errorf("nil client: %v", err)
	}
}
