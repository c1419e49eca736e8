package multiregiontest

import (
	"net/http"
	"strings"
	"time"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// The emulator's public types, so a test needs only this package.
type (
	// Mode is the consistency mode of the lab's global table.
	Mode = globaltable.Mode
	// WriteRecord is the ground truth about one accepted client write.
	WriteRecord = globaltable.WriteRecord
	// WriteKind says which API produced a write.
	WriteKind = globaltable.WriteKind
)

// Modes and write kinds.
const (
	MREC        = globaltable.MREC
	MRSC        = globaltable.MRSC
	WritePut    = globaltable.WritePut
	WriteUpdate = globaltable.WriteUpdate
	WriteDelete = globaltable.WriteDelete
)

// The X-Amz-Target prefixes of the two APIs the store answers.
const (
	dynamoTarget = "DynamoDB_20120810."
	streamTarget = "DynamoDBStreams_20120810."
)

// DynamoDBOptions configures the DynamoDB global tables of a lab. The zero
// value is an MREC table replicated as soon as possible.
type DynamoDBOptions struct {
	// Mode is MREC (default) or MRSC. MRSC needs exactly three regions of
	// one MRSC region set, the witness included.
	Mode Mode
	// ReplicationDelay is how long an MREC write waits before it applies in
	// the other regions. DynamoDB.SetReplicationDelay changes it later.
	// default: 0 (asynchronous, as soon as possible)
	ReplicationDelay time.Duration
	// Witness is an MRSC witness region: it stores and serves nothing. If
	// it is one of the lab's regions, that region's DynamoDB answers
	// nothing but its health page.
	Witness string
	// MRSCWriteWindow is how long an MRSC write keeps its item "in
	// replication", so that a write from another region conflicts.
	// default: globaltable.DefaultMRSCWriteWindow
	MRSCWriteWindow time.Duration
}

// WithDynamoDB serves DynamoDB and DynamoDB Streams in every region: a
// global-table emulator (globaltable) whose tables exist in every region
// and replicate as AWS replicates them, and whose ground truth
// (Lab.DynamoDB) tells which writes last writer wins discarded.
func WithDynamoDB(fns ...func(*DynamoDBOptions)) Option {
	var o DynamoDBOptions
	for _, fn := range fns {
		fn(&o)
	}
	return func(c *labConfig) { c.addStore(&dynamoStore{opts: o}) }
}

// DynamoDB returns the lab's DynamoDB global tables, or nil if the lab was
// started without WithDynamoDB.
func (l *Lab) DynamoDB() *DynamoDB {
	for _, s := range l.stores {
		if d, ok := s.(*dynamoStore); ok {
			return d.handle
		}
	}
	return nil
}

// dynamoStore is the lab's DynamoDB: one emulator for all regions.
type dynamoStore struct {
	opts   DynamoDBOptions
	emu    *globaltable.Emulator
	handle *DynamoDB
}

func (s *dynamoStore) kind() string { return "DynamoDB" }

func (s *dynamoStore) start(regions []string) error {
	var replicas []string
	for _, r := range regions {
		if r != s.opts.Witness {
			replicas = append(replicas, r)
		}
	}
	emu, err := globaltable.New(globaltable.Options{
		Regions: replicas, Mode: s.opts.Mode, ReplicationDelay: s.opts.ReplicationDelay,
		Witness: s.opts.Witness, MRSCWriteWindow: s.opts.MRSCWriteWindow,
	})
	if err != nil {
		return err
	}
	s.emu = emu
	s.handle = &DynamoDB{emu: emu}
	return nil
}

func (s *dynamoStore) claims(r *http.Request) bool {
	t := r.Header.Get("X-Amz-Target")
	return strings.HasPrefix(t, dynamoTarget) || strings.HasPrefix(t, streamTarget)
}

func (s *dynamoStore) handler(region string) http.Handler { return s.emu.Handler(region) }

func (s *dynamoStore) endpoints(base string) map[string]string {
	return map[string]string{multiregion.ServiceDynamoDB: base, multiregion.ServiceDynamoDBStreams: base}
}

func (s *dynamoStore) writeFault(w http.ResponseWriter, r *http.Request, f fault) {
	writeDynamoDBFault(w, r, f)
}

func (s *dynamoStore) close() { _ = s.emu.Close() }

// itemOps are the DynamoDB operations that consume table throughput: their
// throttling is ProvisionedThroughputExceededException (on-demand tables
// too); control-plane and Streams calls get ThrottlingException.
var itemOps = map[string]bool{
	"GetItem": true, "PutItem": true, "UpdateItem": true, "DeleteItem": true, "Query": true, "Scan": true,
	"BatchGetItem": true, "BatchWriteItem": true, "TransactGetItems": true, "TransactWriteItems": true,
}

// writeDynamoDBFault answers as DynamoDB's front end does when it fails
// (500 InternalServerError) or throttles (400, with a code the AWS SDK
// classifies as throttling).
func writeDynamoDBFault(w http.ResponseWriter, r *http.Request, f fault) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	const prefix = `{"__type":"com.amazonaws.dynamodb.v20120810#`
	if f == faultServer {
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(prefix + `InternalServerError","message":"injected failure"}`))
		return
	}
	w.WriteHeader(http.StatusBadRequest)
	if op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), dynamoTarget); ok && itemOps[op] {
		_, _ = w.Write([]byte(prefix + `ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}`))
		return
	}
	_, _ = w.Write([]byte(prefix + `ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}`))
}
