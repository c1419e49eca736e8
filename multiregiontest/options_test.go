package multiregiontest_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

func TestNew_RefusesBadRegionsAndOptions(t *testing.T) {
	for _, tc := range []struct {
		name    string
		regions []string
		opts    []multiregiontest.Option
		msg     string
		is      error
	}{
		{"no region", nil, nil, "at least one region is required", nil},
		{"duplicate", []string{"us-east-1", "eu-west-1", "us-east-1"}, nil, `invalid region "us-east-1": listed twice`, nil},
		{"malformed", []string{"us-east-1", "US_EAST"}, nil, `invalid region "US_EAST": not an AWS region name`, multiregion.ErrInvalidRegion},
		{"latency of an unknown region", []string{"us-east-1"},
			[]multiregiontest.Option{multiregiontest.WithLatency("eu-west-9", time.Millisecond)}, `invalid WithLatency "eu-west-9": not one of the lab's regions`, nil},
		{"negative latency", []string{"us-east-1"},
			[]multiregiontest.Option{multiregiontest.WithLatency("us-east-1", -time.Second)}, "negative latency", nil},
		{"MRSC in two regions", []string{"us-east-1", "us-east-2"},
			[]multiregiontest.Option{multiregiontest.WithDynamoDB(func(o *multiregiontest.DynamoDBOptions) { o.Mode = multiregiontest.MRSC })},
			"invalid WithDynamoDB: globaltable: invalid Regions: MRSC needs exactly 3 regions", globaltable.ErrInvalidOptions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lab, err := multiregiontest.New(tc.regions, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, lab)
			assert.Contains(t, err.Error(), tc.msg)
			assert.ErrorIs(t, err, multiregiontest.ErrInvalidOptions)
			var oe *multiregiontest.OptionError
			assert.ErrorAs(t, err, &oe)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
		})
	}
}

// fatalTB records Fatalf instead of stopping the goroutine.
type fatalTB struct {
	testing.TB
	fatal    string
	cleanups int
}

func (f *fatalTB) Helper()                           {}
func (f *fatalTB) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }
func (f *fatalTB) Cleanup(func())                    { f.cleanups++ }

func TestStart_FailsTheTestWithTheReason(t *testing.T) {
	ft := &fatalTB{TB: t}
	lab := multiregiontest.Start(ft, []string{"us-east-1", "us-east-1"})
	assert.Nil(t, lab)
	assert.True(t, strings.HasPrefix(ft.fatal, "multiregiontest.Start: "), ft.fatal)
	assert.Contains(t, ft.fatal, `"us-east-1": listed twice`)
	assert.Zero(t, ft.cleanups, "nothing was started, nothing to clean up")
}

func TestStart_AcceptsRegionValuesAndCleansUp(t *testing.T) {
	var lab *multiregiontest.Lab
	t.Run("inner", func(t *testing.T) {
		lab = multiregiontest.Start(t, []multiregion.Region{"ap-south-1", "eu-central-1"}, multiregiontest.WithDynamoDB())
		assert.Equal(t, []string{"ap-south-1", "eu-central-1"}, lab.Names())
		assert.True(t, lab.Endpoint("ap-south-1").IsUp())
	})
	assert.False(t, lab.Endpoint("ap-south-1").IsUp(), "closed when the test ended")
	lab.Close() // idempotent
}

func TestWithDynamoDB_LastOneWins(t *testing.T) {
	lab := multiregiontest.Start(t, []string{"us-east-1", "us-east-2", "us-west-2"},
		multiregiontest.WithDynamoDB(),
		multiregiontest.WithDynamoDB(func(o *multiregiontest.DynamoDBOptions) {
			o.Mode, o.Witness = multiregiontest.MRSC, "us-west-2"
		}))
	d := lab.DynamoDB()
	require.NotNil(t, d)
	assert.Equal(t, multiregiontest.MRSC, d.Mode())
	assert.Equal(t, []string{"us-east-1", "us-east-2"}, d.Regions(), "the witness holds no replica")
	assert.Nil(t, d.Client("us-west-2"))

	plain := multiregiontest.Start(t, []string{"us-east-1"})
	assert.Nil(t, plain.DynamoDB(), "no WithDynamoDB, no DynamoDB")
	assert.Equal(t, map[string]string{multiregion.ServiceDynamoDB: plain.Endpoint("us-east-1").URL}, plain.Endpoints()["us-east-1"])
	assert.Equal(t, map[string]string{
		multiregion.ServiceDynamoDB:        lab.Endpoint("us-east-2").URL,
		multiregion.ServiceDynamoDBStreams: lab.Endpoint("us-east-2").URL,
	}, lab.Endpoints()["us-east-2"])
}
