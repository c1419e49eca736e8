package singlewriter_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

// An adapter builds one Kit per store. Here the "driver" client is a string
// and the control plane a function whose writer the example moves, as a
// SwitchoverGlobalCluster would.
func ExampleNew() {
	ctx := context.Background()
	mr, err := multiregion.New(ctx, aws.Config{},
		multiregion.WithRegions("us-east-1", "us-west-2", "eu-west-1"),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()

	var mu sync.Mutex
	writer := multiregion.Region("us-east-1")
	src := singlewriter.SourceFunc(func(ctx context.Context) (singlewriter.Topology, error) {
		mu.Lock()
		defer mu.Unlock()
		t := singlewriter.Topology{Writer: writer}
		for _, r := range []multiregion.Region{"us-east-1", "us-west-2", "eu-west-1"} {
			m := singlewriter.Member{Region: r, Role: singlewriter.RoleReader, Endpoint: "db." + string(r) + ".example:5432",
				Lag: 3 * time.Second, LagKnown: true}
			if r == writer {
				m.Role, m.Lag, m.LagKnown = singlewriter.RoleWriter, 0, false
			}
			t.Members = append(t.Members, m)
		}
		t.Members[2].Lag = 200 * time.Millisecond // eu-west-1 is nearly caught up
		return t, nil
	})
	connect := func(ctx context.Context, m singlewriter.Member) (string, error) {
		return "conn to " + m.Endpoint, nil // e.g. sql.Open with the secret added here
	}
	kit, err := singlewriter.New(ctx, mr, src, connect, nil, func(o *singlewriter.Options) {
		o.Kind = multiregion.AuroraGlobal
		o.Store = "aurora orders"
		o.MaxLag = time.Second
	})
	if err != nil {
		log.Fatal(err)
	}
	defer kit.Close()

	t := kit.Topology()
	fmt.Println("writer:", t.Writer, "generation:", t.Generation)
	err = kit.CheckWrite("aurora.Exec", "us-west-2")
	fmt.Println(errors.Is(err, multiregion.ErrWriteRegion), err)
	readers := kit.Readers()
	for _, r := range mr.Regions() {
		i, _ := mr.Index(r)
		fmt.Println("reads in", r, readers.Has(i))
	}

	// A switchover; the next write to us-east-1 is refused as read-only.
	mu.Lock()
	writer = "eu-west-1"
	mu.Unlock()
	nt, moved, err := kit.WriterMoved(ctx, t.Generation)
	if err != nil {
		log.Fatal(err)
	}
	c, _ := kit.Client(ctx, nt.Writer)
	fmt.Println("moved:", moved, "retry once on", nt.Writer, "via", c)
	// Output:
	// writer: us-east-1 generation: 1
	// true multiregion: aurora.Exec: aurora orders accepts writes only in us-east-1, not in us-west-2
	// reads in us-east-1 true
	// reads in us-west-2 false
	// reads in eu-west-1 true
	// moved: true retry once on eu-west-1 via conn to db.eu-west-1.example:5432
}
