package multiregion

import (
	"errors"
	"fmt"
	"regexp"
	"sync"
)

//go:generate go run ./internal/genpartitions -o partitions_gen.go

// ErrUnknownAWSRegion: a region name is shaped like an AWS region but is not
// one of the regions of the AWS partitions this release knows (see
// KnownRegion). Matched by *UnknownAWSRegionError.
var ErrUnknownAWSRegion = errors.New("multiregion: region not known to the AWS SDK")

// UnknownAWSRegionError reports a region name that is well formed but not a
// region of any AWS partition the AWS SDK of this release knows: a typo, or
// a region AWS opened after this release (New accepts those with
// Options.AllowUnknownRegions).
type UnknownAWSRegionError struct {
	Region Region
	// Partition is the AWS partition whose region pattern (the SDK's
	// regionRegex) Region matches, such as "aws" or "aws-us-gov", or "" if
	// it matches none.
	Partition string
	// Suggestion is the nearest known region name, within an edit distance
	// of 2 (a transposition counts as one edit), or "" if none is that close.
	// Of equally near names, one of Partition is preferred.
	Suggestion Region
}

func (e *UnknownAWSRegionError) Error() string {
	return fmt.Sprintf("multiregion: %s: %s", e.Region, e.detail())
}

// detail is the message without the region, for OptionError.Reason.
func (e *UnknownAWSRegionError) detail() string {
	s := "not a region of any AWS partition the AWS SDK knows"
	if e.Partition != "" {
		s = fmt.Sprintf("not a region the AWS SDK knows (though shaped like the regions of partition %s)", e.Partition)
	}
	if e.Suggestion != "" {
		s = fmt.Sprintf("did you mean %s? It is %s", e.Suggestion, s)
	}
	return s + "; set Options.AllowUnknownRegions to use a region opened after this release"
}

// Is matches ErrUnknownAWSRegion.
func (e *UnknownAWSRegionError) Is(target error) bool { return target == ErrUnknownAWSRegion }

// awsPartition is one row of the generated table awsPartitions
// (partitions_gen.go), copied from the AWS SDK's partitions.json.
type awsPartition struct {
	id          string
	regionRegex string // the SDK's pattern for the partition's region names
	regions     []Region
}

var (
	// knownRegions maps every region of awsPartitions to its partition id.
	knownRegions = sync.OnceValue(func() map[Region]string {
		m := make(map[Region]string)
		for _, p := range awsPartitions {
			for _, r := range p.regions {
				m[r] = p.id
			}
		}
		return m
	})
	// partitionPatterns are the compiled regionRegex of awsPartitions, in order.
	partitionPatterns = sync.OnceValue(func() []*regexp.Regexp {
		res := make([]*regexp.Regexp, len(awsPartitions))
		for i, p := range awsPartitions {
			res[i] = regexp.MustCompile(p.regionRegex)
		}
		return res
	})
)

// KnownRegion reports whether r is a region of one of the AWS partitions
// (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f,
// aws-eusc, ...) that the AWS SDK for Go v2 required by this module knows,
// and which partition. It is the existence check that New applies unless
// Options.AllowUnknownRegions is set; Region.Validate checks the shape only.
// Endpoint aliases of the SDK such as "aws-global" are not regions.
func KnownRegion(r Region) (partition string, ok bool) {
	partition, ok = knownRegions()[r]
	return partition, ok
}

// KnownRegions returns every region KnownRegion knows, partition by
// partition in the SDK's order (aws first), sorted within a partition. The
// slice is the caller's.
func KnownRegions() []Region {
	var out []Region
	for _, p := range awsPartitions {
		out = append(out, p.regions...)
	}
	return out
}

// CheckRegion applies the region checks of New, for tools that take region
// names from users (cmd/mrprobe): nil if r is well formed and a region of a
// partition KnownRegion knows, else an *InvalidRegionError (malformed) or an
// *UnknownAWSRegionError, whose Suggestion names the nearest known region
// ("did you mean").
func CheckRegion(r Region) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if e := unknownAWSRegion(r); e != nil {
		return e
	}
	return nil
}

// unknownAWSRegion returns nil if r is known, else an *UnknownAWSRegionError
// with the partition whose pattern r matches and the nearest known name.
func unknownAWSRegion(r Region) *UnknownAWSRegionError {
	if _, ok := KnownRegion(r); ok {
		return nil
	}
	e := &UnknownAWSRegionError{Region: r}
	for i, re := range partitionPatterns() {
		if re.MatchString(string(r)) {
			e.Partition = awsPartitions[i].id
			break
		}
	}
	// The nearest known name within distance 2; of equally near ones, one of
	// the partition r is shaped for, then the first in table order.
	const maxDistance = 2
	best, bestSame := maxDistance+1, false
	for _, p := range awsPartitions {
		same := e.Partition != "" && p.id == e.Partition
		for _, k := range p.regions {
			d := editDistance(string(r), string(k))
			if d <= maxDistance && (d < best || (d == best && same && !bestSame)) {
				best, bestSame, e.Suggestion = d, same, k
			}
		}
	}
	return e
}

// editDistance is the optimal string alignment distance of a and b (in
// bytes): insertions, deletions, substitutions and transpositions of two
// adjacent bytes count one each, so "us-wets-2" is 1 from "us-west-2".
func editDistance(a, b string) int {
	// Three rows of the dynamic-programming table: i-2, i-1 and i.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
