package s3mesh

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Drift is what Verify found: one entry per bucket, in the Plan's order.
// Clean reports no drift at all. A Drift is the caller's; it is safe to
// read from several goroutines.
type Drift struct {
	Buckets []BucketDrift
}

// Clean reports whether every bucket matches the Plan.
func (d *Drift) Clean() bool {
	for _, b := range d.Buckets {
		if !b.Clean() {
			return false
		}
	}
	return true
}

// BucketDrift is one bucket's differences from its Plan.
type BucketDrift struct {
	Region multiregion.Region
	Bucket string
	// Versioning is the bucket's versioning status ("" when never set,
	// "Suspended"); VersioningOff says it is not Enabled.
	Versioning    string
	VersioningOff bool
	// WrongRole holds the role the bucket replicates as when it is not the
	// Plan's ("" when the bucket has no configuration at all).
	WrongRole string
	// NoConfiguration: the bucket has no replication configuration.
	NoConfiguration bool
	// Missing are the IDs of planned rules the bucket lacks.
	Missing []string
	// Extra are the IDs of rules the bucket has that the Plan does not.
	Extra []string
	// Changed are planned rules present under their ID with other settings.
	Changed []RuleChange
}

// Clean reports whether the bucket matches its Plan.
func (b *BucketDrift) Clean() bool {
	return !b.VersioningOff && b.WrongRole == "" && !b.NoConfiguration && len(b.Missing) == 0 && len(b.Extra) == 0 && len(b.Changed) == 0
}

// RuleChange is a rule whose settings differ from the Plan's.
type RuleChange struct {
	ID        string
	Want, Got RuleSettings
}

// RuleSettings are the settings of a rule that Verify compares, with S3's
// defaults filled in (a rule read back says Disabled where the plan said
// nothing).
type RuleSettings struct {
	Priority            int32
	Enabled             bool
	Prefix              string
	Tags                string // "k=v&k2=v2", sorted
	Destination         string // the bucket ARN
	StorageClass        string
	DeleteMarkers       bool
	RTC                 bool
	ReplicaModification bool
	ReplicaKMSKey       string
}

// settingsOf reads the compared settings of a rule.
func settingsOf(r types.ReplicationRule) RuleSettings {
	s := RuleSettings{Priority: aws.ToInt32(r.Priority), Enabled: r.Status == types.ReplicationRuleStatusEnabled}
	//lint:ignore SA1019 a V1 rule made by hand carries its prefix here, and must read as changed
	s.Prefix = aws.ToString(r.Prefix)
	tags := map[string]string{}
	if f := r.Filter; f != nil {
		if f.Prefix != nil {
			s.Prefix = *f.Prefix
		}
		if f.Tag != nil {
			tags[aws.ToString(f.Tag.Key)] = aws.ToString(f.Tag.Value)
		}
		if f.And != nil {
			s.Prefix = aws.ToString(f.And.Prefix)
			for _, t := range f.And.Tags {
				tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
	}
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		kv = append(kv, k+"="+tags[k])
	}
	s.Tags = strings.Join(kv, "&")
	if d := r.Destination; d != nil {
		s.Destination, s.StorageClass = aws.ToString(d.Bucket), string(d.StorageClass)
		s.RTC = d.ReplicationTime != nil && d.ReplicationTime.Status == types.ReplicationTimeStatusEnabled
		if d.EncryptionConfiguration != nil {
			s.ReplicaKMSKey = aws.ToString(d.EncryptionConfiguration.ReplicaKmsKeyID)
		}
	}
	s.DeleteMarkers = r.DeleteMarkerReplication != nil && r.DeleteMarkerReplication.Status == types.DeleteMarkerReplicationStatusEnabled
	if c := r.SourceSelectionCriteria; c != nil && c.ReplicaModifications != nil {
		s.ReplicaModification = c.ReplicaModifications.Status == types.ReplicaModificationsStatusEnabled
	}
	return s
}

// Verify reads every bucket's versioning and replication configuration
// back and reports how they differ from the Plan: versioning off, no
// configuration, a wrong role, missing, extra or changed rules. It sends
// only reads. A read that fails (access denied, a region down) is the
// error; the Drift is returned only whole.
func (m *Mesh) Verify(ctx context.Context) (*Drift, error) {
	const op = "s3mesh.Verify"
	if err := m.checkOpen(ctx); err != nil {
		return nil, err
	}
	d := &Drift{Buckets: make([]BucketDrift, len(m.plan.Buckets))}
	err := m.eachRegion(ctx, func(ctx context.Context, r multiregion.Region) error {
		i := slices.IndexFunc(m.plan.Buckets, func(b BucketPlan) bool { return b.Region == r })
		bd, err := m.verifyBucket(ctx, op, &m.plan.Buckets[i])
		d.Buckets[i] = bd
		return err
	})
	if err != nil {
		return nil, m.closedErr(err)
	}
	return d, nil
}

// verifyBucket compares one bucket with its plan.
func (m *Mesh) verifyBucket(ctx context.Context, op string, b *BucketPlan) (BucketDrift, error) {
	bd := BucketDrift{Region: b.Region, Bucket: b.Bucket}
	var ver *s3.GetBucketVersioningOutput
	var rep *s3.GetBucketReplicationOutput
	err := m.pinned(ctx, op, route.Read, b.Region, func(ctx context.Context, api API) error {
		var err error
		if ver, err = api.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b.Bucket)}); err != nil {
			return err
		}
		rep, err = api.GetBucketReplication(ctx, &s3.GetBucketReplicationInput{Bucket: aws.String(b.Bucket)})
		if isCode(err, "ReplicationConfigurationNotFoundError") {
			rep, err = nil, nil
		}
		return err
	})
	if err != nil {
		return bd, err
	}
	bd.Versioning = string(ver.Status)
	bd.VersioningOff = ver.Status != types.BucketVersioningStatusEnabled
	want := b.Replication.ReplicationConfiguration
	if rep == nil || rep.ReplicationConfiguration == nil {
		bd.NoConfiguration = true
		for _, r := range want.Rules {
			bd.Missing = append(bd.Missing, aws.ToString(r.ID))
		}
		return bd, nil
	}
	got := rep.ReplicationConfiguration
	if aws.ToString(got.Role) != aws.ToString(want.Role) {
		bd.WrongRole = aws.ToString(got.Role)
		if bd.WrongRole == "" {
			bd.WrongRole = "(none)"
		}
	}
	compareRules(&bd, want.Rules, got.Rules)
	return bd, nil
}

// compareRules fills the rule drift of bd: by ID, then by settings.
func compareRules(bd *BucketDrift, want, got []types.ReplicationRule) {
	have := map[string]types.ReplicationRule{}
	for _, r := range got {
		have[aws.ToString(r.ID)] = r
	}
	planned := map[string]bool{}
	for _, w := range want {
		id := aws.ToString(w.ID)
		planned[id] = true
		g, ok := have[id]
		switch {
		case !ok:
			bd.Missing = append(bd.Missing, id)
		case settingsOf(w) != settingsOf(g):
			bd.Changed = append(bd.Changed, RuleChange{ID: id, Want: settingsOf(w), Got: settingsOf(g)})
		}
	}
	for _, g := range got {
		if id := aws.ToString(g.ID); !planned[id] {
			bd.Extra = append(bd.Extra, id)
		}
	}
	slices.Sort(bd.Extra)
}
