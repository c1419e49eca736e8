// Command s3mesh shows the two-way S3 replication mesh with no AWS account
// and no network: three regions of the in-process lab, each with its own
// latency and S3 endpoint (multiregiontest.WithS3: versioning, replication
// by the configured rules, after a delay). It prints the replication plan
// of the three buckets as JSON (six rules, for a review), applies and
// verifies it, then writes an object far away and reads it nearest-first:
// during the replication delay the nearest buckets answer 404 and the read
// falls back; once replicated, the nearest bucket serves the replica.
//
//	go run ./examples/s3mesh
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/s3mesh"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "s3mesh:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	regions := []string{"us-east-1", "eu-west-1", "ap-southeast-2"}
	lab, err := multiregiontest.New(regions,
		multiregiontest.WithS3(func(o *multiregiontest.S3Options) { o.ReplicationDelay = time.Hour }),
		multiregiontest.WithLatency("us-east-1", 5*time.Millisecond),
		multiregiontest.WithLatency("eu-west-1", 60*time.Millisecond),
		multiregiontest.WithLatency("ap-southeast-2", 150*time.Millisecond))
	if err != nil {
		return err
	}
	defer lab.Close()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		return err
	}
	defer mr.Close()
	if err := mr.Refresh(ctx); err != nil {
		return err
	}

	// One bucket per region (bucket names are global), not yet versioned.
	buckets := map[multiregion.Region]string{}
	for _, r := range regions {
		buckets[multiregion.Region(r)] = "orders-" + r
		if err := lab.S3().CreateBucket(ctx, r, "orders-"+r, false); err != nil {
			return err
		}
	}
	mesh, err := s3mesh.New(ctx, mr, buckets, func(o *s3mesh.Options) {
		o.RoleARN = "arn:aws:iam::123456789012:role/s3-replication"
		o.ReplicationTimeControl = true
		o.ClientOptions = []func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }} // the lab is path-style
	})
	if err != nil {
		return err
	}
	defer mesh.Close()

	plan, err := json.MarshalIndent(mesh.Plan(), "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "plan (%d rules):\n%s\n", mesh.Plan().Rules(), plan)
	if err := mesh.Apply(ctx); err != nil {
		return err
	}
	drift, err := mesh.Verify(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "applied; Verify clean: %v\n", drift.Clean())

	// Written in the farthest region: not yet replicated (an hour's delay
	// in this lab, up to 15 minutes under RTC in S3).
	put, err := mesh.Put(ctx, "orders/42.json", strings.NewReader(`{"total":42}`), s3mesh.WithRegion("ap-southeast-2"))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "put orders/42.json in %s, version %s\n", put.Region, put.VersionID)
	if err := get(ctx, out, mesh, "during replication"); err != nil {
		return err
	}
	if err := lab.S3().Quiesce(ctx); err != nil { // replication catches up
		return err
	}
	return get(ctx, out, mesh, "after replication")
}

// get reads the object nearest-first and says who served it.
func get(ctx context.Context, out io.Writer, mesh *s3mesh.Mesh, when string) error {
	obj, err := mesh.Get(ctx, "orders/42.json")
	if err != nil {
		return err
	}
	defer obj.Body.Close()
	body, err := io.ReadAll(obj.Body)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "get %s: %s from %s, replication status %s\n", when, body, obj.Region, obj.ReplicationStatus)
	return nil
}
