package s3mesh_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
	"github.com/regionkit/multiregion/s3mesh"
)

// TestScanInventory: the scan reads each region's S3 Inventory report
// (the lab's fixture: manifest.json and gzip CSV files, written as S3
// delivers them) and finds the keys the ground truth says diverged; a
// Parquet report is refused with a typed error.
func TestScanInventory(t *testing.T) {
	e := newEnv(t, []multiregion.Region{use1, euw1, apse2}, nil, func(o *multiregiontest.S3Options) {
		jitter(o)
		o.InventoryRowsPerFile = 4 // several data files per report
	}, true)
	ctx := testCtx(t)
	truth := diverge(t, e, "inv/", 3)
	for _, k := range []string{"inv/ok-1", "inv/ok-2", "other/x"} { // agreeing keys, one outside the prefix
		if _, err := e.mesh.Put(ctx, k, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	e.quiesce()
	manifests := map[multiregion.Region]s3mesh.InventoryManifest{}
	for _, r := range e.mesh.Regions() {
		dest := "reports-" + string(r)
		if err := e.lab.S3().CreateBucket(ctx, string(r), dest, false); err != nil {
			t.Fatal(err)
		}
		key, err := e.lab.S3().WriteInventory(ctx, string(r), e.buckets[r], dest, "inventory", multiregiontest.S3InventoryCSV)
		if err != nil {
			t.Fatal(err)
		}
		manifests[r] = s3mesh.InventoryManifest{Bucket: dest, Key: key}
	}
	files := 0
	rep, err := e.mesh.ScanInventory(ctx, "inv/", manifests, func(o *s3mesh.ScanOptions) {
		o.Progress = func(p s3mesh.ScanProgress) {
			if p.Diverged == nil {
				files++
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range rep.Diverged {
		found = append(found, d.Key)
	}
	listed, err := e.mesh.Scan(ctx, "inv/") // the listing scan agrees on every count
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(found, truth) || files < 3 || rep.Keys != listed.Keys || len(listed.Diverged) != len(truth) {
		t.Fatalf("inventory scan found %v of %d keys (%d files read); ground truth %v; listing scan %d keys, %d diverged",
			found, rep.Keys, files, truth, listed.Keys, len(listed.Diverged))
	}
	t.Logf("inventory scan: %d keys under inv/, %d diverged (ground truth %d), %d data files read", rep.Keys, len(found), len(truth), files)

	raw := e.lab.S3().Client(string(use1))
	bad := `{"sourceBucket":"` + e.buckets[use1] + `","fileFormat":"Parquet","fileSchema":"Bucket, Key","files":[]}`
	if _, err := raw.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("reports-us-east-1"), Key: aws.String("parquet/manifest.json"), Body: strings.NewReader(bad)}); err != nil {
		t.Fatal(err)
	}
	manifests[use1] = s3mesh.InventoryManifest{Bucket: "reports-us-east-1", Key: "parquet/manifest.json"}
	var ie *s3mesh.InventoryError
	if _, err := e.mesh.ScanInventory(ctx, "inv/", manifests); !errors.As(err, &ie) || ie.Region != use1 {
		t.Fatalf("Parquet report: %v", err)
	}
}
