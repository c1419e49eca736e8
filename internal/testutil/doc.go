// Package testutil holds test helpers that only this project's own tests
// need and that no user of the SDK would copy:
//
//   - RoutedVsRaw, the adapters' routed-against-raw benchmark loop;
//   - the planted-secret check (Planted, PlantedIn, Logger, Record,
//     NoSecrets): the adapters' suites plant one known secret in every
//     credential, password and DSN, log everything at Debug into one
//     capture, and fail in TestMain if any line shows the secret;
//   - the lab's integration helpers: LoadLab and RestoreLab (the running
//     lab, put back as it was when a test ends), LabEndpoints (a region's
//     servers, proxied or direct), OpenPG, StartPGStandby
//     and AwaitPGRecovery (a hot standby of the test's own, to promote) and
//     MovingProxy (a name whose address moves, with a one-way latency of
//     its own if asked).
//
// The in-process regional endpoints, the fake clock, the CreateTable
// helpers and the DynamoDB global-table emulator are public, so that
// services built on multiregion can test with them too: see
// github.com/regionkit/multiregion/multiregiontest and
// multiregiontest/globaltable. Put a helper here only if it is about this
// repository (its CI, its lab scripts, its figures).
package testutil
