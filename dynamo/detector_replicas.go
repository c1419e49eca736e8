package dynamo

import (
	"context"
	"slices"
	"time"

	"github.com/regionkit/multiregion"
)

// replicaHookTimeout bounds one reconciliation after a topology change
// (a DescribeTable and a stream's first shard listing per added region).
const replicaHookTimeout = 30 * time.Second

// replicasChanged reconciles the stream readers with the table's replica
// regions now (the hook of the topology refresh): a region added gets a
// reader, started at its stream's trim horizon so that what it held
// since it became a replica is judged; a region removed has its reader
// stopped and forgotten. Safe for concurrent use with the readers,
// Flush and DetectorStatus; a failure to start one region's reader is
// returned, the others are still reconciled.
func (d *detector) replicasChanged(ctx context.Context, regions []multiregion.Region) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.runCtx.Err() != nil {
		return ErrClosed
	}
	var gone []*streamReader
	kept := d.readers[:0:0]
	for _, sr := range d.readers {
		if slices.Contains(regions, sr.region) {
			kept = append(kept, sr)
		} else {
			gone = append(gone, sr)
		}
	}
	var firstErr error
	for _, r := range regions {
		if slices.ContainsFunc(kept, func(sr *streamReader) bool { return sr.region == r }) {
			continue
		}
		sr, err := d.newReader(ctx, r, StreamStartTrimHorizon)
		if err != nil {
			d.log.Warn("dynamo: no stream reader for a new replica; its conflicts wait for the next refresh", "table", d.table, "region", string(r), "error", err)
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		d.launch(sr)
		kept = append(kept, sr)
	}
	d.readers = kept
	for _, sr := range gone {
		sr.stop()
		<-sr.done
		d.log.Info("dynamo: stream reader stopped: the region is no longer a replica", "table", d.table, "region", string(sr.region))
	}
	return firstErr
}

// detectorReplicas is the hook the topology refresh calls with the
// serving replica regions after a change; a no-op without a detector.
func (t *Table[T]) detectorReplicas(ctx context.Context, regions []multiregion.Region) error {
	if t.det == nil {
		return nil
	}
	return t.det.replicasChanged(ctx, regions)
}
