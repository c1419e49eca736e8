// Command aurora shows how the aurora adapter follows an Aurora global
// database's writer: it reads the topology from the control plane
// (DescribeGlobalClusters, DescribeDBClusters), refuses a write aimed at a
// secondary region before any network traffic, and follows a switchover.
//
// It runs in-process without AWS: multiregiontest serves the RDS control
// plane in three regions on 127.0.0.1, the real AWS SDK talking to it.
// With -lab and the lab running (scripts/lab up), the control plane names
// the lab's PostgreSQL servers (us-east-1 the primary, the others hot
// standbys, each behind its region's proxy) and the example also writes on
// the writer and reads from the nearest region.
//
//	go run ./examples/aurora
//	go run ./examples/aurora -lab
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/aurora"
	"github.com/regionkit/multiregion/internal/lab"
	"github.com/regionkit/multiregion/multiregiontest"
)

func main() {
	useLab := flag.Bool("lab", false, "use the lab's PostgreSQL servers (scripts/lab up) as the data plane")
	flag.Parse()
	var env *lab.Env
	if *useLab {
		var err error
		if env, err = lab.Load(); err != nil {
			fmt.Fprintln(os.Stderr, "aurora:", err)
			os.Exit(1)
		}
	}
	if err := run(context.Background(), os.Stdout, env); err != nil {
		fmt.Fprintln(os.Stderr, "aurora:", err)
		os.Exit(1)
	}
}

// run is the example; env, when set, is the lab that serves the data plane.
func run(ctx context.Context, out io.Writer, env *lab.Env) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	regions := []multiregion.Region{"us-east-1", "us-west-2", "eu-west-1"}
	ml, err := multiregiontest.New(regions, multiregiontest.WithRDS(func(o *multiregiontest.RDSOptions) {
		o.GlobalClusterID, o.Writer = "payments-global", "us-east-1"
		if env != nil {
			o.Endpoint = func(r string) (string, int) { return labAddr(env, r) }
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
		if env == nil {
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
	if env != nil {
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

// labAddr is the host and port of region's PostgreSQL proxy in the lab.
func labAddr(env *lab.Env, region string) (string, int) {
	r, err := env.Region(region)
	if err != nil {
		return "127.0.0.1", 1
	}
	u, err := url.Parse(r.Postgres)
	if err != nil {
		return "127.0.0.1", 1
	}
	h, p, _ := net.SplitHostPort(u.Host)
	n, _ := strconv.Atoi(p)
	return h, n
}
