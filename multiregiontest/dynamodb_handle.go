package multiregiontest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// DynamoDB is the test handle of a lab's DynamoDB global tables: setup
// (CreateTable, Client), the replication switches (delay, pause, resume,
// quiesce) and the ground truth AWS never reports (Writes, LostWrites). It
// is safe for concurrent use.
type DynamoDB struct {
	emu *globaltable.Emulator
}

// Mode reports whether the tables are MREC or MRSC.
func (d *DynamoDB) Mode() Mode { return d.emu.Mode() }

// Regions lists the replica regions (an MRSC witness excluded).
func (d *DynamoDB) Regions() []string { return d.emu.Regions() }

// Client returns an SDK client for region's replica that bypasses the
// region's endpoint switch: no latency, no outage, no injected errors. Use
// it for setup and for checking what a replica holds; a service under test
// must go through the multiregion.Client. Nil for a region with no replica.
func (d *DynamoDB) Client(region string) *dynamodb.Client {
	if !contains(d.emu.Regions(), region) {
		return nil
	}
	return dynamodb.New(dynamodb.Options{
		Region:       region,
		BaseEndpoint: aws.String("http://127.0.0.1"), // never dialled: the transport is in memory
		Credentials:  credentials.NewStaticCredentialsProvider(TestAccessKeyID, TestSecretAccessKey, ""),
		HTTPClient:   &http.Client{Transport: inMemory{d.emu.Handler(region)}},
		Retryer:      FirstAnswerRetryer(),
	})
}

// CreateTable creates a global table (in every region, as the emulator's
// tables are global) keyed by partition and, optionally, sort, with the
// stream the dynamo adapter reads (see TableInput).
func (d *DynamoDB) CreateTable(ctx context.Context, name string, partition KeyAttribute, sort ...KeyAttribute) error {
	_, err := d.Client(d.emu.Regions()[0]).CreateTable(ctx, TableInput(name, partition, sort...))
	return err
}

// SetReplicationDelay sets how long MREC writes accepted from now on wait
// before they apply in the other regions.
func (d *DynamoDB) SetReplicationDelay(delay time.Duration) { d.emu.SetReplicationDelay(delay) }

// PauseReplication holds MREC replication into region: writes from other
// regions queue until ResumeReplication, so a test can make two regions
// diverge (and conflict) without depending on timing.
func (d *DynamoDB) PauseReplication(region string) { d.emu.PauseReplication(region) }

// ResumeReplication releases what PauseReplication held.
func (d *DynamoDB) ResumeReplication(region string) { d.emu.ResumeReplication(region) }

// Quiesce applies every pending MREC write everywhere now and returns when
// nothing is pending; with a region still paused it applies the rest and
// returns an error that matches globaltable.ErrReplicationPaused.
func (d *DynamoDB) Quiesce(ctx context.Context) error { return d.emu.Quiesce(ctx) }

// Writes returns every accepted client write so far, in timestamp order.
func (d *DynamoDB) Writes() []WriteRecord { return d.emu.Writes() }

// LostWrites returns the writes to table that last writer wins discarded
// (deletes included), after Quiesce the ground truth a service's conflict
// detection is checked against: match them by Region and Key (KeyString).
func (d *DynamoDB) LostWrites(table string) []WriteRecord { return d.emu.LostWrites(table) }

// KeyString renders a key in the form of WriteRecord.Key, to match a key
// reported by a service (a dynamo.Conflict's Key) with the ground truth.
func KeyString(key map[string]ddbtypes.AttributeValue) string { return globaltable.KeyString(key) }

// ErrReplicationPaused is matched by Quiesce's error while a region is paused.
var ErrReplicationPaused = globaltable.ErrReplicationPaused

// inMemory is an http.RoundTripper that serves requests with a handler in
// the calling goroutine: no listener, no connection, nothing to leak.
type inMemory struct{ h http.Handler }

func (m inMemory) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if req.Body != nil {
		defer req.Body.Close()
	}
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
