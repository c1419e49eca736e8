package s3mesh_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/s3mesh"
)

// exampleMesh is a Mesh over a lab of two regions (us-east-1 nearest)
// whose replication is held until Quiesce.
func exampleMesh(ctx context.Context, s3o func(*multiregiontest.S3Options)) (*s3mesh.Mesh, *multiregiontest.Lab, func()) {
	lab, err := multiregiontest.New([]string{"us-east-1", "eu-west-1"}, multiregiontest.WithS3(s3o),
		multiregiontest.WithLatency("us-east-1", time.Millisecond), multiregiontest.WithLatency("eu-west-1", 60*time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		log.Fatal(err)
	}
	if err := mr.Refresh(ctx); err != nil {
		log.Fatal(err)
	}
	buckets := map[multiregion.Region]string{"us-east-1": "media-use1", "eu-west-1": "media-euw1"}
	for r, b := range buckets {
		if err := lab.S3().CreateBucket(ctx, string(r), b, false); err != nil {
			log.Fatal(err)
		}
	}
	mesh, err := s3mesh.New(ctx, mr, buckets, func(o *s3mesh.Options) {
		o.RoleARN = "arn:aws:iam::123456789012:role/s3-replication"
		o.ClientOptions = []func(*s3.Options){func(o *s3.Options) { o.UsePathStyle = true }}
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := mesh.Apply(ctx); err != nil {
		log.Fatal(err)
	}
	return mesh, lab, func() { _ = mesh.Close(); _ = mr.Close(); lab.Close() }
}

// A Get while the object is still replicating: the nearest bucket answers
// 404, the Get falls back to the region that has it, and says so.
func ExampleMesh_Get() {
	ctx := context.Background()
	mesh, lab, done := exampleMesh(ctx, func(o *multiregiontest.S3Options) { o.ReplicationDelay = time.Hour })
	defer done()
	if _, err := mesh.Put(ctx, "photo.jpg", strings.NewReader("jpeg"), s3mesh.WithRegion("eu-west-1")); err != nil {
		log.Fatal(err)
	}
	get := func() {
		obj, err := mesh.Get(ctx, "photo.jpg")
		if err != nil {
			log.Fatal(err)
		}
		defer obj.Body.Close()
		body, _ := io.ReadAll(obj.Body)
		fmt.Printf("%s from %s, %s\n", body, obj.Region, obj.ReplicationStatus)
	}
	get()
	if err := lab.S3().Quiesce(ctx); err != nil {
		log.Fatal(err)
	}
	get()
	// Output:
	// jpeg from eu-west-1, PENDING
	// jpeg from us-east-1, REPLICA
}

// Concurrent writes in two regions can leave each bucket with another
// latest version; Check names them, Reconcile makes the buckets agree.
func ExampleMesh_Reconcile() {
	ctx := context.Background()
	mesh, lab, done := exampleMesh(ctx, func(o *multiregiontest.S3Options) { o.ReplicationDelay = time.Hour })
	defer done()
	// Both writes land before either replicates: each arrives second in
	// the other region, and becomes the latest there.
	for _, r := range mesh.Regions() {
		if _, err := mesh.Put(ctx, "config.json", strings.NewReader("from "+string(r)), s3mesh.WithRegion(r)); err != nil {
			log.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // S3 times are in milliseconds: the second write is the newer
	}
	if err := lab.S3().Quiesce(ctx); err != nil {
		log.Fatal(err)
	}
	var de *s3mesh.DivergenceError
	if err := mesh.Check(ctx, "config.json"); errors.As(err, &de) {
		fmt.Println("diverged across", len(de.Latest), "regions")
	}
	if _, err := mesh.Reconcile(ctx, "config.json", s3mesh.NewestWins); err != nil {
		log.Fatal(err)
	}
	if err := lab.S3().Quiesce(ctx); err != nil { // the rewrite replicates
		log.Fatal(err)
	}
	fmt.Println("check after Reconcile:", mesh.Check(ctx, "config.json"))
	for _, r := range mesh.Regions() {
		obj, err := mesh.Get(ctx, "config.json", s3mesh.WithRegion(r))
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(obj.Body)
		obj.Body.Close()
		fmt.Printf("%s serves %q\n", r, body)
	}
	// Output:
	// diverged across 2 regions
	// check after Reconcile: <nil>
	// us-east-1 serves "from eu-west-1"
	// eu-west-1 serves "from eu-west-1"
}
