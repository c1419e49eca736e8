package aurora_test

import (
	"testing"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
)

// BenchmarkReaderPick is the adapter's own cost of Reader, with no I/O:
// the shared call loop picking the nearest reader and handing out its
// pool (static topology on closed ports; nothing is dialed).
func BenchmarkReaderPick(b *testing.B) {
	_, mr := newClient(b, false)
	addrs := map[multiregion.Region]string{use1: closedPort(b), usw2: closedPort(b), euw1: closedPort(b)}
	c, err := aurora.New(testCtx(b), mr, staticOptions(addrs))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Close() })
	ctx := testCtx(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.Reader(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
