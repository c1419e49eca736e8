//go:build integration

package docdb_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/docdb"
	"github.com/regionkit/multiregion/internal/testutil"
)

// TestIntegrationHedgedFindOneAndReadOptions: over real FerretDBs, a
// FindOne whose nearest member turned slow (Toxiproxy adds 300 ms one way
// to the primary after the ranking) is hedged to the next member after
// 30 ms; a WithRead handle excluding the primary and preferring eu-west-1
// reads there.
func TestIntegrationHedgedFindOneAndReadOptions(t *testing.T) {
	env := testutil.LoadLab(t)
	testutil.RestoreLab(t, env)
	ctx := testCtx(t)
	ensureCollection(t, env, "nearest")
	members, _ := testMembers(t, env, map[string]time.Duration{"us-west-2": 30 * time.Millisecond, "eu-west-1": 80 * time.Millisecond})
	mr := labClient(t, env, false, members)
	require.NoError(t, mr.Refresh(ctx))
	c, err := docdb.New(ctx, mr, ferretOptions, func(o *docdb.Options) {
		o.Members = members
		o.Hedge = &multiregion.Hedge{After: 30 * time.Millisecond}
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Refresh(ctx))
	require.NoError(t, mr.Refresh(ctx)) // rank by the stores' own pings
	coll := c.Collection("docdbit", "nearest")
	seed := bson.D{{Key: "_id", Value: "seed"}}
	near := multiregion.Region(env.Writer)
	sr := coll.FindOne(ctx, seed)
	require.NoError(t, sr.Err())
	require.Equal(t, near, sr.Region(), "the nearest serves before the slowdown")

	require.NoError(t, env.SetLatency(ctx, env.Writer, 300*time.Millisecond))
	t0 := time.Now()
	sr = coll.FindOne(ctx, seed)
	took := time.Since(t0)
	require.NoError(t, sr.Err())
	assert.Equal(t, multiregion.Region("us-west-2"), sr.Region(), "the hedge to the next member answered first")
	assert.Less(t, took, 600*time.Millisecond, "it did not wait for the slow primary's round trip")
	t.Logf("FIGURE hedged FindOne: %v with the nearest member at +300 ms one way (hedge after 30 ms)", took.Round(time.Millisecond))
	st, ok := c.Status().Region(near)
	require.True(t, ok)
	assert.Zero(t, st.ConsecutiveFailures, "the cancelled loser is no failure of the primary")

	far, err := c.WithRead(multiregion.ReadOptions{Exclude: []multiregion.Region{near}, Prefer: "eu-west-1", Hedge: multiregion.HedgeOff})
	require.NoError(t, err)
	sr = far.Collection("docdbit", "nearest").FindOne(ctx, seed)
	require.NoError(t, sr.Err())
	assert.Equal(t, multiregion.Region("eu-west-1"), sr.Region())
	_, err = c.WithRead(multiregion.ReadOptions{Exclude: []multiregion.Region{"us-east-1", "us-west-2", "eu-west-1"}})
	var oe *multiregion.OptionError
	assert.ErrorAs(t, err, &oe, "every region excluded")
}
