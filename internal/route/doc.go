// Package route is the one call loop every datastore adapter of this
// module runs its calls through: pick → attempt → observe → classify →
// fail over in rank order, as the operation's kind allows.
//
//   - A Read moves to the next region after any regional failure, and as a
//     last resort tries regions its store ejected.
//   - An IdempotentWrite (its replay sets the same state) moves on as well,
//     to healthy regions only.
//   - A Write (its replay could act twice) moves on only when the failed
//     region surely did not apply it; an unknown outcome is returned as a
//     *multiregion.RegionError with OutcomeUnknown set and never replayed.
//   - A write refused as read-only (class WriterMoved) was not applied: the
//     loop calls Loop.WriterMoved, which refreshes the store's topology, and
//     retries once on the new writer.
//
// Each adapter supplies its Classifier (which driver error means what); the
// classes are shared (Caller, NotApplied, Unknown, Canceled, Throttled,
// WriterMoved, Skip). Every attempt's outcome is fed to the adapter's
// *multiregion.Store, never to another store's. When every allowed region
// failed, the one error shape is *multiregion.NoHealthyRegionError
// (errors.Is multiregion.ErrNoHealthyRegion), carrying every attempt's
// region and error.
//
// # Quick start, for an adapter author
//
//	loop := &route.Loop{Store: store, Classifier: route.ClassifierFunc(classify)}
//	region, err := loop.Run(ctx, route.Call{Op: "cache.Get", Kind: route.Read},
//		func(ctx context.Context, a *route.Attempt) error {
//			v, err = clients[a.Region].Get(ctx, key).Result()
//			return err // the loop times, classifies and observes it
//		})
//
// An attempt that makes several network calls reports each with
// Attempt.Observe, so that each is one latency sample.
//
// The package is internal because the design card fixes the module's top
// level (client.go, router.go and one directory per store) and only this
// module writes adapters today; the per-store routing state it drives is
// public (multiregion.Store), so the loop can be made public later without
// changing its shape. A Loop is safe for concurrent use once built.
package route
