package multiregion

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const sdkModule = "github.com/aws/aws-sdk-go-v2"

// skipOrFail skips a test that needs the AWS SDK's source in the module
// cache when it is not there, except in CI (CI=true), which downloads the
// modules first: there the check must not silently stop running.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...) + "; partitions_gen.go was not checked against the AWS SDK (run go mod download)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// sdkPartitions reads partitions.json of the AWS SDK version in go.mod from
// the module cache and returns what partitions_gen.go must hold, and the
// names it must leave out (they do not match their partition's regionRegex).
func sdkPartitions(t *testing.T) (want []awsPartition, aliases []string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", sdkModule).Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		skipOrFail(t, "cannot find %s in the module cache (go list -m: %v)", sdkModule, err)
	}
	path := filepath.Join(dir, "internal", "endpoints", "awsrulesfn", "partitions.json")
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		skipOrFail(t, "the AWS SDK has no %s", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Partitions []struct {
			ID          string                     `json:"id"`
			RegionRegex string                     `json:"regionRegex"`
			Regions     map[string]json.RawMessage `json:"regions"`
		} `json:"partitions"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, p := range doc.Partitions {
		re, err := regexp.Compile(p.RegionRegex)
		if err != nil {
			t.Fatalf("%s: partition %s: %v", path, p.ID, err)
		}
		row := awsPartition{id: p.ID, regionRegex: p.RegionRegex, regions: []Region{}}
		for name := range p.Regions {
			if re.MatchString(name) {
				row.regions = append(row.regions, Region(name))
			} else {
				aliases = append(aliases, name)
			}
		}
		slices.Sort(row.regions)
		want = append(want, row)
	}
	t.Logf("checked against %s", path)
	return want, aliases
}

func TestPartitionsUpToDate(t *testing.T) {
	want, aliases := sdkPartitions(t)
	var diffs []string
	got := map[string]awsPartition{}
	for _, p := range awsPartitions {
		got[p.id] = p
	}
	var wantIDs, gotIDs []string
	for _, w := range want {
		wantIDs = append(wantIDs, w.id)
		g, ok := got[w.id]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("partition %s (%d regions) is missing", w.id, len(w.regions)))
			continue
		}
		if g.regionRegex != w.regionRegex {
			diffs = append(diffs, fmt.Sprintf("partition %s: regionRegex %q, the SDK has %q", w.id, g.regionRegex, w.regionRegex))
		}
		for _, r := range w.regions {
			if !slices.Contains(g.regions, r) {
				diffs = append(diffs, fmt.Sprintf("partition %s: region %s is missing", w.id, r))
			}
		}
		for _, r := range g.regions {
			if !slices.Contains(w.regions, r) {
				diffs = append(diffs, fmt.Sprintf("partition %s: region %s is not in the SDK", w.id, r))
			}
		}
		if !slices.Equal(g.regions, w.regions) && len(diffs) == 0 {
			diffs = append(diffs, fmt.Sprintf("partition %s: regions not in sorted order", w.id))
		}
	}
	for _, p := range awsPartitions {
		gotIDs = append(gotIDs, p.id)
	}
	if !slices.Equal(gotIDs, wantIDs) {
		diffs = append(diffs, fmt.Sprintf("partitions %v, the SDK has %v in this order", gotIDs, wantIDs))
	}
	if len(diffs) > 0 {
		t.Errorf("partitions_gen.go is out of date with the AWS SDK in go.mod; run `go generate ./...`:\n\t%s", strings.Join(diffs, "\n\t"))
	}
	// What the generator leaves out must not be a region anyway.
	for _, a := range aliases {
		if err := Region(a).Validate(); err == nil {
			t.Errorf("the SDK lists %q, which does not match its partition's regionRegex but is shaped like a region: "+
				"the generator's rule (regions are the names matching regionRegex) needs a look", a)
		}
	}
}

func TestPartitionsTable(t *testing.T) {
	ids := map[string]bool{}
	seen := map[Region]string{}
	for i, p := range awsPartitions {
		ids[p.id] = true
		re := partitionPatterns()[i]
		if len(p.regions) == 0 {
			t.Errorf("partition %s has no regions", p.id)
		}
		for _, r := range p.regions {
			if err := r.Validate(); err != nil {
				t.Errorf("partition %s: %v", p.id, err)
			}
			if !re.MatchString(string(r)) {
				t.Errorf("partition %s: %s does not match %s", p.id, r, p.regionRegex)
			}
			if other, dup := seen[r]; dup {
				t.Errorf("%s is in partitions %s and %s", r, other, p.id)
			}
			seen[r] = p.id
			if got, ok := KnownRegion(r); !ok || got != p.id {
				t.Errorf("KnownRegion(%s) = %q, %v; want %q, true", r, got, ok, p.id)
			}
			if e := unknownAWSRegion(r); e != nil {
				t.Errorf("unknownAWSRegion(%s) = %v", r, e)
			}
		}
	}
	for _, id := range []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"} {
		if !ids[id] {
			t.Errorf("no partition %s", id)
		}
	}
	if got := len(KnownRegions()); got != len(seen) {
		t.Errorf("KnownRegions has %d regions, the table %d", got, len(seen))
	}
	rs := KnownRegions()
	rs[0] = "changed"
	if KnownRegions()[0] == "changed" {
		t.Error("KnownRegions returned the table itself")
	}
	for _, alias := range []Region{"aws-global", "aws-us-gov-global", "", "US-EAST-1"} {
		if p, ok := KnownRegion(alias); ok {
			t.Errorf("KnownRegion(%q) = %q, true", alias, p)
		}
	}
}

func TestUnknownAWSRegion(t *testing.T) {
	tests := []struct {
		region              Region
		partition, suggests string
	}{
		{"us-wets-2", "aws", "us-west-2"},
		{"us-east-7", "aws", "us-east-1"}, // ties go to the first in table order
		{"ap-farsouth-1", "aws", ""},
		{"us-gov-north-1", "aws-us-gov", ""},
		{"us-isob-east-2", "aws-iso-b", "us-isob-east-1"},
		{"us-isof-west-1", "aws-iso-f", "us-iso-west-1"}, // nearest across partitions
		{"eu-isoe-west-2", "aws-iso-e", "eu-isoe-west-1"},
		{"cn-south-1", "aws-cn", "cn-north-1"},   // as near as af-south-1, and of its partition
		{"eusc-fr-east-1", "", "eusc-de-east-1"}, // not matched by aws-eusc's ^eusc\-(de)\-...
		{"zz-region-1", "", ""},
	}
	for _, tt := range tests {
		e := unknownAWSRegion(tt.region)
		if e == nil {
			t.Errorf("unknownAWSRegion(%s) = nil", tt.region)
			continue
		}
		if e.Region != tt.region || e.Partition != tt.partition || e.Suggestion != Region(tt.suggests) {
			t.Errorf("unknownAWSRegion(%s) = %+v, want partition %q, suggestion %q", tt.region, *e, tt.partition, tt.suggests)
		}
		if !errors.Is(e, ErrUnknownAWSRegion) || errors.Is(e, ErrInvalidRegion) {
			t.Errorf("%v: errors.Is is wrong", e)
		}
		if msg := e.Error(); !strings.HasPrefix(msg, "multiregion: "+string(tt.region)+": ") ||
			strings.Contains(msg, "did you mean") != (tt.suggests != "") || !strings.Contains(msg, "AllowUnknownRegions") {
			t.Errorf("message %q", msg)
		}
	}
}

func TestCheckRegion(t *testing.T) {
	for _, r := range []Region{"us-east-1", "cn-north-1", "us-gov-west-1"} {
		if err := CheckRegion(r); err != nil {
			t.Errorf("CheckRegion(%s) = %v, want nil", r, err)
		}
	}
	var ue *UnknownAWSRegionError
	if err := CheckRegion("us-wset-2"); !errors.As(err, &ue) || ue.Suggestion != "us-west-2" {
		t.Errorf("CheckRegion(us-wset-2) = %v, want an *UnknownAWSRegionError suggesting us-west-2", err)
	}
	var ie *InvalidRegionError
	if err := CheckRegion("US_EAST_1"); !errors.As(err, &ie) || errors.Is(err, ErrUnknownAWSRegion) {
		t.Errorf("CheckRegion(US_EAST_1) = %v, want an *InvalidRegionError", err)
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"us-east-1", "us-east-1", 0},
		{"us-wets-2", "us-west-2", 1}, // transposition
		{"us-west-2", "us-wets-2", 1},
		{"us-east-1", "us-east-2", 1},
		{"us-est-1", "us-east-1", 1},
		{"us-eaast-1", "us-east-1", 1},
		{"eu-west-1", "us-east-1", 4},
		{"ca", "abc", 3}, // optimal string alignment, not full Damerau (which says 2)
		{"kitten", "sitting", 3},
	} {
		if got := editDistance(tt.a, tt.b); got != tt.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.d)
		}
	}
}
