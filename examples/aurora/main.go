// Command aurora shows how the aurora adapter follows an Aurora global
// database's writer: it reads the topology from the control plane
// (DescribeGlobalClusters, DescribeDBClusters), refuses a write aimed at a
// secondary region before any network traffic, and follows a switchover.
//
// It runs in-process without AWS: multiregiontest serves the RDS control
// plane in three regions on 127.0.0.1, the real AWS SDK talking to it.
// With -pg, one region=host:port per region, the control plane names
// those PostgreSQL servers (us-east-1 the primary, the others hot
// standbys) and the example also writes on the writer and reads from the
// nearest region. The project's lab has such servers: `scripts/lab up`,
// then take each region's "postgres" address from `scripts/lab env`.
//
//	go run ./examples/aurora
//	go run ./examples/aurora -pg us-east-1=127.0.0.1:27111 -pg us-west-2=127.0.0.1:27121 -pg eu-west-1=127.0.0.1:27131
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/multiregiontest"
)

// regions are the example's three regions; us-east-1 is the writer.
var regions = []multiregion.Region{"us-east-1", "us-west-2", "eu-west-1"}

// servers is the -pg flag: a PostgreSQL host:port per region.
type servers map[string]string

func (s servers) String() string { return fmt.Sprint(map[string]string(s)) }

func (s servers) Set(v string) error {
	region, addr, ok := strings.Cut(v, "=")
	if !ok || region == "" {
		return fmt.Errorf("want region=host:port, got %q", v)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("region %s: %w", region, err)
	}
	s[region] = addr
	return nil
}

func main() {
	pg := servers{}
	flag.Var(pg, "pg", "region=host:port of a PostgreSQL server, once per region (us-east-1 the primary); none: control plane only")
	flag.Parse()
	if len(pg) > 0 {
		for _, r := range regions {
			if pg[string(r)] == "" {
				fmt.Fprintf(os.Stderr, "aurora: -pg needs every region: %s missing\n", r)
				os.Exit(2)
			}
		}
	} else {
		pg = nil
	}
	if err := run(context.Background(), os.Stdout, pg); err != nil {
		fmt.Fprintln(os.Stderr, "aurora:", err)
		os.Exit(1)
	}
}

// run is the example; pg, when set, names the servers of the data plane.
func run(ctx context.Context, out io.Writer, pg servers) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ml, err := multiregiontest.New(regions, multiregiontest.WithRDS(func(o *multiregiontest.RDSOptions) {
		o.GlobalClusterID, o.Writer = "payments-global", "us-east-1"
		if pg != nil {
			o.Endpoint = func(r string) (string, int) { return hostPort(pg[r]) }
		}
	}))
	if err != nil {
		return err
	}
	defer ml.Close()
	mr, err := multiregion.New(ctx, ml.Config(), ml.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		return err
	}
	defer mr.Close()

	c, err := aurora.New(ctx, mr, func(o *aurora.Options) {
		o.GlobalClusterID = "payments-global"
		// The control plane gives host and port; the DSN the rest. The
		// password is never printed nor put in an error.
		o.DSN = "postgres://postgres:never-printed@placeholder/lab?sslmode=disable&connect_timeout=2"
		if pg == nil {
			o.LagInterval = -1 // no server to ask
		}
	})
	if err != nil {
		return err
	}
	defer c.Close()
	fmt.Fprintf(out, "global database payments-global: writer %s, regions %v, engine %s\n", c.WriterRegion(), c.Regions(), c.Engine())

	// A write aimed at a secondary region never leaves the process.
	_, err = c.In("eu-west-1").ExecContext(ctx, "insert into payments (id) values ($1)", "p-1")
	var we *multiregion.WriteRegionError
	if errors.As(err, &we) {
		fmt.Fprintf(out, "write in %s refused before the network: writer is %s\n", we.Region, we.Writer)
	}
	if pg != nil {
		if err := dataPlane(ctx, out, c); err != nil {
			return err
		}
	}

	// A planned switchover: SwitchoverGlobalCluster, then the Cluster
	// reloads the topology until it shows the new writer.
	if err := c.Switchover(ctx, "us-west-2", func(o *aurora.MoveOptions) { o.Wait = true }); err != nil {
		return err
	}
	fmt.Fprintf(out, "after the switchover: writer %s\n", c.WriterRegion())
	return nil
}

// dataPlane writes on the writer and reads from the nearest region.
func dataPlane(ctx context.Context, out io.Writer, c *aurora.Cluster) error {
	if _, err := c.ExecContext(ctx, "create table if not exists aurora_example (id text primary key)"); err != nil {
		return err
	}
	id := fmt.Sprintf("p-%d", time.Now().UnixNano())
	if _, err := c.ExecContext(ctx, "insert into aurora_example (id) values ($1)", id); err != nil {
		return err
	}
	fmt.Fprintf(out, "inserted %s on the writer %s\n", id, c.WriterRegion())
	db, r, err := c.Reader(ctx)
	if err != nil {
		return err
	}
	var n int
	if err := db.QueryRowContext(ctx, "select count(*) from aurora_example").Scan(&n); err != nil {
		return err
	}
	fmt.Fprintf(out, "read %d rows from %s (nearest within MaxLag)\n", n, r)
	return nil
}

// hostPort splits an address main checked already.
func hostPort(addr string) (string, int) {
	h, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return h, n
}
