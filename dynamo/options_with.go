package dynamo

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/regionkit/multiregion"
)

// Functional setters of Options, for New's optFns.

// WithReplicas sets a static replica list.
func WithReplicas(regions ...multiregion.Region) func(*Options) {
	return func(o *Options) { o.Replicas = append([]multiregion.Region(nil), regions...) }
}

// WithKeys names the key attributes (sortKey may be "").
func WithKeys(partitionKey, sortKey string) func(*Options) {
	return func(o *Options) { o.PartitionKey, o.SortKey = partitionKey, sortKey }
}

// WithConsistency sets the consistency mode.
func WithConsistency(c Consistency) func(*Options) {
	return func(o *Options) { o.Consistency = c }
}

// WithConflictHandler sets Options.ConflictHandler.
func WithConflictHandler(h func(Conflict)) func(*Options) {
	return func(o *Options) { o.ConflictHandler = h }
}

// WithClientOptions appends options for every regional DynamoDB client.
func WithClientOptions(fns ...func(*dynamodb.Options)) func(*Options) {
	return func(o *Options) { o.ClientOptions = append(o.ClientOptions, fns...) }
}

// WithCheckpointer sets Options.Checkpointer.
func WithCheckpointer(c Checkpointer) func(*Options) {
	return func(o *Options) { o.Checkpointer = c }
}

// WithStreamStart sets Options.StreamStart.
func WithStreamStart(s StreamStart) func(*Options) {
	return func(o *Options) { o.StreamStart = s }
}
