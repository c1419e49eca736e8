package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/multiregiontest"
)

// cacheRegions are the in-process Valkey servers of the demo's Global
// Datastore, one per region; replicas refuse writes with READONLY.
type cacheRegions struct {
	servers map[string]*miniredis.Miniredis
	primary atomic.Pointer[string]
}

// startCacheRegions starts one server per region, primary in primary.
func startCacheRegions(regions []string, primary string) (*cacheRegions, error) {
	c := &cacheRegions{servers: map[string]*miniredis.Miniredis{}}
	c.primary.Store(&primary)
	for _, r := range regions {
		m, err := miniredis.Run()
		if err != nil {
			c.close()
			return nil, err
		}
		c.servers[r] = m
		m.Server().SetPreHook(func(p *server.Peer, cmd string, _ ...string) bool {
			up := strings.ToUpper(cmd)
			if *c.primary.Load() != r && !cache.ReadOnlyCommand(cmd) && up != "HELLO" && up != "CLIENT" && up != "PING" && up != "INFO" {
				p.WriteError("READONLY You can't write against a read only replica.")
				return true
			}
			return false
		})
	}
	return c, nil
}

func (c *cacheRegions) close() {
	for _, m := range c.servers {
		m.Close()
	}
}

// option is the lab's ElastiCache control plane for these servers.
func (c *cacheRegions) option() multiregiontest.Option {
	return multiregiontest.WithElastiCache(func(o *multiregiontest.ElastiCacheOptions) {
		o.GlobalReplicationGroupID = "ldgnf-sessions"
		o.Primary = *c.primary.Load()
		o.Endpoints = map[string]string{}
		for r, m := range c.servers {
			o.Endpoints[r] = m.Addr()
		}
		o.OnFailover = func(_ context.Context, _, to string) error { c.primary.Store(&to); return nil }
	})
}

// replicate copies the primary's strings to the replicas, as the Global
// Datastore's asynchronous replication would.
func (c *cacheRegions) replicate() {
	src := c.servers[*c.primary.Load()]
	for _, m := range c.servers {
		if m == src {
			continue
		}
		for _, k := range src.Keys() {
			if v, err := src.Get(k); err == nil {
				m.Set(k, v)
			}
		}
	}
}

// cacheDemo runs the cache adapter on the lab's Global Datastore: writes on
// the primary region only, reads from the nearest region, a write outside
// the primary refused before the network, and a failover the writes follow.
func cacheDemo(ctx context.Context, out io.Writer, servers *cacheRegions, mr *multiregion.Client) error {
	fmt.Fprintln(out, "--- ElastiCache Global Datastore through the cache adapter ---")
	sessions, err := cache.New(ctx, mr, func(o *cache.Options) {
		o.GlobalReplicationGroupID = "ldgnf-sessions"
		o.DisableProbe = true // rank by the lab's round trips
	})
	if err != nil {
		return err
	}
	defer sessions.Close()
	fmt.Fprintf(out, "Global Datastore primary %s, members %v\n", sessions.Primary(), sessions.Regions())
	if err := sessions.Set(ctx, "session:ada", "logged-in", 30*time.Minute); err != nil {
		return err
	}
	servers.replicate()
	v, r, err := sessions.Get(ctx, "session:ada")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "cache: written on %s, read %q from %s (nearest)\n", sessions.Primary(), v, r)
	if err := sessions.In("us-west-2").Set(ctx, "session:bob", "x", 0); err != nil {
		fmt.Fprintf(out, "cache: %v\n", err)
	}
	if err := sessions.Failover(ctx, "us-west-2"); err != nil {
		return err
	}
	n, err := sessions.Incr(ctx, "logins")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "cache: after FailoverGlobalReplicationGroup the primary is %s; INCR logins = %d there\n", sessions.Primary(), n)
	return nil
}
