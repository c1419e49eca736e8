package multiregion

import (
	"fmt"
	"math/bits"
)

// Region is an AWS region name such as "us-east-1".
type Region string

// String returns the region name.
func (r Region) String() string { return string(r) }

// Validate reports whether r is shaped like an AWS region name: a prefix of
// two to four letters ("us", "ap", "eu", "eusc", ...), optional qualifiers such as "gov"
// or "iso", a direction word ("east", "southeast", "central", ...) and a
// number: "us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-7".
// It checks the shape only, not that AWS runs such a region: KnownRegion is
// the existence check, against the partitions of the AWS SDK. New applies
// both, unless Options.AllowUnknownRegions admits well-formed regions AWS
// opened after this release.
func (r Region) Validate() error {
	if !regionShapeOK(string(r)) {
		return &InvalidRegionError{Region: string(r)}
	}
	return nil
}

// ParseRegion checks the shape of s (see Region.Validate) and returns it as
// a Region.
func ParseRegion(s string) (Region, error) {
	r := Region(s)
	if err := r.Validate(); err != nil {
		return "", err
	}
	return r, nil
}

// regionShapeOK is a hand-written matcher (no regexp) for
// ^[a-z]{2,4}(-[a-z]{2,})+-[0-9]{1,2}$ with one to three middle parts and
// at most 40 bytes. The prefix is up to four letters for partitions such as
// the European Sovereign Cloud ("eusc-de-east-1").
func regionShapeOK(s string) bool {
	if len(s) < 6 || len(s) > 40 {
		return false
	}
	// Split on '-' without allocating.
	parts, start := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '-' {
			continue
		}
		p := s[start:i]
		last := i == len(s)
		switch {
		case parts == 0:
			if len(p) < 2 || len(p) > 4 || !allLower(p) {
				return false
			}
		case last:
			if len(p) < 1 || len(p) > 2 || !allDigit(p) || parts < 2 || parts > 4 {
				return false
			}
		default:
			if len(p) < 2 || !allLower(p) {
				return false
			}
		}
		parts++
		start = i + 1
	}
	return true
}

func allLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return len(s) > 0
}

func allDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// MaxRegions is how many regions one Client can route between: region sets
// are 64-bit masks, so that the pick path allocates nothing. AWS has fewer
// than 40 regions.
const MaxRegions = 64

// RegionSet is a set of the regions of one Client, as a bit mask over the
// positions of Options.Regions. It is a plain value: safe to copy and to use
// from many goroutines. A RegionSet is only meaningful for the Client that
// made it (see Client.Set).
type RegionSet uint64

// Has reports whether the region at position i of the Client's regions is in s.
func (s RegionSet) Has(i int) bool { return i >= 0 && i < MaxRegions && s&(1<<uint(i)) != 0 }

// Len is the number of regions in s.
func (s RegionSet) Len() int { return bits.OnesCount64(uint64(s)) }

// With returns s with position i added.
func (s RegionSet) With(i int) RegionSet { return s | 1<<uint(i) }

// Without returns s with position i removed.
func (s RegionSet) Without(i int) RegionSet { return s &^ (1 << uint(i)) }

// String is for debugging.
func (s RegionSet) String() string { return fmt.Sprintf("RegionSet(%#b)", uint64(s)) }
