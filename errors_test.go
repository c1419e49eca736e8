package multiregion_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
)

func TestRegionError(t *testing.T) {
	cause := errors.New("connection reset")
	err := &multiregion.RegionError{Region: usw2, Op: "dynamo.Put", Err: cause}
	assert.Same(t, cause, errors.Unwrap(err))
	assert.ErrorIs(t, fmt.Errorf("wrapped: %w", err), cause)
	msg := err.Error()
	assert.Contains(t, msg, "us-west-2")
	assert.Contains(t, msg, "dynamo.Put")
	assert.Contains(t, msg, "connection reset")
	assert.NotContains(t, msg, "outcome unknown")
	assert.NotErrorIs(t, err, multiregion.ErrOutcomeUnknown)

	err.OutcomeUnknown = true
	assert.Contains(t, err.Error(), "outcome unknown")
	assert.ErrorIs(t, fmt.Errorf("wrapped: %w", err), multiregion.ErrOutcomeUnknown)
	assert.ErrorIs(t, err, cause, "the cause is still found through Unwrap")
}

func TestWriteRegionError(t *testing.T) {
	err := &multiregion.WriteRegionError{Store: "Aurora global database", Op: "aurora.Exec", Region: usw2, Writer: use1}
	assert.ErrorIs(t, err, multiregion.ErrWriteRegion)
	assert.ErrorIs(t, fmt.Errorf("x: %w", err), multiregion.ErrWriteRegion)
	assert.NotErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	for _, s := range []string{"Aurora global database", "aurora.Exec", "us-west-2", "us-east-1"} {
		assert.Contains(t, err.Error(), s)
	}
}

func TestErrorsMatchOnlyTheirSentinels(t *testing.T) {
	cases := []struct {
		err  error
		is   error
		isnt []error
	}{
		{&multiregion.InvalidRegionError{Region: "x"}, multiregion.ErrInvalidRegion, []error{multiregion.ErrInvalidOptions, multiregion.ErrUnknownRegion}},
		{&multiregion.UnknownRegionError{Region: "x"}, multiregion.ErrUnknownRegion, []error{multiregion.ErrInvalidRegion}},
		{&multiregion.OptionError{Field: "F"}, multiregion.ErrInvalidOptions, []error{multiregion.ErrInvalidRegion}},
		{&multiregion.NoHealthyRegionError{}, multiregion.ErrNoHealthyRegion, []error{multiregion.ErrWriteRegion, multiregion.ErrClosed}},
		{&multiregion.WriteRegionError{}, multiregion.ErrWriteRegion, []error{multiregion.ErrNoHealthyRegion}},
		{&multiregion.NoHealthyRegionError{Store: "s", Attempts: []multiregion.Attempt{{Region: use1, Err: errors.New("x")}}}, multiregion.ErrNoHealthyRegion, []error{multiregion.ErrClosed, multiregion.ErrUnknownStore}},
		{&multiregion.StoreError{Store: "s", Rule: multiregion.ErrInvalidStore}, multiregion.ErrInvalidStore, []error{multiregion.ErrDuplicateStore, multiregion.ErrUnknownStore, multiregion.ErrClosed, multiregion.ErrUnknownRegion}},
		{&multiregion.StoreError{Store: "s", Rule: multiregion.ErrDuplicateStore}, multiregion.ErrDuplicateStore, []error{multiregion.ErrInvalidStore, multiregion.ErrUnknownStore}},
		{&multiregion.StoreError{Store: "s", Rule: multiregion.ErrUnknownStore}, multiregion.ErrUnknownStore, []error{multiregion.ErrInvalidStore, multiregion.ErrDuplicateStore, multiregion.ErrNoHealthyRegion}},
	}
	for _, c := range cases {
		assert.ErrorIs(t, c.err, c.is, "%T", c.err)
		for _, other := range c.isnt {
			assert.NotErrorIs(t, c.err, other, "%T", c.err)
		}
	}
	assert.Contains(t, (&multiregion.NoHealthyRegionError{}).Error(), "pick")
	assert.Contains(t, (&multiregion.NoHealthyRegionError{Store: "dynamo:orders", Op: "dynamo.Get"}).Error(), "dynamo.Get on dynamo:orders")
	se := &multiregion.StoreError{Store: "dynamo:orders", Rule: multiregion.ErrInvalidStore, Reason: "region not on the Client", Err: &multiregion.UnknownRegionError{Region: "ap-south-1"}}
	for _, s := range []string{"dynamo:orders", "region not on the Client", "ap-south-1", multiregion.ErrInvalidStore.Error()} {
		assert.Contains(t, se.Error(), s)
	}
	assert.ErrorIs(t, se, multiregion.ErrUnknownRegion, "the underlying error is reachable")
	assert.Contains(t, (&multiregion.OptionError{Field: "ProbeInterval", Value: "1ms", Reason: "too small"}).Error(), "ProbeInterval=1ms")
}

// No error the Client produces may carry the credentials of its aws.Config.
func TestErrorsNeverContainCredentials(t *testing.T) {
	const akid, secret, token = "AKIDSECRETTEST", "SECRETVALUE", "SESSIONTOKENVALUE"
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(akid, secret, token)}
	var msgs []string
	collect := func(err error) {
		if err != nil {
			msgs = append(msgs, err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err))
		}
	}

	// New's validation errors.
	for _, fn := range []func(*multiregion.Options){
		func(o *multiregion.Options) {},
		multiregion.WithRegions("BAD"),
		func(o *multiregion.Options) { o.Regions = []multiregion.Region{use1}; o.SwitchMargin = 2 },
		func(o *multiregion.Options) {
			o.Regions = []multiregion.Region{use1}
			o.Endpoints = map[multiregion.Region]map[string]string{euw1: {"DynamoDB": "http://x"}}
		},
	} {
		_, err := multiregion.New(context.Background(), cfg, fn)
		require.Error(t, err)
		collect(err)
	}

	// Probe failures of the default prober (one region down, one answering 500),
	// in the network view and in a store probing with it, and the errors of
	// Pick, Nearest, NoHealthy and Status that follow.
	rs := startRegions(t, []string{"us-east-1", "us-west-2"})
	c, err := multiregion.New(context.Background(), cfg, rs.Options(), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
		o.ProbeTimeout = time.Second
	})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	st, err := c.NewStore("dynamo:secrets", nil, withStoreProber(c.Options().Prober))
	require.NoError(t, err)
	rs.Endpoint("us-east-1").Down()
	rs.Endpoint("us-west-2").SetErrorRate(1)
	for range 3 {
		refresh(t, c)
	}
	_, err = c.Nearest(context.Background())
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	collect(err)
	all, _ := c.Set()
	_, err = c.Pick(all)
	collect(err)
	_, err = st.Pick(all)
	require.ErrorIs(t, err, multiregion.ErrNoHealthyRegion)
	collect(err)
	attempts := []multiregion.Attempt{{Region: use1, Err: &multiregion.RegionError{Region: use1, Op: "dynamo.Get", Err: errors.New("refused")}}}
	collect(st.NoHealthy("dynamo.Get", all, attempts))
	collect(st.NoHealthy("dynamo.Get", all, nil))
	full := c.Status()
	require.Len(t, full.Network, 2)
	require.Len(t, full.Stores, 1)
	for _, views := range [][]multiregion.RegionStatus{full.Network, full.Stores[0].Regions} {
		require.Len(t, views, 2)
		for _, s := range views {
			require.Error(t, s.LastError)
			collect(s.LastError)
		}
	}
	_, err = c.Set("eu-west-9")
	collect(err)
	for _, bad := range []struct {
		name    string
		regions []multiregion.Region
	}{{"", nil}, {"dynamo:secrets", nil}, {"dynamo:other", []multiregion.Region{"eu-west-9"}}} {
		_, err = c.NewStore(bad.name, bad.regions)
		require.Error(t, err)
		collect(err)
	}
	_, err = c.Store("dynamo:nope")
	collect(err)
	require.NoError(t, st.Close())
	_, err = st.Pick(all)
	require.ErrorIs(t, err, multiregion.ErrClosed)
	collect(err)

	require.NotEmpty(t, msgs)
	for _, m := range msgs {
		for _, s := range []string{akid, secret, token} {
			assert.False(t, strings.Contains(m, s), "error message leaks a credential: %s", m)
		}
	}
}
