package multiregion_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
)

var (
	goodRegions = []string{"us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-7", "cn-north-1", "us-isob-east-1", "il-central-1", "ap-northeast-3", "us-west-12"}
	badRegions  = []string{"", "US-EAST-1", "useast1", "us-east", "us-east-1-", "us--east-1", "us-east-123", "u-east-1", "us-east-1a",
		"us-east-1 ", " us-east-1", "us_east_1", "us-east-01a", "us-ea5t-1", "us-east-", "-us-east-1", "us-a-b-c-d-1", "ü-east-1",
		"us-" + string(make([]byte, 40)) + "-1"}
)

func TestParseRegion(t *testing.T) {
	for _, s := range goodRegions {
		t.Run("good/"+s, func(t *testing.T) {
			r, err := multiregion.ParseRegion(s)
			require.NoError(t, err)
			assert.Equal(t, multiregion.Region(s), r)
			assert.Equal(t, s, r.String())
			assert.NoError(t, r.Validate())
		})
	}
	for _, s := range badRegions {
		t.Run(fmt.Sprintf("bad/%q", s), func(t *testing.T) {
			r, err := multiregion.ParseRegion(s)
			require.Error(t, err)
			assert.Empty(t, r)
			assert.ErrorIs(t, err, multiregion.ErrInvalidRegion)
			var ire *multiregion.InvalidRegionError
			require.ErrorAs(t, err, &ire)
			assert.Equal(t, s, ire.Region)
			assert.ErrorIs(t, multiregion.Region(s).Validate(), multiregion.ErrInvalidRegion)
		})
	}
}

// The AWS European Sovereign Cloud (partition aws-eusc in the SDK's own
// partitions.json, regionRegex ^eusc\-(de)\-\w+\-\d+$) names its region
// eusc-de-east-1: a 4-letter prefix. Region.Validate promises to accept
// regions AWS opens after this release.
func TestParseRegion_EuropeanSovereignCloud(t *testing.T) {
	_, err := multiregion.ParseRegion("eusc-de-east-1")
	assert.NoError(t, err, "eusc-de-east-1 is a real AWS region (partition aws-eusc)")
}

// optErr asserts err is an *OptionError for field that matches ErrInvalidOptions.
func optErr(t *testing.T, err error, field string) *multiregion.OptionError {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, multiregion.ErrInvalidOptions)
	var oe *multiregion.OptionError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, field, oe.Field)
	assert.Contains(t, err.Error(), field)
	return oe
}

func newWith(fns ...func(*multiregion.Options)) (*multiregion.Client, error) {
	base := func(o *multiregion.Options) {
		o.Prober = newFakeProber()
		o.DisableBackgroundProbes = true
	}
	return multiregion.New(context.Background(), aws.Config{}, append([]func(*multiregion.Options){base}, fns...)...)
}

func TestNew_InvalidOptions(t *testing.T) {
	two := func(o *multiregion.Options) { o.Regions = []multiregion.Region{use1, usw2} }
	many := make([]multiregion.Region, multiregion.MaxRegions+1)
	for i := range many {
		many[i] = multiregion.Region(fmt.Sprintf("us-east-%d", i%99)) // distinct up to 99
	}
	tests := []struct {
		name  string
		fn    func(*multiregion.Options)
		field string
	}{
		{"no regions", func(o *multiregion.Options) {}, "Regions"},
		{"empty regions", multiregion.WithRegions(), "Regions"},
		{"duplicate", multiregion.WithRegions(use1, usw2, use1), "Regions"},
		{"too many", func(o *multiregion.Options) { o.Regions = many }, "Regions"},
		{"negative interval", func(o *multiregion.Options) { two(o); o.ProbeInterval = -time.Second }, "ProbeInterval"},
		{"interval below min", func(o *multiregion.Options) { two(o); o.ProbeInterval = 49 * time.Millisecond }, "ProbeInterval"},
		{"interval 1ns", func(o *multiregion.Options) { two(o); o.ProbeInterval = 1 }, "ProbeInterval"},
		{"negative timeout", func(o *multiregion.Options) { two(o); o.ProbeTimeout = -1 }, "ProbeTimeout"},
		{"negative max ejection", func(o *multiregion.Options) { two(o); o.MaxEjection = -1 }, "MaxEjection"},
		{"margin negative", func(o *multiregion.Options) { two(o); o.SwitchMargin = -0.01 }, "SwitchMargin"},
		{"margin 1", func(o *multiregion.Options) { two(o); o.SwitchMargin = 1 }, "SwitchMargin"},
		{"margin 2", func(o *multiregion.Options) { two(o); o.SwitchMargin = 2 }, "SwitchMargin"},
		{"margin NaN", func(o *multiregion.Options) { two(o); o.SwitchMargin = math.NaN() }, "SwitchMargin"},
		{"margin +Inf", func(o *multiregion.Options) { two(o); o.SwitchMargin = math.Inf(1) }, "SwitchMargin"},
		{"weight negative", func(o *multiregion.Options) { two(o); o.EWMAWeight = -0.5 }, "EWMAWeight"},
		{"weight above 1", func(o *multiregion.Options) { two(o); o.EWMAWeight = 1.0000001 }, "EWMAWeight"},
		{"weight NaN", func(o *multiregion.Options) { two(o); o.EWMAWeight = math.NaN() }, "EWMAWeight"},
		{"weight -Inf", func(o *multiregion.Options) { two(o); o.EWMAWeight = math.Inf(-1) }, "EWMAWeight"},
		{"threshold negative", func(o *multiregion.Options) { two(o); o.FailureThreshold = -1 }, "FailureThreshold"},
		{"endpoint for unknown region", func(o *multiregion.Options) {
			two(o)
			multiregion.WithEndpoint(euw1, multiregion.ServiceDynamoDB, "http://127.0.0.1:1")(o)
		}, "Endpoints"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newWith(tt.fn)
			assert.Nil(t, c)
			optErr(t, err, tt.field)
		})
	}
}

func TestNew_EndpointForUnknownRegionIsUnknownRegion(t *testing.T) {
	_, err := newWith(multiregion.WithRegions(use1), multiregion.WithEndpoint(euw1, multiregion.ServiceS3, "http://127.0.0.1:1"))
	optErr(t, err, "Endpoints")
	assert.ErrorIs(t, err, multiregion.ErrUnknownRegion)
	var ure *multiregion.UnknownRegionError
	require.ErrorAs(t, err, &ure)
	assert.Equal(t, euw1, ure.Region)
}

func TestNew_MalformedRegion(t *testing.T) {
	for _, s := range badRegions {
		t.Run(fmt.Sprintf("%q", s), func(t *testing.T) {
			c, err := newWith(multiregion.WithRegions(use1, multiregion.Region(s)))
			assert.Nil(t, c)
			oe := optErr(t, err, "Regions")
			assert.ErrorIs(t, err, multiregion.ErrInvalidRegion)
			var ire *multiregion.InvalidRegionError
			require.ErrorAs(t, err, &ire)
			assert.Equal(t, s, ire.Region)
			assert.Same(t, ire, errors.Unwrap(oe))
		})
	}
	for _, s := range goodRegions {
		t.Run("good/"+s, func(t *testing.T) {
			// Well-formed; a name the AWS SDK does not know (us-west-12)
			// needs AllowUnknownRegions.
			c, err := newWith(multiregion.WithRegions(multiregion.Region(s)))
			if _, known := multiregion.KnownRegion(multiregion.Region(s)); !known {
				optErr(t, err, "Regions")
				require.ErrorIs(t, err, multiregion.ErrUnknownAWSRegion)
				c, err = newWith(multiregion.WithRegions(multiregion.Region(s)), allowUnknown)
			}
			require.NoError(t, err)
			require.NoError(t, c.Close())
		})
	}
}

func allowUnknown(o *multiregion.Options) { o.AllowUnknownRegions = true }

func TestNew_RegionTypoSuggestsKnownRegion(t *testing.T) {
	tests := []struct {
		region, suggestion, partition string
	}{
		{"us-wets-2", "us-west-2", "aws"},            // transposition
		{"us-esat-1", "us-east-1", "aws"},            // transposition
		{"eu-wset-1", "eu-west-1", "aws"},            // transposition
		{"eu-centrl-1", "eu-central-1", "aws"},       // deletion
		{"ap-southeast-22", "ap-southeast-2", "aws"}, // insertion
		{"us-gov-wst-1", "us-gov-west-1", "aws-us-gov"},
		{"cn-nort-1", "cn-north-1", "aws-cn"},
		{"eu-wst-2", "eu-west-2", "aws"},
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			c, err := newWith(multiregion.WithRegions(use1, multiregion.Region(tt.region), euw1))
			assert.Nil(t, c)
			oe := optErr(t, err, "Regions")
			assert.Equal(t, fmt.Sprintf("%q", tt.region), oe.Value)
			assert.ErrorIs(t, err, multiregion.ErrUnknownAWSRegion)
			assert.NotErrorIs(t, err, multiregion.ErrInvalidRegion, "the name is well formed")
			var ue *multiregion.UnknownAWSRegionError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, multiregion.Region(tt.region), ue.Region)
			assert.Equal(t, multiregion.Region(tt.suggestion), ue.Suggestion)
			assert.Equal(t, tt.partition, ue.Partition)
			assert.Contains(t, err.Error(), "did you mean "+tt.suggestion+"?")
			assert.Contains(t, ue.Error(), tt.region+": did you mean "+tt.suggestion+"?")
			assert.Contains(t, err.Error(), "AllowUnknownRegions")
		})
	}
	t.Run("the brief's example", func(t *testing.T) {
		_, err := newWith(multiregion.WithRegions("us-east-1", "us-wets-2", "eu-west-1"))
		var ue *multiregion.UnknownAWSRegionError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, "multiregion: us-wets-2: did you mean us-west-2? It is not a region the AWS SDK knows "+
			"(though shaped like the regions of partition aws); set Options.AllowUnknownRegions to use a region opened after this release", ue.Error())
	})
}

func TestNew_UnknownButWellFormedRegion(t *testing.T) {
	tests := []struct {
		region, partition string
	}{
		{"us-east-9", "aws"},     // matches aws's pattern
		{"ap-farsouth-1", "aws"}, // matches aws's pattern, far from every known name
		{"us-gov-south-1", "aws-us-gov"},
		{"us-iso-north-3", "aws-iso"},
		{"eusc-de-west-1", "aws-eusc"},
		{"xx-region-1", ""}, // no partition's pattern: maybe a partition opened after this release
	}
	for _, tt := range tests {
		t.Run(tt.region, func(t *testing.T) {
			r := multiregion.Region(tt.region)
			require.NoError(t, r.Validate(), "well formed")
			_, known := multiregion.KnownRegion(r)
			require.False(t, known)

			c, err := newWith(multiregion.WithRegions(use1, r))
			assert.Nil(t, c)
			optErr(t, err, "Regions")
			assert.ErrorIs(t, err, multiregion.ErrUnknownAWSRegion)
			var ue *multiregion.UnknownAWSRegionError
			require.ErrorAs(t, err, &ue)
			assert.Equal(t, r, ue.Region)
			assert.Equal(t, tt.partition, ue.Partition)
			if ue.Suggestion == "" {
				assert.NotContains(t, err.Error(), "did you mean")
			}

			c, err = newWith(multiregion.WithRegions(use1, r), allowUnknown)
			require.NoError(t, err)
			assert.Equal(t, []multiregion.Region{use1, r}, c.Regions())
			require.NoError(t, c.Close())
		})
	}
	t.Run("malformed stays InvalidRegionError with AllowUnknownRegions", func(t *testing.T) {
		_, err := newWith(multiregion.WithRegions(use1, "us_wets_2"), allowUnknown)
		optErr(t, err, "Regions")
		assert.ErrorIs(t, err, multiregion.ErrInvalidRegion)
		assert.NotErrorIs(t, err, multiregion.ErrUnknownAWSRegion)
	})
}

func TestNew_EveryKnownRegionAccepted(t *testing.T) {
	all := multiregion.KnownRegions()
	require.NotEmpty(t, all)
	for len(all) > 0 {
		n := min(len(all), multiregion.MaxRegions)
		c, err := newWith(multiregion.WithRegions(all[:n]...))
		require.NoError(t, err, "regions %v", all[:n])
		require.NoError(t, c.Close())
		all = all[n:]
	}
}

func TestNew_OtherPartitionsAccepted(t *testing.T) {
	for region, partition := range map[multiregion.Region]string{
		"cn-north-1":      "aws-cn",
		"cn-northwest-1":  "aws-cn",
		"us-gov-west-1":   "aws-us-gov",
		"us-gov-east-1":   "aws-us-gov",
		"us-iso-east-1":   "aws-iso",
		"us-isob-east-1":  "aws-iso-b",
		"eu-isoe-west-1":  "aws-iso-e",
		"us-isof-south-1": "aws-iso-f",
		"eusc-de-east-1":  "aws-eusc",
	} {
		t.Run(string(region), func(t *testing.T) {
			got, ok := multiregion.KnownRegion(region)
			require.True(t, ok)
			assert.Equal(t, partition, got)
			c, err := newWith(multiregion.WithRegions(region))
			require.NoError(t, err)
			require.NoError(t, c.Close())
		})
	}
}

func TestNew_MaxRegionsAccepted(t *testing.T) {
	regions := make([]multiregion.Region, multiregion.MaxRegions)
	for i := range regions {
		regions[i] = multiregion.Region(fmt.Sprintf("xx-region-%d", i))
	}
	// AWS has fewer than MaxRegions regions: invented names, allowed.
	c := newTestClient(t, regions, allowUnknown)
	assert.Len(t, c.Regions(), multiregion.MaxRegions)
	refresh(t, c)
	// Every position of the 64-bit set works, the last one included.
	last := regions[multiregion.MaxRegions-1]
	set, err := c.Set(last)
	require.NoError(t, err)
	got, err := c.Pick(set)
	require.NoError(t, err)
	assert.Equal(t, last, got)
}

func TestNew_CanceledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c, err := multiregion.New(ctx, aws.Config{}, multiregion.WithRegions(use1), func(o *multiregion.Options) { o.Prober = newFakeProber() })
	assert.Nil(t, c)
	assert.ErrorIs(t, err, context.Canceled)
}

func TestNew_DefaultsResolved(t *testing.T) {
	c := newTestClient(t, []multiregion.Region{use1, usw2})
	o := c.Options()
	assert.Equal(t, 5*time.Second, o.ProbeInterval)
	assert.Equal(t, 2*time.Second, o.ProbeTimeout)
	assert.Equal(t, 0.05, o.SwitchMargin)
	assert.Equal(t, 0.2, o.EWMAWeight)
	assert.Equal(t, 3, o.FailureThreshold)
	assert.Equal(t, time.Minute, o.MaxEjection)
	assert.Equal(t, multiregion.SystemClock{}, o.Clock)
	assert.NotNil(t, o.Logger)
	assert.NotNil(t, o.Prober)
	assert.Equal(t, []multiregion.Region{use1, usw2}, o.Regions)
}

func TestNew_DefaultProberIsHTTPProber(t *testing.T) {
	c, err := multiregion.New(context.Background(), aws.Config{}, multiregion.WithRegions(use1),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	defer c.Close()
	p, ok := c.Options().Prober.(*multiregion.HTTPProber)
	require.True(t, ok, "default prober is %T", c.Options().Prober)
	assert.Equal(t, "https://dynamodb.us-east-1.amazonaws.com/", p.URL(use1))
}

func TestNew_BoundaryValuesAccepted(t *testing.T) {
	c := newTestClient(t, []multiregion.Region{use1}, func(o *multiregion.Options) {
		o.ProbeInterval = multiregion.MinProbeInterval
		o.SwitchMargin = 0.999
		o.EWMAWeight = 1
		o.FailureThreshold = 1
		o.ProbeTimeout = time.Nanosecond
	})
	o := c.Options()
	assert.Equal(t, 50*time.Millisecond, o.ProbeInterval)
	assert.Equal(t, 0.999, o.SwitchMargin)
	assert.Equal(t, 1.0, o.EWMAWeight)
	assert.Equal(t, 1, o.FailureThreshold)
	assert.Equal(t, time.Nanosecond, o.ProbeTimeout)
}

func TestNew_CopiesOptions(t *testing.T) {
	regions := []multiregion.Region{use1, usw2}
	eps := map[multiregion.Region]map[string]string{use1: {multiregion.ServiceDynamoDB: "http://127.0.0.1:1"}}
	c := newTestClient(t, nil, func(o *multiregion.Options) { o.Regions = regions; o.Endpoints = eps })
	regions[0] = euw1
	eps[use1][multiregion.ServiceDynamoDB] = "http://changed"
	eps[usw2] = map[string]string{"S3": "x"}
	assert.Equal(t, []multiregion.Region{use1, usw2}, c.Regions())
	o := c.Options()
	assert.Equal(t, "http://127.0.0.1:1", o.Endpoints[use1][multiregion.ServiceDynamoDB])
	assert.NotContains(t, o.Endpoints, usw2)
	// Nor can the copies handed out change the Client.
	o.Regions[0] = euw1
	o.Endpoints[use1][multiregion.ServiceDynamoDB] = "http://changed"
	c.Regions()[1] = euw1
	assert.Equal(t, []multiregion.Region{use1, usw2}, c.Regions())
	assert.Equal(t, "http://127.0.0.1:1", c.Options().Endpoints[use1][multiregion.ServiceDynamoDB])
}

func TestNew_NilOptionFuncIgnored(t *testing.T) {
	c, err := multiregion.New(context.Background(), aws.Config{}, nil, multiregion.WithRegions(use1), nil,
		func(o *multiregion.Options) { o.Prober = newFakeProber(); o.DisableBackgroundProbes = true })
	require.NoError(t, err)
	require.NoError(t, c.Close())
}
