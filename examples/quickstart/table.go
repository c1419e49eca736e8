package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/internal/testutil"
	"github.com/regionkit/multiregion/internal/testutil/globaltable"
)

// Profile is the item of the demo's global table.
type Profile struct {
	User string `dynamodbav:"user"`
	Name string `dynamodbav:"name"`
	City string `dynamodbav:"city"`
}

// noCRC: the lab's DynamoDB emulator sends no x-amz-crc32 header.
func noCRC(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }

// tableDemo runs the dynamo adapter on the lab's global table: writes and
// reads go to the nearest replica, a read fails over when that region is
// down, and two concurrent edits in two regions, which DynamoDB resolves by
// last writer wins without a trace, come back as a conflict.
func tableDemo(ctx context.Context, out io.Writer, lab *testutil.Regions, emu *globaltable.Emulator, mr *multiregion.Client) error {
	fmt.Fprintln(out, "--- DynamoDB global table (MREC) through the dynamo adapter ---")
	nearest, err := mr.Nearest(ctx)
	if err != nil {
		return err
	}
	if err := createProfiles(ctx, mr, nearest); err != nil {
		return err
	}
	profiles, err := dynamo.New[Profile](ctx, mr, "profiles", dynamo.WithClientOptions(noCRC),
		func(o *dynamo.Options) { o.StreamPollInterval = 20 * time.Millisecond })
	if err != nil {
		return err
	}
	defer profiles.Close()
	fmt.Fprintf(out, "table %s: %s, replicas %v\n", profiles.Name(), profiles.Consistency(), profiles.Replicas())

	meta, err := profiles.Put(ctx, Profile{User: "ada", Name: "Ada", City: "London"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "put ada: version %.8s written in %s (the nearest replica)\n", meta.Version, meta.Origin)
	if err := emu.Quiesce(ctx); err != nil {
		return err
	}

	// The nearest replica goes down: the read fails over to the next one.
	lab.Endpoint(string(nearest)).Down()
	it, err := profiles.Get(ctx, Profile{User: "ada"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "get ada while %s is down: %q served by %s\n", nearest, it.Value.City, it.Region)
	if err := lab.Endpoint(string(nearest)).Up(); err != nil {
		return err
	}
	if err := waitFor(ctx, func() bool { r, err := mr.Nearest(ctx); return err == nil && r == nearest }); err != nil {
		return err
	}

	// Two users edit ada's profile in two regions within the replication
	// window (held here so the demo does not depend on timing).
	others := []multiregion.Region{}
	for _, r := range profiles.Replicas() {
		if r != nearest {
			others = append(others, r)
		}
	}
	for _, r := range others[:2] {
		emu.PauseReplication(string(r))
	}
	a, err := profiles.Put(ctx, Profile{User: "ada", Name: "Ada", City: "Paris"}, dynamo.InRegion(others[0]))
	if err != nil {
		return err
	}
	b, err := profiles.Put(ctx, Profile{User: "ada", Name: "Ada", City: "Oregon"}, dynamo.InRegion(others[1]))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "concurrent edits: %.8s in %s, %.8s in %s\n", a.Version, a.Origin, b.Version, b.Origin)
	for _, r := range others[:2] {
		emu.ResumeReplication(string(r))
	}
	if err := emu.Quiesce(ctx); err != nil {
		return err
	}
	select {
	case c := <-profiles.Conflicts():
		lost, _ := dynamo.DecodeVersion[Profile](c.Lost)
		won, _ := dynamo.DecodeVersion[Profile](c.Winner)
		fmt.Fprintf(out, "CONFLICT surfaced: last writer wins kept %q (%s) and silently discarded %q (%s)\n",
			won.City, c.Winner.Origin, lost.City, c.Lost.Origin)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("no conflict surfaced")
	}
	return nil
}

// createProfiles creates the global table (the emulator creates a table in
// every replica region, as a global table is).
func createProfiles(ctx context.Context, mr *multiregion.Client, r multiregion.Region) error {
	ddb := dynamodb.NewFromConfig(mr.Config(r), noCRC)
	_, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("profiles"),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("user"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("user"), KeyType: types.KeyTypeHash}},
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	return err
}
