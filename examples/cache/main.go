// Command cache shows the ElastiCache Global Datastore adapter with no AWS
// account and no network: the ElastiCache control plane is the in-process
// lab's mock (multiregiontest.WithElastiCache), and each region's Valkey is
// an in-process miniredis whose replicas refuse writes with READONLY, as a
// Global Datastore's secondary regions do. It writes on the primary, reads
// from the nearest region, shows a write outside the primary refused before
// any network traffic, fails over with FailoverGlobalReplicationGroup, and
// keeps writing on the new primary without a restart.
//
//	go run ./examples/cache
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/multiregiontest"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "cache:", err)
		os.Exit(1)
	}
}

// region is one region's in-process Valkey: writes are refused with
// READONLY while it is a replica.
type region struct {
	m       *miniredis.Miniredis
	replica atomic.Bool
}

func startRegion(replica bool) (*region, error) {
	m, err := miniredis.Run()
	if err != nil {
		return nil, err
	}
	r := &region{m: m}
	r.replica.Store(replica)
	m.Server().SetPreHook(func(p *server.Peer, cmd string, _ ...string) bool {
		c := strings.ToUpper(cmd)
		if r.replica.Load() && !cache.ReadOnlyCommand(cmd) && c != "HELLO" && c != "CLIENT" && c != "AUTH" && c != "PING" && c != "INFO" {
			p.WriteError("READONLY You can't write against a read only replica.")
			return true
		}
		return false
	})
	return r, nil
}

// replicate copies the primary's strings to the replicas: what the Global
// Datastore's asynchronous replication does, here on demand.
func replicate(regions map[string]*region, primary string) {
	src := regions[primary].m
	for name, r := range regions {
		if name == primary {
			continue
		}
		for _, k := range src.Keys() {
			if v, err := src.Get(k); err == nil {
				r.m.Set(k, v)
			}
		}
	}
}

func run(ctx context.Context, out io.Writer) error {
	names := []string{"us-east-1", "us-west-2", "eu-west-1"}
	regions := map[string]*region{}
	addrs := map[string]string{}
	for _, n := range names {
		r, err := startRegion(n != "us-east-1")
		if err != nil {
			return err
		}
		defer r.m.Close()
		regions[n], addrs[n] = r, r.m.Addr()
	}

	// The lab: the regions' AWS endpoints (with a round trip each, as seen
	// from a service running in Europe) and the ElastiCache control plane
	// of the Global Datastore "ldgnf-sessions", primary in us-east-1. Its
	// failover hook promotes our in-process servers.
	lab, err := multiregiontest.New(names,
		multiregiontest.WithElastiCache(func(o *multiregiontest.ElastiCacheOptions) {
			o.GlobalReplicationGroupID = "ldgnf-sessions"
			o.Primary = "us-east-1"
			o.Endpoints = addrs
			o.OnFailover = func(_ context.Context, from, to string) error {
				regions[from].replica.Store(true)
				regions[to].replica.Store(false)
				return nil
			}
		}),
		multiregiontest.WithLatency("eu-west-1", 5*time.Millisecond),
		multiregiontest.WithLatency("us-east-1", 40*time.Millisecond),
		multiregiontest.WithLatency("us-west-2", 80*time.Millisecond))
	if err != nil {
		return err
	}
	defer lab.Close()

	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		return err
	}
	defer mr.Close()
	if err := mr.Refresh(ctx); err != nil { // one probe round ranks the regions
		return err
	}

	// The store: topology from DescribeGlobalReplicationGroups and
	// DescribeReplicationGroups.
	sessions, err := cache.New(ctx, mr, func(o *cache.Options) {
		o.GlobalReplicationGroupID = "ldgnf-sessions"
		o.DisableProbe = true // rank by the lab's round trips
	})
	if err != nil {
		return err
	}
	defer sessions.Close()
	fmt.Fprintf(out, "Global Datastore %s: primary %s, members %v\n", sessions.Name(), sessions.Primary(), sessions.Regions())

	if err := sessions.Set(ctx, "session:42", "alice", 30*time.Minute); err != nil {
		return err
	}
	fmt.Fprintf(out, "SET session:42 on the primary, %s\n", sessions.Primary())
	replicate(regions, string(sessions.Primary()))
	v, r, err := sessions.Get(ctx, "session:42")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "GET session:42 = %q, served by %s (the nearest region)\n", v, r)

	err = sessions.In("eu-west-1").Set(ctx, "session:43", "bob", 0)
	fmt.Fprintf(out, "a write pinned to eu-west-1: %v\n", err)

	n, err := sessions.Incr(ctx, "logins")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "INCR logins = %d on %s\n", n, sessions.Primary())

	replicate(regions, string(sessions.Primary()))
	fmt.Fprintln(out, "failing over to eu-west-1 (FailoverGlobalReplicationGroup)...")
	if err := sessions.Failover(ctx, "eu-west-1"); err != nil {
		return err
	}
	n, err = sessions.Incr(ctx, "logins")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "primary now %s; INCR logins = %d there, no restart\n", sessions.Primary(), n)
	if err := sessions.In("eu-west-1").Set(ctx, "session:43", "bob", 0); err != nil {
		return err
	}
	fmt.Fprintln(out, "a write pinned to eu-west-1 is accepted now")
	return nil
}
