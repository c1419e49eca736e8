package s3mesh

import (
	"context"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	ctltypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// MRAPControlAPI is the part of *s3control.Client the Multi-Region Access
// Point path uses. *s3control.Client implements it; an implementation must
// be safe for concurrent use.
type MRAPControlAPI interface {
	SubmitMultiRegionAccessPointRoutes(ctx context.Context, in *s3control.SubmitMultiRegionAccessPointRoutesInput, optFns ...func(*s3control.Options)) (*s3control.SubmitMultiRegionAccessPointRoutesOutput, error)
	GetMultiRegionAccessPointRoutes(ctx context.Context, in *s3control.GetMultiRegionAccessPointRoutesInput, optFns ...func(*s3control.Options)) (*s3control.GetMultiRegionAccessPointRoutesOutput, error)
}

var _ MRAPControlAPI = (*s3control.Client)(nil)

// mrapControlRegions are the regions that serve the route API of
// Multi-Region Access Points (SubmitMultiRegionAccessPointRoutes and
// GetMultiRegionAccessPointRoutes), in the order the Mesh prefers them.
var mrapControlRegions = []multiregion.Region{"us-west-2", "us-east-1", "eu-west-1", "ap-southeast-2", "ap-northeast-1"}

// MRAPRoute is one bucket's route of the access point.
type MRAPRoute struct {
	Region multiregion.Region
	Bucket string
	// Dial is the share of traffic the route may take, 0 or 100 (0: drained).
	Dial int32
}

// parseMRAPARN checks arn:<partition>:s3::<account>:accesspoint/<alias>.mrap
// and returns the account.
func parseMRAPARN(arn string) (account string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "s3" || parts[3] != "" || len(parts[4]) != 12 {
		return "", false
	}
	alias, found := strings.CutPrefix(parts[5], "accesspoint/")
	if !found || !strings.HasSuffix(alias, ".mrap") || len(alias) <= len(".mrap") {
		return "", false
	}
	return parts[4], true
}

// mrapControlRegion is where the route API is called: the Mesh's first
// region (in the Client's order) that serves it.
func (m *Mesh) mrapControlRegion() (multiregion.Region, bool) {
	for _, r := range m.regions {
		if slices.Contains(mrapControlRegions, r) {
			return r, true
		}
	}
	return "", false
}

// DrainMRAP sets the access point's route to r's bucket to 0 % (and every
// other route of the Mesh to 100 %), with SubmitMultiRegionAccessPointRoutes:
// clients of the access point stop reaching r's bucket once S3 applies the
// change, which takes up to 2 minutes. The in-process path (Client.Drain)
// takes effect at the next call, but only in this process.
func (m *Mesh) DrainMRAP(ctx context.Context, r multiregion.Region) error {
	return m.submitRoutes(ctx, "s3mesh.DrainMRAP", r)
}

// UndrainMRAP sets every route of the Mesh's buckets back to 100 %.
func (m *Mesh) UndrainMRAP(ctx context.Context) error {
	return m.submitRoutes(ctx, "s3mesh.UndrainMRAP", "")
}

func (m *Mesh) submitRoutes(ctx context.Context, op string, drained multiregion.Region) error {
	if err := m.checkMRAP(ctx, op); err != nil {
		return err
	}
	if drained != "" && m.buckets[drained] == "" {
		return &InputError{Op: op, Field: "region", Reason: "region " + string(drained) + " has no bucket in the mesh"}
	}
	at, _ := m.mrapControlRegion()
	var updates []ctltypes.MultiRegionAccessPointRoute
	for _, r := range m.regions {
		dial := int32(100)
		if r == drained {
			dial = 0
		}
		updates = append(updates, ctltypes.MultiRegionAccessPointRoute{Bucket: aws.String(m.buckets[r]), Region: aws.String(string(r)), TrafficDialPercentage: aws.Int32(dial)})
	}
	return m.pinned(ctx, op, route.IdempotentWrite, at, func(ctx context.Context, _ API) error {
		_, err := m.mrapControl.SubmitMultiRegionAccessPointRoutes(ctx, &s3control.SubmitMultiRegionAccessPointRoutesInput{
			AccountId: aws.String(m.mrapAccount), Mrap: aws.String(m.opts.MRAPARN), RouteUpdates: updates})
		return err
	})
}

// MRAPRoutes reads the access point's routes in effect
// (GetMultiRegionAccessPointRoutes).
func (m *Mesh) MRAPRoutes(ctx context.Context) ([]MRAPRoute, error) {
	const op = "s3mesh.MRAPRoutes"
	if err := m.checkMRAP(ctx, op); err != nil {
		return nil, err
	}
	at, _ := m.mrapControlRegion()
	var out []MRAPRoute
	err := m.pinned(ctx, op, route.Read, at, func(ctx context.Context, _ API) error {
		got, err := m.mrapControl.GetMultiRegionAccessPointRoutes(ctx, &s3control.GetMultiRegionAccessPointRoutesInput{
			AccountId: aws.String(m.mrapAccount), Mrap: aws.String(m.opts.MRAPARN)})
		if err != nil {
			return err
		}
		out = out[:0]
		for _, rt := range got.Routes {
			out = append(out, MRAPRoute{Region: multiregion.Region(aws.ToString(rt.Region)), Bucket: aws.ToString(rt.Bucket), Dial: aws.ToInt32(rt.TrafficDialPercentage)})
		}
		return nil
	})
	return out, m.closedErr(err)
}

// checkMRAP: the access point is configured and its route API reachable.
func (m *Mesh) checkMRAP(ctx context.Context, op string) error {
	if err := m.checkOpen(ctx); err != nil {
		return err
	}
	if m.opts.MRAPARN == "" {
		return &InputError{Op: op, Field: "Options.MRAPARN", Reason: "no Multi-Region Access Point configured"}
	}
	if _, ok := m.mrapControlRegion(); !ok {
		return &InputError{Op: op, Field: "buckets", Reason: "no region of the mesh serves the MRAP route API (us-west-2, us-east-1, eu-west-1, ap-southeast-2, ap-northeast-1)"}
	}
	return nil
}
