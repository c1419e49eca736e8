package dynamo

import (
	"context"

	"github.com/regionkit/multiregion"
)

// DetectorReplicasChanged lets the external tests drive the topology
// hook of the detector.
func DetectorReplicasChanged[T any](ctx context.Context, t *Table[T], regions []multiregion.Region) error {
	return t.detectorReplicas(ctx, regions)
}
