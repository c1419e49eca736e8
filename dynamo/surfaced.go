package dynamo

import (
	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/telemetry"
)

// surfacedReporter returns what the detector tells of every conflict it
// surfaces: one Info line and the multiregion.conflicts counter. The line
// names the versions and regions only, never the key or an item: those
// are the caller's data.
func surfacedReporter(store string, log logger, mr *multiregion.Client) func(Conflict) {
	mo := mr.Options()
	tel := telemetry.New(mo.MeterProvider, mo.TracerProvider)
	return func(c Conflict) {
		log.Info("dynamo: conflict surfaced: a last-writer-wins loss", "store", store, "table", c.Table,
			"region", string(c.SeenIn), "lost_version", c.Lost.Version, "lost_origin", string(c.Lost.Origin),
			"winner_version", c.Winner.Version, "winner_origin", string(c.Winner.Origin),
			"lost_ancestors", len(c.LostAncestors))
		tel.Conflicts(store, string(c.SeenIn), 1+len(c.LostAncestors))
	}
}
