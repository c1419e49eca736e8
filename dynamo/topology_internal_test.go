package dynamo

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// TestReplicasChangedHook: the hook the detector uses to follow the
// replica set (onReplicasChanged) is called after a change with the
// regions added and removed, and currentReplicas agrees.
func TestReplicasChangedHook(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	regions := []string{"us-east-1", "eu-west-1"}
	emu, err := globaltable.New(globaltable.Options{Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = emu.Close() }()
	lab, err := multiregiontest.New(regions, multiregiontest.WithHandler(emu.Handler))
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	cfg := aws.Config{Region: "us-east-1", HTTPClient: &http.Client{Transport: tr},
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")}
	mr, err := multiregion.New(ctx, cfg, lab.Options(multiregion.ServiceDynamoDB), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mr.Close() }()
	raw := dynamodb.NewFromConfig(mr.Config("us-east-1"))
	if _, err := raw.CreateTable(ctx, multiregiontest.TableInput("t", multiregiontest.StringKey("pk"))); err != nil {
		t.Fatal(err)
	}
	type change struct{ added, removed []multiregion.Region }
	changes := make(chan change, 4)
	tb, err := New[map[string]any](ctx, mr, "t", func(o *Options) {
		o.DisableConflictDetection, o.DisableProbe, o.TopologyRefresh = true, true, time.Hour
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tb.Close() }()
	tb.onReplicasChanged(func(added, removed []multiregion.Region) { changes <- change{added, removed} })
	if err := emu.RemoveReplica("eu-west-1"); err != nil {
		t.Fatal(err)
	}
	tb.kickTopology()
	select {
	case c := <-changes:
		if len(c.added) != 0 || !slices.Equal(c.removed, []multiregion.Region{"eu-west-1"}) {
			t.Fatalf("hook: added %v removed %v", c.added, c.removed)
		}
	case <-ctx.Done():
		t.Fatal("hook not called")
	}
	if got := tb.currentReplicas(); !slices.Equal(got, []multiregion.Region{"us-east-1"}) {
		t.Fatalf("currentReplicas = %v", got)
	}
}
