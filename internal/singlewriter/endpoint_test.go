package singlewriter_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/singlewriter"
)

func TestHostPort(t *testing.T) {
	assert.Equal(t, "db.example:5432", singlewriter.HostPort("db.example", 5432))
	assert.Equal(t, "[::1]:27017", singlewriter.HostPort("::1", 27017))
	assert.Empty(t, singlewriter.HostPort("", 5432), "no endpoint")
}

func TestSplitARN(t *testing.T) {
	r, id, ok := singlewriter.SplitARN("arn:aws:rds:eu-west-1:123456789012:cluster:orders-eu", "cluster")
	assert.True(t, ok)
	assert.Equal(t, multiregion.Region("eu-west-1"), r)
	assert.Equal(t, "orders-eu", id)
	for _, bad := range []string{
		"arn:aws:rds:eu-west-1:123456789012:db:orders-eu", // another kind
		"arn:aws:rds::123456789012:cluster:orders-eu",     // no region
		"arn:aws:rds:eu-west-1:123456789012:cluster:",     // no id
		"orders-eu",
		"xrn:aws:rds:eu-west-1:123456789012:cluster:orders-eu",
		"arn:aws:rds:eu-west-1:123456789012:cluster:orders:eu",
	} {
		_, _, ok := singlewriter.SplitARN(bad, "cluster")
		assert.False(t, ok, bad)
	}
}
