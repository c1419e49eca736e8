package multiregion_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/regionkit/multiregion"
)

// capRow is one column of the capability table of DESIGN.md, cell by cell.
type capRow struct {
	kind                     multiregion.StoreKind
	name                     string
	multiRegionWrites        bool
	writeForwarding          bool
	forwardingConsistency    []string
	failover                 multiregion.FailoverKind
	failoverAPIs             []string
	propagation              time.Duration
	synchronous              bool
	propagationNoteMentions  []string
	conflicts                multiregion.ConflictModel
	multiRegionTransactions  bool
	transactionsRejected     bool
	transactionNoteMentions  []string
	readsEverywhere          bool
	readNoteMentions         []string
	maxRegions, exactRegions int
	regionSets               [][]multiregion.Region
	witness, singleWriter    bool
	readOnlyError            string
}

var capabilityRows = []capRow{
	{
		kind: multiregion.DynamoDBMREC, name: "DynamoDB global table (MREC)",
		multiRegionWrites: true, failover: multiregion.FailoverNotNeeded,
		propagation: time.Second, propagationNoteMentions: []string{"1 s", "no SLA"},
		conflicts:               multiregion.ConflictLastWriterWins,
		transactionNoteMentions: []string{"only in the region that ran them"},
		readsEverywhere:         true, readNoteMentions: []string{"stale"},
	},
	{
		kind: multiregion.DynamoDBMRSC, name: "DynamoDB global table (MRSC)",
		multiRegionWrites: true, failover: multiregion.FailoverNotNeeded,
		synchronous: true, propagationNoteMentions: []string{"synchronous"},
		conflicts: multiregion.ConflictError, transactionsRejected: true,
		transactionNoteMentions: []string{"rejected"},
		readsEverywhere:         true, readNoteMentions: []string{"strongly consistent", "current"},
		exactRegions: 3,
		regionSets: [][]multiregion.Region{
			{"us-east-1", "us-east-2", "us-west-2"},
			{"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"},
			{"ap-northeast-1", "ap-northeast-2", "ap-northeast-3"},
		},
		witness: true,
	},
	{
		kind: multiregion.AuroraGlobal, name: "Aurora global database",
		writeForwarding: true, forwardingConsistency: []string{"EVENTUAL", "SESSION", "GLOBAL"},
		failover: multiregion.FailoverCustomerTriggered, failoverAPIs: []string{"SwitchoverGlobalCluster", "FailoverGlobalCluster"},
		propagation: time.Second, propagationNoteMentions: []string{"1 s"},
		conflicts: multiregion.ConflictNone, readsEverywhere: true, readNoteMentions: []string{"replica lag"},
		maxRegions: 11, singleWriter: true,
		readOnlyError: "PostgreSQL SQLSTATE 25006; MySQL error 1290",
	},
	{
		kind: multiregion.RDSReadReplica, name: "RDS cross-Region read replica",
		failover: multiregion.FailoverManual, failoverAPIs: []string{"PromoteReadReplica"},
		propagationNoteMentions: []string{"ReplicaLag", "breaks replication"},
		conflicts:               multiregion.ConflictNone, readsEverywhere: true, readNoteMentions: []string{"replica lag"},
		maxRegions: 16, singleWriter: true,
		readOnlyError: "the engine's read-only error",
	},
	{
		kind: multiregion.S3CRR, name: "S3 two-way cross-Region replication",
		multiRegionWrites: true, failover: multiregion.FailoverNotNeeded,
		propagation: 15 * time.Second, propagationNoteMentions: []string{"RTC", "99.99 %", "15 min", "delete markers"},
		conflicts:       multiregion.ConflictAllVersionsKept,
		readsEverywhere: true, readNoteMentions: []string{"404"},
	},
	{
		kind: multiregion.ElastiCacheGlobal, name: "ElastiCache Global Datastore",
		failover: multiregion.FailoverManual, failoverAPIs: []string{"FailoverGlobalReplicationGroup"},
		propagation: time.Second, propagationNoteMentions: []string{"1 s"},
		conflicts: multiregion.ConflictNone, readsEverywhere: true, readNoteMentions: []string{"replica lag"},
		maxRegions: 3, singleWriter: true,
		readOnlyError: "READONLY You can't write against a read only replica",
	},
	{
		kind: multiregion.DocumentDBGlobal, name: "DocumentDB global cluster",
		failover: multiregion.FailoverManual, failoverAPIs: []string{"SwitchoverGlobalCluster", "FailoverGlobalCluster"},
		propagation: time.Second, propagationNoteMentions: []string{"1 s"},
		conflicts: multiregion.ConflictNone, readsEverywhere: true, readNoteMentions: []string{"replica lag"},
		maxRegions: 6, singleWriter: true,
		readOnlyError: "server error: not writable",
	},
}

func TestCapabilityTable(t *testing.T) {
	require.Len(t, multiregion.StoreKinds, len(capabilityRows))
	for i, want := range capabilityRows {
		t.Run(want.name, func(t *testing.T) {
			assert.Equal(t, want.kind, multiregion.StoreKinds[i], "StoreKinds is in table order")
			c, ok := multiregion.Capability(want.kind)
			require.True(t, ok)
			assert.Equal(t, want.kind, c.Kind)
			assert.Equal(t, want.name, c.Name)
			assert.Equal(t, want.name, want.kind.String())

			// writes in every region
			assert.Equal(t, want.multiRegionWrites, c.MultiRegionWrites, "MultiRegionWrites")
			assert.Equal(t, want.writeForwarding, c.WriteForwarding, "WriteForwarding")
			assert.Equal(t, want.forwardingConsistency, c.WriteForwardingConsistency, "WriteForwardingConsistency")
			assert.Equal(t, want.singleWriter, c.SingleWriter, "SingleWriter")
			assert.Equal(t, !want.multiRegionWrites, c.SingleWriter, "every store either writes everywhere or has one writer")
			// writer failover
			assert.Equal(t, want.failover, c.Failover, "Failover")
			assert.Equal(t, want.failoverAPIs, c.FailoverAPIs, "FailoverAPIs")
			assert.Equal(t, want.multiRegionWrites, c.Failover == multiregion.FailoverNotNeeded)
			// typical propagation
			assert.Equal(t, want.propagation, c.TypicalPropagation, "TypicalPropagation")
			assert.Equal(t, want.synchronous, c.Synchronous, "Synchronous")
			for _, m := range want.propagationNoteMentions {
				assert.Contains(t, c.PropagationNote, m)
			}
			// conflicts
			assert.Equal(t, want.conflicts, c.Conflicts, "Conflicts")
			// multi-region transactions: never
			assert.False(t, c.MultiRegionTransactions, "MultiRegionTransactions")
			assert.Equal(t, want.multiRegionTransactions, c.MultiRegionTransactions)
			assert.Equal(t, want.transactionsRejected, c.TransactionsRejected, "TransactionsRejected")
			for _, m := range want.transactionNoteMentions {
				assert.Contains(t, c.TransactionNote, m)
			}
			// reads in every region
			assert.Equal(t, want.readsEverywhere, c.ReadsEverywhere, "ReadsEverywhere")
			for _, m := range want.readNoteMentions {
				assert.Contains(t, c.ReadNote, m)
			}
			// max regions
			assert.Equal(t, want.maxRegions, c.MaxRegions, "MaxRegions")
			assert.Equal(t, want.exactRegions, c.ExactRegions, "ExactRegions")
			assert.Equal(t, want.regionSets, c.RegionSets, "RegionSets")
			assert.Equal(t, want.witness, c.WitnessAllowed, "WitnessAllowed")
			// write to a read-only region
			assert.Equal(t, want.readOnlyError, c.ReadOnlyError, "ReadOnlyError")
		})
	}
}

func TestCapability_Unknown(t *testing.T) {
	for _, k := range []multiregion.StoreKind{0, -1, 8, 1000} {
		c, ok := multiregion.Capability(k)
		assert.False(t, ok)
		assert.Equal(t, multiregion.Capabilities{}, c)
		assert.Equal(t, "unknown store kind", k.String())
	}
}

func TestCapability_ReturnsACopy(t *testing.T) {
	for _, k := range multiregion.StoreKinds {
		c, _ := multiregion.Capability(k)
		want, _ := multiregion.Capability(k)
		c.Name = "changed"
		c.MaxRegions = 99
		for i := range c.WriteForwardingConsistency {
			c.WriteForwardingConsistency[i] = "X"
		}
		for i := range c.FailoverAPIs {
			c.FailoverAPIs[i] = "X"
		}
		for _, set := range c.RegionSets {
			for i := range set {
				set[i] = "xx-changed-1"
			}
		}
		if len(c.RegionSets) > 0 {
			c.RegionSets[0] = nil
		}
		got, _ := multiregion.Capability(k)
		assert.Equal(t, want, got, "%v: the table changed through a copy", k)
	}
	// Validate reads the table too: MRSC still accepts the US set.
	assert.NoError(t, multiregion.Validate(multiregion.DynamoDBMRSC, []multiregion.Region{use1, use2, usw2}, ""))
}

func regions(names ...string) []multiregion.Region {
	out := make([]multiregion.Region, len(names))
	for i, n := range names {
		out[i] = multiregion.Region(n)
	}
	return out
}

func nRegions(n int) []multiregion.Region {
	out := make([]multiregion.Region, n)
	for i := range out {
		out[i] = multiregion.Region(fmt.Sprintf("us-east-%d", i+1))
	}
	return out
}

func TestValidate(t *testing.T) {
	w1 := multiregion.Region("us-east-1")
	tests := []struct {
		name    string
		kind    multiregion.StoreKind
		regions []multiregion.Region
		writer  multiregion.Region
		rule    error // nil: valid
	}{
		// valid deployments
		{"MREC any regions", multiregion.DynamoDBMREC, regions("us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1", "ca-central-1"), "", nil},
		{"MREC one region", multiregion.DynamoDBMREC, regions("us-east-1"), "", nil},
		{"MREC many", multiregion.DynamoDBMREC, nRegions(40), "", nil},
		{"MREC with writer", multiregion.DynamoDBMREC, regions("us-east-1", "eu-west-1"), "eu-west-1", nil},
		{"MRSC US", multiregion.DynamoDBMRSC, regions("us-east-1", "us-east-2", "us-west-2"), "", nil},
		{"MRSC EU", multiregion.DynamoDBMRSC, regions("eu-west-1", "eu-west-3", "eu-central-1"), "", nil},
		{"MRSC EU other three", multiregion.DynamoDBMRSC, regions("eu-west-2", "eu-west-3", "eu-central-1"), "", nil},
		{"MRSC AP", multiregion.DynamoDBMRSC, regions("ap-northeast-3", "ap-northeast-1", "ap-northeast-2"), "", nil},
		{"Aurora 1+10", multiregion.AuroraGlobal, nRegions(11), w1, nil},
		{"RDS 1+15", multiregion.RDSReadReplica, nRegions(16), w1, nil},
		{"S3 no cap", multiregion.S3CRR, nRegions(30), "", nil},
		{"ElastiCache 1+2", multiregion.ElastiCacheGlobal, nRegions(3), w1, nil},
		{"ElastiCache single", multiregion.ElastiCacheGlobal, nRegions(1), w1, nil},
		{"DocDB 1+5", multiregion.DocumentDBGlobal, nRegions(6), w1, nil},

		// too many regions
		{"ElastiCache 4", multiregion.ElastiCacheGlobal, nRegions(4), w1, multiregion.ErrTooManyRegions},
		{"Aurora 12", multiregion.AuroraGlobal, nRegions(12), w1, multiregion.ErrTooManyRegions},
		{"DocDB 7", multiregion.DocumentDBGlobal, nRegions(7), w1, multiregion.ErrTooManyRegions},
		{"RDS 17", multiregion.RDSReadReplica, nRegions(17), w1, multiregion.ErrTooManyRegions},

		// MRSC: exactly 3, one set
		{"MRSC 2", multiregion.DynamoDBMRSC, regions("us-east-1", "us-east-2"), "", multiregion.ErrRegionCount},
		{"MRSC 4 EU", multiregion.DynamoDBMRSC, regions("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"), "", multiregion.ErrRegionCount},
		{"MRSC 1", multiregion.DynamoDBMRSC, regions("us-east-1"), "", multiregion.ErrRegionCount},
		{"MRSC mixed US EU", multiregion.DynamoDBMRSC, regions("us-east-1", "us-east-2", "eu-west-1"), "", multiregion.ErrRegionSet},
		{"MRSC outside sets", multiregion.DynamoDBMRSC, regions("us-east-1", "us-east-2", "us-west-1"), "", multiregion.ErrRegionSet},
		{"MRSC mixed EU AP", multiregion.DynamoDBMRSC, regions("eu-west-1", "ap-northeast-1", "eu-west-2"), "", multiregion.ErrRegionSet},

		// writer
		{"Aurora no writer", multiregion.AuroraGlobal, regions("us-east-1", "eu-west-1"), "", multiregion.ErrWriterRequired},
		{"RDS no writer", multiregion.RDSReadReplica, regions("us-east-1"), "", multiregion.ErrWriterRequired},
		{"ElastiCache no writer", multiregion.ElastiCacheGlobal, regions("us-east-1"), "", multiregion.ErrWriterRequired},
		{"DocDB no writer", multiregion.DocumentDBGlobal, regions("us-east-1"), "", multiregion.ErrWriterRequired},
		{"Aurora writer not listed", multiregion.AuroraGlobal, regions("us-east-1", "eu-west-1"), "ap-south-1", multiregion.ErrWriterNotListed},
		{"MREC writer not listed", multiregion.DynamoDBMREC, regions("us-east-1", "eu-west-1"), "ap-south-1", multiregion.ErrWriterNotListed},

		// names
		{"duplicate", multiregion.DynamoDBMREC, regions("us-east-1", "eu-west-1", "us-east-1"), "", multiregion.ErrDuplicateRegion},
		{"duplicate single writer", multiregion.AuroraGlobal, regions("us-east-1", "us-east-1"), w1, multiregion.ErrDuplicateRegion},
		{"no regions", multiregion.S3CRR, nil, "", multiregion.ErrRegionCount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := multiregion.Validate(tt.kind, tt.regions, tt.writer)
			if tt.rule == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.rule)
			var ce *multiregion.CapabilityError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.kind, ce.Kind)
			assert.Same(t, tt.rule, ce.Rule)
			assert.Equal(t, tt.regions, ce.Regions)
			assert.Contains(t, err.Error(), tt.kind.String())
			for _, other := range []error{multiregion.ErrTooManyRegions, multiregion.ErrRegionCount, multiregion.ErrRegionSet,
				multiregion.ErrWriterRequired, multiregion.ErrWriterNotListed, multiregion.ErrDuplicateRegion} {
				if other != tt.rule {
					assert.NotErrorIs(t, err, other)
				}
			}
		})
	}
}

func TestValidate_CapabilityErrorRegionsIsACopy(t *testing.T) {
	rs := nRegions(4)
	err := multiregion.Validate(multiregion.ElastiCacheGlobal, rs, rs[0])
	var ce *multiregion.CapabilityError
	require.ErrorAs(t, err, &ce)
	rs[0] = "xx-changed-1"
	assert.Equal(t, multiregion.Region("us-east-1"), ce.Regions[0])
}

func TestValidate_MalformedAndUnknown(t *testing.T) {
	err := multiregion.Validate(multiregion.DynamoDBMREC, regions("us-east-1", "US-WEST-2"), "")
	assert.ErrorIs(t, err, multiregion.ErrInvalidRegion)
	err = multiregion.Validate(multiregion.AuroraGlobal, regions("us-east-1"), "not-a-region")
	assert.ErrorIs(t, err, multiregion.ErrInvalidRegion)

	for _, k := range []multiregion.StoreKind{0, 8, -3} {
		err = multiregion.Validate(k, regions("us-east-1"), "us-east-1")
		assert.ErrorIs(t, err, multiregion.ErrUnknownStoreKind)
		assert.False(t, errors.Is(err, multiregion.ErrTooManyRegions))
	}
}
