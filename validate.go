package multiregion

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
)

// Sentinels for the rules Validate enforces (errors.Is).
var (
	ErrUnknownStoreKind = errors.New("multiregion: unknown store kind")
	ErrTooManyRegions   = errors.New("multiregion: too many regions for this store")
	ErrRegionCount      = errors.New("multiregion: wrong number of regions for this store")
	ErrRegionSet        = errors.New("multiregion: regions outside one allowed region set")
	ErrWriterRequired   = errors.New("multiregion: store needs a writer region")
	ErrWriterNotListed  = errors.New("multiregion: writer is not one of the regions")
	ErrDuplicateRegion  = errors.New("multiregion: duplicate region")
)

// CapabilityError reports a deployment the store cannot have. Rule is one of
// the sentinels above, so errors.Is(err, ErrTooManyRegions) works.
type CapabilityError struct {
	Kind    StoreKind
	Rule    error
	Detail  string
	Regions []Region
}

func (e *CapabilityError) Error() string {
	return fmt.Sprintf("%v: %s: %s", e.Rule, e.Kind, e.Detail)
}

// Unwrap returns the rule.
func (e *CapabilityError) Unwrap() error { return e.Rule }

// Validate checks that a store of kind may span regions with the given
// writer, by the capability table. writer is required for single-writer
// stores and must be "" or one of regions for multi-writer ones. regions
// include the writer (and, for MRSC, a witness).
func Validate(kind StoreKind, regions []Region, writer Region) error {
	c, ok := capabilityTable[kind]
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownStoreKind, int(kind))
	}
	fail := func(rule error, format string, args ...any) error {
		return &CapabilityError{Kind: kind, Rule: rule, Detail: fmt.Sprintf(format, args...), Regions: slices.Clone(regions)}
	}
	if len(regions) == 0 {
		return fail(ErrRegionCount, "at least one region is required")
	}
	seen := make(map[Region]bool, len(regions))
	for _, r := range regions {
		if err := r.Validate(); err != nil {
			return err
		}
		if seen[r] {
			return fail(ErrDuplicateRegion, "%s listed twice", r)
		}
		seen[r] = true
	}
	if err := validateWriter(c, seen, writer, fail); err != nil {
		return err
	}
	if c.ExactRegions > 0 && len(regions) != c.ExactRegions {
		return fail(ErrRegionCount, "needs exactly %d regions, got %d", c.ExactRegions, len(regions))
	}
	if c.MaxRegions > 0 && len(regions) > c.MaxRegions {
		return fail(ErrTooManyRegions, "at most %d regions (1 writer + %d), got %d", c.MaxRegions, c.MaxRegions-1, len(regions))
	}
	if len(c.RegionSets) > 0 && !withinOneSet(c.RegionSets, regions) {
		return fail(ErrRegionSet, "all regions must come from one region set %v", c.RegionSets)
	}
	return nil
}

func validateWriter(c Capabilities, seen map[Region]bool, writer Region, fail func(error, string, ...any) error) error {
	switch {
	case writer == "" && c.SingleWriter:
		return fail(ErrWriterRequired, "writes are accepted in one region only; name it")
	case writer == "":
		return nil
	case writer.Validate() != nil:
		return writer.Validate()
	case !seen[writer]:
		return fail(ErrWriterNotListed, "writer %s is not among the regions", writer)
	}
	return nil
}

func withinOneSet(sets [][]Region, regions []Region) bool {
	for _, set := range sets {
		all := true
		for _, r := range regions {
			if !slices.Contains(set, r) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// validate checks every field that is set; zero means default and is valid.
func (o *Options) validate() error {
	if len(o.Regions) == 0 {
		return &OptionError{Field: "Regions", Value: "[]", Reason: "at least one region is required"}
	}
	if len(o.Regions) > MaxRegions {
		return &OptionError{Field: "Regions", Value: fmt.Sprint(len(o.Regions)), Reason: fmt.Sprintf("at most %d regions", MaxRegions)}
	}
	seen := make(map[Region]bool, len(o.Regions))
	for _, r := range o.Regions {
		if err := r.Validate(); err != nil {
			return &OptionError{Field: "Regions", Value: fmt.Sprintf("%q", string(r)), Reason: "malformed region name", Err: err}
		}
		if ue := unknownAWSRegion(r); ue != nil && !o.AllowUnknownRegions {
			return &OptionError{Field: "Regions", Value: fmt.Sprintf("%q", string(r)), Reason: ue.detail(), Err: ue}
		}
		if seen[r] {
			return &OptionError{Field: "Regions", Value: string(r), Reason: "duplicate region"}
		}
		seen[r] = true
	}
	for r := range o.Endpoints {
		if !seen[r] {
			return &OptionError{Field: "Endpoints", Value: string(r), Reason: "override for a region not in Regions", Err: &UnknownRegionError{Region: r}}
		}
	}
	if service, bad := endpointEnvConflict(o.Endpoints, os.LookupEnv); bad {
		return &OptionError{Field: "Endpoints", Value: service,
			Reason: "AWS_ENDPOINT_URL is set in the environment, and the AWS SDK then ignores per-service overrides of services without their own AWS_ENDPOINT_URL_<SERVICE>: unset it"}
	}
	if err := o.validateRoutingControls(seen); err != nil {
		return err
	}
	return o.validateNumbers()
}

func (o *Options) validateNumbers() error {
	switch {
	case o.ProbeInterval < 0 || (o.ProbeInterval > 0 && o.ProbeInterval < MinProbeInterval):
		return &OptionError{Field: "ProbeInterval", Value: o.ProbeInterval.String(), Reason: "must be at least " + MinProbeInterval.String()}
	case o.ProbeTimeout < 0:
		return &OptionError{Field: "ProbeTimeout", Value: o.ProbeTimeout.String(), Reason: "must not be negative"}
	case o.MaxEjection < 0:
		return &OptionError{Field: "MaxEjection", Value: o.MaxEjection.String(), Reason: "must not be negative"}
	case math.IsNaN(o.SwitchMargin) || o.SwitchMargin < 0 || o.SwitchMargin >= 1:
		return &OptionError{Field: "SwitchMargin", Value: fmt.Sprint(o.SwitchMargin), Reason: "must be in [0, 1)"}
	case math.IsNaN(o.EWMAWeight) || o.EWMAWeight < 0 || o.EWMAWeight > 1:
		return &OptionError{Field: "EWMAWeight", Value: fmt.Sprint(o.EWMAWeight), Reason: "must be in (0, 1]"}
	case o.FailureThreshold < 0:
		return &OptionError{Field: "FailureThreshold", Value: fmt.Sprint(o.FailureThreshold), Reason: "must be at least 1"}
	}
	return o.validateFailureRate()
}

func (o *Options) validateFailureRate() error {
	window := o.FailureRateWindow
	if window == 0 {
		window = DefaultFailureRateWindow
	}
	switch {
	case o.FailureRateWindow < 0 || o.FailureRateWindow > MaxFailureRateWindow:
		return &OptionError{Field: "FailureRateWindow", Value: fmt.Sprint(o.FailureRateWindow), Reason: fmt.Sprintf("must be in [1, %d]", MaxFailureRateWindow)}
	case o.FailureRateMinCalls < 0 || o.FailureRateMinCalls > window:
		return &OptionError{Field: "FailureRateMinCalls", Value: fmt.Sprint(o.FailureRateMinCalls), Reason: fmt.Sprintf("must be in [1, FailureRateWindow = %d]", window)}
	case math.IsNaN(o.FailureRateThreshold) || o.FailureRateThreshold < 0 || o.FailureRateThreshold > 1:
		return &OptionError{Field: "FailureRateThreshold", Value: fmt.Sprint(o.FailureRateThreshold), Reason: "must be in (0, 1]"}
	}
	return nil
}
