package globaltable

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Mode is the consistency mode of the emulated global table (a plain value).
type Mode int

const (
	// MREC is multi-Region eventual consistency: writes are accepted in any
	// region and replicated asynchronously; conflicts resolve by last writer
	// wins on an internal timestamp, silently.
	MREC Mode = iota
	// MRSC is multi-Region strong consistency: writes are applied in every
	// replica before the response, and a concurrent write to the same item in
	// another region fails with ReplicatedWriteConflictException.
	MRSC
)

// String names the mode as AWS's MultiRegionConsistency does.
func (m Mode) String() string {
	switch m {
	case MREC:
		return "EVENTUAL"
	case MRSC:
		return "STRONG"
	default:
		return fmt.Sprintf("Mode(%d)", int(m))
	}
}

// DefaultMRSCWriteWindow is how long an MRSC write keeps its item "in
// replication" when Options.MRSCWriteWindow is zero.
const DefaultMRSCWriteWindow = 5 * time.Millisecond

// Options configures an Emulator. It is a plain value: New copies what it
// needs, so changing Options (or its Regions slice) afterwards has no effect.
type Options struct {
	// Regions are the replica regions, in preference order; at least one.
	Regions []string
	// Mode is MREC (the zero value) or MRSC.
	Mode Mode
	// ReplicationDelay is how long an MREC write waits before it is applied
	// in the other regions. Zero means asynchronously but as soon as possible.
	ReplicationDelay time.Duration
	// Witness is an optional MRSC witness region: it stores and serves
	// nothing but counts toward the three regions MRSC requires.
	Witness string
	// MRSCWriteWindow is how long an MRSC write holds its item "in
	// replication" after it is applied; a write to that item arriving in
	// another region meanwhile conflicts. Zero means DefaultMRSCWriteWindow.
	MRSCWriteWindow time.Duration
}

// ErrInvalidOptions is matched (errors.Is) by every *OptionsError.
var ErrInvalidOptions = errors.New("globaltable: invalid options")

// OptionsError reports which option New rejected and why. Immutable once
// returned, so safe to share between goroutines.
type OptionsError struct {
	Field  string
	Reason string
}

func (e *OptionsError) Error() string {
	return "globaltable: invalid " + e.Field + ": " + e.Reason
}

// Is lets callers test for ErrInvalidOptions without knowing the field.
func (e *OptionsError) Is(target error) bool { return target == ErrInvalidOptions }

// mrscRegionSets are the region sets an MRSC global table must stay within
// (AWS: all three members, witness included, from one set).
var mrscRegionSets = [][]string{
	{"us-east-1", "us-east-2", "us-west-2"},
	{"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"},
	{"ap-northeast-1", "ap-northeast-2", "ap-northeast-3"},
}

// normalized validates o and fills defaults; it copies Regions so later
// changes by the caller cannot reach the emulator.
func (o Options) normalized() (Options, error) {
	if len(o.Regions) == 0 {
		return o, &OptionsError{Field: "Regions", Reason: "at least one region is required"}
	}
	o.Regions = slices.Clone(o.Regions)
	for i, r := range o.Regions {
		if r == "" {
			return o, &OptionsError{Field: "Regions", Reason: "empty region name"}
		}
		if slices.Contains(o.Regions[:i], r) {
			return o, &OptionsError{Field: "Regions", Reason: "duplicate region " + r}
		}
	}
	if o.Mode != MREC && o.Mode != MRSC {
		return o, &OptionsError{Field: "Mode", Reason: o.Mode.String() + " is not MREC or MRSC"}
	}
	if o.ReplicationDelay < 0 {
		return o, &OptionsError{Field: "ReplicationDelay", Reason: "negative"}
	}
	if o.MRSCWriteWindow < 0 {
		return o, &OptionsError{Field: "MRSCWriteWindow", Reason: "negative"}
	}
	if o.MRSCWriteWindow == 0 {
		o.MRSCWriteWindow = DefaultMRSCWriteWindow
	}
	if o.Mode == MREC {
		if o.Witness != "" {
			return o, &OptionsError{Field: "Witness", Reason: "a witness exists only for MRSC global tables"}
		}
		return o, nil
	}
	return o, o.validateMRSC()
}

// validateMRSC enforces AWS's MRSC shape: exactly three regions (two or three
// replicas, at most one witness), all from one region set.
func (o Options) validateMRSC() error {
	if o.Witness != "" && slices.Contains(o.Regions, o.Witness) {
		return &OptionsError{Field: "Witness", Reason: o.Witness + " is also a replica region"}
	}
	members := slices.Clone(o.Regions)
	if o.Witness != "" {
		members = append(members, o.Witness)
	}
	if len(members) != 3 {
		return &OptionsError{Field: "Regions", Reason: fmt.Sprintf(
			"MRSC needs exactly 3 regions (replicas plus witness), got %d", len(members))}
	}
	for _, set := range mrscRegionSets {
		if containsAll(set, members) {
			return nil
		}
	}
	return &OptionsError{Field: "Regions", Reason: fmt.Sprintf(
		"MRSC regions %v are not all in one region set %v", members, mrscRegionSets)}
}

func containsAll(set, members []string) bool {
	for _, m := range members {
		if !slices.Contains(set, m) {
			return false
		}
	}
	return true
}
