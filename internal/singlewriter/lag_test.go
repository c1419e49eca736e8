package singlewriter_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	sw "github.com/regionkit/multiregion/internal/singlewriter"
)

// TestLagReadingsFreshness: a reading is fresh for three intervals and a
// second, a negative lag counts as 0, and Forget makes it unknown.
func TestLagReadingsFreshness(t *testing.T) {
	const r = multiregion.Region("us-west-2")
	l := sw.NewLagReadings(time.Second)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, ok := l.Get(r, t0)
	assert.False(t, ok, "never measured")

	l.Set(r, 250*time.Millisecond, t0)
	d, ok := l.Get(r, t0.Add(4*time.Second))
	assert.True(t, ok, "fresh at three intervals and a second")
	assert.Equal(t, 250*time.Millisecond, d)
	_, ok = l.Get(r, t0.Add(4*time.Second+time.Nanosecond))
	assert.False(t, ok, "stale after three intervals and a second")

	l.Set(r, -time.Second, t0)
	d, ok = l.Get(r, t0)
	assert.True(t, ok)
	assert.Zero(t, d, "a negative lag counts as 0")

	l.Set(r, time.Second, time.Now())
	d, ok = l.Current(r)
	assert.True(t, ok, "Current: measured just now")
	assert.Equal(t, time.Second, d)

	l.Forget(r)
	_, ok = l.Get(r, t0)
	assert.False(t, ok, "forgotten")
	_, ok = l.Get("eu-west-1", t0)
	assert.False(t, ok, "another region")
}

// TestMeasuredLag: the wrapper sets a fresh reading on each replica,
// leaves the writer and unmeasured replicas as the Source said, and
// passes the Source's errors through.
func TestMeasuredLag(t *testing.T) {
	const (
		use1 = multiregion.Region("us-east-1")
		usw2 = multiregion.Region("us-west-2")
		euw1 = multiregion.Region("eu-west-1")
	)
	l := sw.NewLagReadings(time.Hour)
	now := time.Now()
	l.Set(use1, time.Minute, now) // the writer's reading is ignored
	l.Set(usw2, 40*time.Millisecond, now)
	topo := func() sw.Topology {
		return sw.Topology{Writer: use1, Members: []sw.Member{
			{Region: use1, Role: sw.RoleWriter, Endpoint: "w:1"},
			{Region: usw2, Role: sw.RoleReader, Endpoint: "r:1", Lag: 5 * time.Second, LagKnown: true},
			{Region: euw1, Role: sw.RoleReader, Endpoint: "r:2", Lag: 3 * time.Second, LagKnown: true},
		}}
	}
	src := sw.MeasuredLag(sw.SourceFunc(func(ctx context.Context) (sw.Topology, error) { return topo(), nil }), l)
	got, err := src.LoadTopology(context.Background())
	require.NoError(t, err)
	want := topo()
	want.Members[1].Lag = 40 * time.Millisecond
	assert.Equal(t, want, got)

	l.Forget(usw2)
	got, err = src.LoadTopology(context.Background())
	require.NoError(t, err)
	assert.Equal(t, topo(), got, "without readings the Source's lag stays")

	boom := errors.New("control plane down")
	_, err = sw.MeasuredLag(sw.SourceFunc(func(ctx context.Context) (sw.Topology, error) { return sw.Topology{}, boom }), l).LoadTopology(context.Background())
	assert.ErrorIs(t, err, boom)
}
