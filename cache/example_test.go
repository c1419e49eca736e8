package cache_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/multiregiontest"
)

// A Store with a static topology: primary in us-east-1, a replica in
// eu-west-1 (here both in-process servers).
func ExampleNew_static() {
	ctx := context.Background()
	primary, _ := miniredis.Run()
	defer primary.Close()
	replica, _ := miniredis.Run()
	defer replica.Close()

	mr, err := multiregion.New(ctx, aws.Config{}, multiregion.WithRegions("us-east-1", "eu-west-1"),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	store, err := cache.New(ctx, mr, func(o *cache.Options) {
		o.Static = &cache.Static{Primary: "us-east-1", Addrs: map[multiregion.Region]string{
			"us-east-1": primary.Addr(), "eu-west-1": replica.Addr()}}
		o.DisableProbe = true
	})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()

	if err := store.Set(ctx, "greeting", "hello", time.Minute); err != nil {
		log.Fatal(err)
	}
	v, _ := primary.Get("greeting")
	fmt.Println("primary holds:", v)
	_, _, err = store.In("eu-west-1").Get(ctx, "greeting")
	fmt.Println("not replicated yet:", errors.Is(err, cache.ErrNotFound))
	err = store.In("eu-west-1").Set(ctx, "greeting", "hi", 0)
	fmt.Println(errors.Is(err, multiregion.ErrWriteRegion), err)
	// Output:
	// primary holds: hello
	// not replicated yet: true
	// true multiregion: cache.Set: cache:static accepts writes only in us-east-1, not in eu-west-1
}

// A Store whose topology comes from the ElastiCache control plane (here the
// lab's mock), failed over with FailoverGlobalReplicationGroup.
func ExampleStore_Failover() {
	ctx := context.Background()
	east, _ := miniredis.Run()
	defer east.Close()
	west, _ := miniredis.Run()
	defer west.Close()
	lab, err := multiregiontest.New([]string{"us-east-1", "us-west-2"},
		multiregiontest.WithElastiCache(func(o *multiregiontest.ElastiCacheOptions) {
			o.GlobalReplicationGroupID = "ldgnf-carts"
			o.Endpoints = map[string]string{"us-east-1": east.Addr(), "us-west-2": west.Addr()}
		}))
	if err != nil {
		log.Fatal(err)
	}
	defer lab.Close()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	carts, err := cache.New(ctx, mr, func(o *cache.Options) { o.GlobalReplicationGroupID = "ldgnf-carts" })
	if err != nil {
		log.Fatal(err)
	}
	defer carts.Close()
	fmt.Println("primary:", carts.Primary())
	if err := carts.Failover(ctx, "us-west-2"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("primary:", carts.Primary())
	if _, err := carts.Incr(ctx, "orders"); err != nil {
		log.Fatal(err)
	}
	n, _ := west.Get("orders")
	fmt.Println("us-west-2 counted", n)
	// Output:
	// primary: us-east-1
	// primary: us-west-2
	// us-west-2 counted 1
}
