package multiregion_test

import (
	"context"
	"errors"
	"math"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

var (
	// strictShape is what every AWS region of the standard, China, GovCloud
	// and ISO partitions looks like: ParseRegion must accept all of it.
	strictShape = regexp.MustCompile(`^[a-z]{2}(-[a-z]{2,}){1,3}-[0-9]{1,2}$`)
	// looseShape is the most ParseRegion may accept (the documented shape,
	// with room for 4-letter partition prefixes such as eusc-).
	looseShape = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+){1,3}-[0-9]{1,2}$`)
)

func checkRegionShape(t *testing.T, s string) {
	r, err := multiregion.ParseRegion(s)
	if err == nil {
		if r != multiregion.Region(s) {
			t.Fatalf("ParseRegion(%q) = %q", s, r)
		}
		if !looseShape.MatchString(s) || len(s) > 40 {
			t.Fatalf("ParseRegion accepted %q, which is not shaped like a region", s)
		}
		return
	}
	if !errors.Is(err, multiregion.ErrInvalidRegion) {
		t.Fatalf("ParseRegion(%q): error %v does not match ErrInvalidRegion", s, err)
	}
	if strictShape.MatchString(s) && len(s) <= 40 {
		t.Fatalf("ParseRegion rejected %q, a well-formed region name: %v", s, err)
	}
}

func FuzzNew(f *testing.F) {
	type seed struct {
		r1, r2                   string
		interval, timeout, maxEj int64
		margin, weight           float64
		threshold                int
		canceled, allowUnknown   bool
	}
	seeds := []seed{
		{r1: "us-east-1"},
		{r1: "us-east-1", r2: "us-east-1"},
		{r1: "us-east-1", r2: "eu-central-2", interval: int64(time.Second), timeout: int64(time.Second), margin: 0.1, weight: 0.5, threshold: 2},
		{r1: "us-east-1", interval: int64(-time.Second)},
		{r1: "us-east-1", interval: int64(49 * time.Millisecond)},
		{r1: "us-east-1", interval: int64(50 * time.Millisecond)},
		{r1: "us-east-1", timeout: -1},
		{r1: "us-east-1", maxEj: -1},
		{r1: "us-east-1", margin: -0.1},
		{r1: "us-east-1", margin: 1},
		{r1: "us-east-1", margin: math.NaN()},
		{r1: "us-east-1", weight: -0.1},
		{r1: "us-east-1", weight: 1.5},
		{r1: "us-east-1", weight: math.NaN()},
		{r1: "us-east-1", weight: 1},
		{r1: "us-east-1", threshold: -1},
		{r1: "us-east-1", canceled: true},
		{r1: "us-east-1", interval: math.MaxInt64, timeout: math.MaxInt64, maxEj: math.MaxInt64},
	}
	for _, s := range goodRegions {
		seeds = append(seeds, seed{r1: s}, seed{r1: "us-east-1", r2: s}, seed{r1: s, allowUnknown: true})
	}
	for _, s := range badRegions {
		seeds = append(seeds, seed{r1: s}, seed{r1: "us-west-2", r2: s})
	}
	for _, s := range seeds {
		f.Add(s.r1, s.r2, s.interval, s.timeout, s.maxEj, s.margin, s.weight, s.threshold, s.canceled, s.allowUnknown)
	}

	f.Fuzz(func(t *testing.T, r1, r2 string, interval, timeout, maxEj int64, margin, weight float64, threshold int, canceled, allowUnknown bool) {
		checkRegionShape(t, r1)
		checkRegionShape(t, r2)

		regions := []multiregion.Region{multiregion.Region(r1)}
		if r2 != "" {
			regions = append(regions, multiregion.Region(r2))
		}
		valid := true
		for _, r := range regions {
			_, known := multiregion.KnownRegion(r)
			valid = valid && r.Validate() == nil && (known || allowUnknown)
		}
		valid = valid && (len(regions) < 2 || regions[0] != regions[1])
		valid = valid && (interval == 0 || interval >= int64(multiregion.MinProbeInterval))
		valid = valid && timeout >= 0 && maxEj >= 0 && threshold >= 0
		valid = valid && margin >= 0 && margin < 1 // false for NaN
		valid = valid && weight >= 0 && weight <= 1

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if canceled {
			cancel()
		}
		clock := multiregiontest.NewFakeClock(epoch)
		c, err := multiregion.New(ctx, aws.Config{}, func(o *multiregion.Options) {
			o.Regions = regions
			o.ProbeInterval = time.Duration(interval)
			o.ProbeTimeout = time.Duration(timeout)
			o.MaxEjection = time.Duration(maxEj)
			o.SwitchMargin = margin
			o.EWMAWeight = weight
			o.FailureThreshold = threshold
			o.AllowUnknownRegions = allowUnknown
			o.Clock = clock
			o.Prober = multiregion.ProberFunc(func(context.Context, multiregion.Region) (time.Duration, error) {
				return time.Millisecond, nil
			})
		})
		switch {
		case canceled:
			if !errors.Is(err, context.Canceled) || c != nil {
				t.Fatalf("New with a canceled ctx: %v, %v", c, err)
			}
			return
		case err != nil:
			if c != nil {
				t.Fatalf("New returned both a Client and %v", err)
			}
			if !errors.Is(err, multiregion.ErrInvalidOptions) {
				t.Fatalf("New error %v does not match ErrInvalidOptions", err)
			}
			var oe *multiregion.OptionError
			if !errors.As(err, &oe) || oe.Field == "" {
				t.Fatalf("New error %v is not an *OptionError with a Field", err)
			}
			if valid {
				t.Fatalf("New rejected valid options: %v", err)
			}
			return
		}
		if !valid {
			t.Fatalf("New accepted invalid options: regions %q (allow unknown %v) interval %d timeout %d maxEj %d margin %v weight %v threshold %d",
				regions, allowUnknown, interval, timeout, maxEj, margin, weight, threshold)
		}
		defer c.Close()
		o := c.Options()
		if o.ProbeInterval < multiregion.MinProbeInterval || o.ProbeTimeout <= 0 || o.MaxEjection <= 0 ||
			!(o.SwitchMargin > 0 && o.SwitchMargin < 1) || !(o.EWMAWeight > 0 && o.EWMAWeight <= 1) || o.FailureThreshold < 1 {
			t.Fatalf("resolved options out of range: %+v", o)
		}
		if err := c.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got, err := c.Nearest(context.Background()); err != nil || (got != regions[0] && got != regions[len(regions)-1]) {
			t.Fatalf("Nearest = %q, %v", got, err)
		}
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
