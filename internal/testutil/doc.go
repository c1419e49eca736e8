// Package testutil is reserved for test helpers that only this project's
// own tests need and that no user of the SDK would copy.
//
// It holds none today. The in-process regional endpoints, the fake clock,
// the CreateTable helpers and the DynamoDB global-table emulator that used
// to live here are public now, so that services built on multiregion can
// test with them too: see github.com/regionkit/multiregion/multiregiontest
// (the lab: Start, New, Endpoint, FakeClock, WithDynamoDB) and
// multiregiontest/globaltable (the emulator on its own). Put a helper here
// only if it is about this repository (its CI, its lab scripts, its
// figures), never one a user's test would want.
package testutil
