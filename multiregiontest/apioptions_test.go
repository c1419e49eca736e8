package multiregiontest_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/cache"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/dynamo"
	"github.com/regionkit/multiregion/multiregiontest"
)

// opCounter is an APIOptions middleware that counts the operations it
// sees by "service region operation".
type opCounter struct {
	mu   sync.Mutex
	seen map[string]int
}

func (c *opCounter) add(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("opCounter",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			c.mu.Lock()
			c.seen[awsmiddleware.GetServiceID(ctx)+" "+awsmiddleware.GetRegion(ctx)+" "+awsmiddleware.GetOperationName(ctx)]++
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

func (c *opCounter) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seen[key]
}

// The caller's aws.Config APIOptions run in every regional client the
// adapters build: DynamoDB and its Streams per replica, ElastiCache's and
// DocumentDB's control planes.
func TestAPIOptionsReachEveryRegionalClient(t *testing.T) {
	ctx := context.Background()
	regions := []string{"us-east-1", "eu-west-1"}
	lab := multiregiontest.Start(t, regions, multiregiontest.WithDynamoDB(),
		multiregiontest.WithElastiCache(func(o *multiregiontest.ElastiCacheOptions) {
			o.Endpoints = map[string]string{"us-east-1": "127.0.0.1:1", "eu-west-1": "127.0.0.1:1"}
		}),
		multiregiontest.WithDocDB())
	require.NoError(t, lab.DynamoDB().CreateTable(ctx, "t", multiregiontest.StringKey("user")))
	counter := &opCounter{seen: map[string]int{}}
	cfg := lab.Config()
	cfg.APIOptions = append(cfg.APIOptions, counter.add)
	mr, err := multiregion.New(ctx, cfg, lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	t.Cleanup(func() { _ = mr.Close() })

	tb, _, _ := openAdapters(t, lab, mr)
	_, err = tb.Put(ctx, Profile{User: "ana", City: "Lisbon"}, dynamo.InRegion("eu-west-1"))
	require.NoError(t, err)

	for _, r := range regions {
		assert.Positive(t, counter.count("DynamoDB "+r+" DescribeTable"), "dynamo replica check in %s", r)
		assert.Positive(t, counter.count("DynamoDB Streams "+r+" DescribeStream"), "stream reader in %s", r)
	}
	assert.Positive(t, counter.count("DynamoDB eu-west-1 PutItem"), "the routed write")
	t.Logf("operations seen by the caller's middleware: %v", counter.seen)
	var ec, dd int
	for k, n := range counter.seen {
		switch {
		case strings.HasPrefix(k, "ElastiCache "):
			ec += n
		case strings.HasPrefix(k, "DocDB "):
			dd += n
		}
	}
	assert.Positive(t, ec, "ElastiCache control plane")
	assert.Positive(t, dd, "DocumentDB control plane")
}

// openAdapters opens, on mr, the three adapters a lab started with
// WithDynamoDB (table "t"), WithElastiCache and WithDocDB serves; closed at
// cleanup. Background refreshes and probes are off: tests drive them.
func openAdapters(t *testing.T, lab *multiregiontest.Lab, mr *multiregion.Client) (*dynamo.Table[Profile], *cache.Store, *docdb.Cluster) {
	t.Helper()
	ctx := context.Background()
	tb, err := dynamo.New[Profile](ctx, mr, "t")
	require.NoError(t, err)
	t.Cleanup(func() { _ = tb.Close() })
	cs, err := cache.New(ctx, mr, func(o *cache.Options) {
		o.GlobalReplicationGroupID = lab.ElastiCache().GlobalReplicationGroupID()
		o.DisableProbe, o.LagInterval, o.RefreshInterval = true, -1, -1
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = cs.Close() })
	dc, err := docdb.New(ctx, mr, func(o *docdb.Options) {
		o.GlobalClusterID, o.RefreshInterval = lab.DocDB().GlobalClusterID(), -1
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dc.Close() })
	return tb, cs, dc
}
