package docdb

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// Server error codes the classifier knows.
const (
	codeNotWritablePrimary      = 10107 // NotWritablePrimary (was NotMaster)
	codeNotPrimaryNoSecondaryOk = 13435 // NotPrimaryNoSecondaryOk
	codeNotPrimaryOrSecondary   = 13436
	codeLegacyNotPrimary        = 10058
	codePrimarySteppedDown      = 189
	codeInterruptedReplChange   = 11602 // InterruptedDueToReplStateChange
	codeHostUnreachable         = 6
	codeHostNotFound            = 7
	codeNetworkTimeout          = 89
	codeShutdownInProgress      = 91
	codeInterruptedAtShutdown   = 11600
	codeSocketException         = 9001
	codeExceededTimeLimit       = 50
	codeWriteConcernFailed      = 64
	sqlstateReadOnlyTransaction = "SQLSTATE 25006" // FerretDB over a PostgreSQL hot standby
	readOnlyTransactionFragment = "read-only transaction"
)

// writerMovedCodes: the server refused the write because it is not the
// primary; nothing was applied.
var writerMovedCodes = []int{codeNotWritablePrimary, codeNotPrimaryNoSecondaryOk, codeNotPrimaryOrSecondary, codeLegacyNotPrimary}

// unknownCodes: the server or the path to it failed; a write may have
// applied.
var unknownCodes = []int{codePrimarySteppedDown, codeInterruptedReplChange, codeHostUnreachable, codeHostNotFound,
	codeNetworkTimeout, codeShutdownInProgress, codeInterruptedAtShutdown, codeSocketException, codeExceededTimeLimit,
	codeWriteConcernFailed}

// classifier sorts the driver's errors into the call loop's classes.
var classifier = route.ClassifierFunc(classify)

func classify(_ context.Context, err error) route.Class {
	if isWriterMoved(err) {
		return route.WriterMoved
	}
	var sse topology.ServerSelectionError
	var re *multiregion.RegionError
	switch {
	case errors.Is(err, mongo.ErrClientDisconnected), errors.As(err, &sse):
		return route.NotApplied // no server was reached
	case errors.As(err, &re):
		return route.NotApplied // the kit could not build the region's client
	case mongo.IsNetworkError(err), mongo.IsTimeout(err):
		return route.Unknown
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		for _, c := range unknownCodes {
			if se.HasErrorCode(c) {
				return route.Unknown
			}
		}
		if se.HasErrorLabel("RetryableWriteError") || se.HasErrorLabel("NetworkError") {
			return route.Unknown
		}
		return route.Caller // the server answered and refused the request itself
	}
	if errors.Is(err, ErrInvalidInput) || errors.Is(err, mongo.ErrNilDocument) || errors.Is(err, mongo.ErrNilValue) ||
		errors.Is(err, mongo.ErrEmptySlice) || errors.Is(err, mongo.ErrNotSlice) {
		return route.Caller
	}
	return route.Unknown
}

// isWriterMoved reports a refusal by a server that is not the primary:
// Mongo NotWritablePrimary (10107) and NotPrimaryNoSecondaryOk (13435)
// (DocumentDB, MongoDB), or FerretDB's error carrying PostgreSQL SQLSTATE
// 25006 (read_only_sql_transaction) when it runs over a hot standby.
func isWriterMoved(err error) bool {
	var se mongo.ServerError
	if !errors.As(err, &se) {
		return false
	}
	for _, c := range writerMovedCodes {
		if se.HasErrorCode(c) {
			return true
		}
	}
	return se.HasErrorMessage(sqlstateReadOnlyTransaction) || se.HasErrorMessage(readOnlyTransactionFragment)
}
