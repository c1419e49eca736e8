package s3replica

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// InventoryFormat is an S3 Inventory report format.
type InventoryFormat string

// The formats S3 Inventory delivers; WriteInventory writes CSV only.
const (
	InventoryCSV     InventoryFormat = "CSV"
	InventoryORC     InventoryFormat = "ORC"
	InventoryParquet InventoryFormat = "Parquet"
)

// InventoryConfigID is the inventory configuration id in the report paths.
const InventoryConfigID = "multiregiontest"

// InventorySchema is the fileSchema of the reports WriteInventory writes.
const InventorySchema = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ReplicationStatus"

// ErrInventoryFormat is returned for a format WriteInventory does not write.
var ErrInventoryFormat = errors.New("s3replica: inventory format not generated (CSV only)")

// Manifest is an S3 Inventory manifest.json.
type Manifest struct {
	SourceBucket      string         `json:"sourceBucket"`
	DestinationBucket string         `json:"destinationBucket"`
	Version           string         `json:"version"`
	CreationTimestamp string         `json:"creationTimestamp"`
	FileFormat        string         `json:"fileFormat"`
	FileSchema        string         `json:"fileSchema"`
	Files             []ManifestFile `json:"files"`
}

// ManifestFile is one data file of a report.
type ManifestFile struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	MD5Checksum string `json:"MD5checksum"`
}

// WriteInventory delivers, into destBucket (any region), the S3 Inventory
// report of every version in sourceBucket (which lives in region), as S3
// lays it out: gzip CSV data files under
// <prefix>/<source>/<config-id>/data/, and
// <prefix>/<source>/<config-id>/<YYYY-MM-DDTHH-MMZ>/manifest.json with its
// manifest.checksum. Keys in the CSV are URL-encoded (url.QueryUnescape
// reverses it). It returns the manifest's key. The delivery is ordinary
// object writes, so destBucket's own replication rules apply to it.
func (w *World) WriteInventory(ctx context.Context, region, sourceBucket, destBucket, prefix string, format InventoryFormat) (string, error) {
	if format != InventoryCSV {
		return "", fmt.Errorf("%w: %q", ErrInventoryFormat, format)
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	src, err := w.bucketIn(region, sourceBucket)
	if err != nil {
		return "", fmt.Errorf("s3replica: inventory of %s in %s: %w", sourceBucket, region, err)
	}
	dst := w.buckets[destBucket]
	if dst == nil {
		return "", fmt.Errorf("s3replica: inventory destination %s: no such bucket", destBucket)
	}
	at := now()
	base := sourceBucket + "/" + InventoryConfigID
	if prefix != "" {
		base = prefix + "/" + base
	}
	m := Manifest{SourceBucket: sourceBucket, DestinationBucket: arnPrefix + destBucket, Version: "2016-11-30",
		CreationTimestamp: strconv.FormatInt(at.UnixMilli(), 10), FileFormat: string(InventoryCSV), FileSchema: InventorySchema}
	rows := inventoryRows(src)
	for start := 0; start < len(rows) || start == 0; start += w.opts.InventoryRowsPerFile {
		data, err := gzipCSV(rows[start:min(start+w.opts.InventoryRowsPerFile, len(rows))])
		if err != nil {
			return "", err
		}
		key := base + "/data/" + w.hexID() + ".csv.gz"
		w.deliver(dst, key, data, "application/x-gzip", at)
		sum := md5.Sum(data)
		m.Files = append(m.Files, ManifestFile{Key: key, Size: int64(len(data)), MD5Checksum: hex.EncodeToString(sum[:])})
		if len(rows) == 0 {
			break
		}
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return "", err
	}
	dir := base + "/" + at.Format("2006-01-02T15-04Z") + "/"
	w.deliver(dst, dir+"manifest.json", body, "application/json", at)
	sum := md5.Sum(body)
	w.deliver(dst, dir+"manifest.checksum", []byte(hex.EncodeToString(sum[:])), "text/plain", at)
	return dir + "manifest.json", nil
}

// inventoryRows lists every version of b, keys sorted, newest first.
func inventoryRows(b *bucket) [][]string {
	var rows [][]string
	for _, k := range b.sortedKeys() {
		vs := b.objects[k].versions
		for i := len(vs) - 1; i >= 0; i-- {
			v := vs[i]
			size := strconv.Itoa(len(v.body))
			if v.deleteMarker {
				size = ""
			}
			rows = append(rows, []string{b.name, url.QueryEscape(k), v.id, strconv.FormatBool(i == len(vs)-1),
				strconv.FormatBool(v.deleteMarker), size, v.lastModified.UTC().Format("2006-01-02T15:04:05.000Z"), v.status})
		}
	}
	return rows
}

// gzipCSV renders rows as S3 Inventory does: every field quoted (a quote
// doubled, as encoding/csv reads it), gzipped.
func gzipCSV(rows [][]string) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, r := range rows {
		var line strings.Builder
		for i, f := range r {
			if i > 0 {
				line.WriteByte(',')
			}
			line.WriteString(`"` + strings.ReplaceAll(f, `"`, `""`) + `"`)
		}
		line.WriteByte('\n')
		if _, err := zw.Write([]byte(line.String())); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// deliver writes one report object into dst. Under w.mu.
func (w *World) deliver(dst *bucket, key string, body []byte, contentType string, at time.Time) {
	v := newVersion(key, body, map[string]string{"Content-Type": contentType}, at)
	if dst.versioned() {
		v.id = w.newVersionID()
	}
	w.store(dst, v, at)
}

// hexID is a seeded 32-hex-digit file name, as S3 names data files.
func (w *World) hexID() string {
	return fmt.Sprintf("%016x%016x", w.rnd.Uint64(), w.rnd.Uint64())
}
