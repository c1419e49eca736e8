package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// demo is an in-process two-region global table for the examples.
type demo struct {
	emu   *globaltable.Emulator
	rs    *multiregiontest.Lab
	tr    *http.Transport
	mr    *multiregion.Client
	close func()
}

func startDemo(ctx context.Context) *demo {
	emu, _ := globaltable.New(globaltable.Options{Regions: []string{"us-east-1", "eu-west-1"}})
	rs, _ := multiregiontest.New(emu.Regions(), multiregiontest.WithHandler(emu.Handler))
	tr := &http.Transport{}
	cfg := aws.Config{Region: "us-east-1", HTTPClient: &http.Client{Transport: tr},
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	mr, _ := multiregion.New(ctx, cfg, rs.Options(multiregion.ServiceDynamoDB, multiregion.ServiceDynamoDBStreams),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	_ = mr.Refresh(ctx)
	ddb := dynamodb.NewFromConfig(mr.Config("us-east-1"), noChecksum)
	_, _ = ddb.CreateTable(ctx, multiregiontest.TableInput("docs", multiregiontest.StringKey("pk"), multiregiontest.NumberKey("sk")))
	return &demo{emu: emu, rs: rs, tr: tr, mr: mr, close: func() {
		_ = mr.Close()
		tr.CloseIdleConnections()
		rs.Close()
		_ = emu.Close()
	}}
}

func Example() {
	ctx := context.Background()
	d := startDemo(ctx)
	defer d.close()

	docs, err := dynamo.New[Doc](ctx, d.mr, "docs", dynamo.WithClientOptions(noChecksum))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer docs.Close()
	fmt.Println(docs.Consistency(), docs.Replicas())

	m, _ := docs.Put(ctx, Doc{PK: "readme", SK: 1, Title: "Draft"}, dynamo.InRegion("us-east-1"))
	it, _ := docs.Get(ctx, Doc{PK: "readme", SK: 1}, dynamo.InRegion("us-east-1"))
	fmt.Println(it.Value.Title, it.Meta.Version == m.Version, it.Meta.Origin)

	// Optimistic concurrency: a write conditional on the version read.
	_, err = docs.PutIfVersion(ctx, Doc{PK: "readme", SK: 1, Title: "Final"}, it.Meta.Version, dynamo.InRegion("us-east-1"))
	fmt.Println("first editor:", err)
	_, err = docs.PutIfVersion(ctx, Doc{PK: "readme", SK: 1, Title: "Other"}, it.Meta.Version, dynamo.InRegion("us-east-1"))
	fmt.Println("second editor, same version read:", errors.Is(err, dynamo.ErrVersionMismatch))

	upd, _ := docs.Update(ctx, Doc{PK: "readme", SK: 1}, expression.Set(expression.Name("count"), expression.Value(3)), dynamo.InRegion("us-east-1"))
	fmt.Println(upd.Value.Title, upd.Value.Count)
	// Output:
	// MREC [us-east-1 eu-west-1]
	// Draft true us-east-1
	// first editor: <nil>
	// second editor, same version read: true
	// Final 3
}

// ExampleTable_Conflicts shows a write last writer wins discarded: two
// users edit one item in two regions before either edit replicates.
func ExampleTable_Conflicts() {
	ctx := context.Background()
	d := startDemo(ctx)
	defer d.close()
	docs, _ := dynamo.New[Doc](ctx, d.mr, "docs", dynamo.WithClientOptions(noChecksum),
		func(o *dynamo.Options) { o.StreamPollInterval = 5 * time.Millisecond })
	defer docs.Close()

	d.emu.PauseReplication("us-east-1")
	d.emu.PauseReplication("eu-west-1")
	_, _ = docs.Put(ctx, Doc{PK: "readme", SK: 1, Title: "Alice's", By: "alice"}, dynamo.InRegion("us-east-1"))
	_, _ = docs.Put(ctx, Doc{PK: "readme", SK: 1, Title: "Bob's", By: "bob"}, dynamo.InRegion("eu-west-1"))
	d.emu.ResumeReplication("us-east-1")
	d.emu.ResumeReplication("eu-west-1")

	c := <-docs.Conflicts()
	lost, _ := dynamo.DecodeVersion[Doc](c.Lost)
	won, _ := dynamo.DecodeVersion[Doc](c.Winner)
	fmt.Printf("lost %q by %s (%s), kept %q by %s (%s), seen in %s\n",
		lost.Title, lost.By, c.Lost.Origin, won.Title, won.By, c.Winner.Origin, c.SeenIn)
	// Output:
	// lost "Alice's" by alice (us-east-1), kept "Bob's" by bob (eu-west-1), seen in us-east-1
}
