package globaltable

import (
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// conflictTable tracks which MRSC items are "in replication" and from which
// region. Safe for concurrent use; mu is a leaf lock.
type conflictTable struct {
	mu    sync.Mutex
	holds map[string]*hold
}

// hold marks an item in replication from region: inflight writes from that
// region are still being applied, and until ends the write window of the
// last one applied.
type hold struct {
	region   string
	inflight int
	until    time.Time
}

func (h *hold) busy(now time.Time) bool { return h.inflight > 0 || now.Before(h.until) }

// holdKey identifies an item across regions (and table incarnations).
func holdKey(meta *tableMeta, key string) string {
	return meta.name + "\x00" + strconv.FormatUint(meta.incarnation, 10) + "\x00" + key
}

// reserve checks and marks keys in one critical section, so two regions
// cannot both pass the check for the same item. A write to an item that is
// in replication from ANOTHER region fails with
// ReplicatedWriteConflictException; writes in the same region serialise.
func (c *conflictTable) reserve(region string, keys []string, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		if h, ok := c.holds[k]; ok && h.region != region && h.busy(now) {
			return &ddbtypes.ReplicatedWriteConflictException{Message: aws.String(
				"Replicated write conflict: the item is being modified by a request in " + h.region)}
		}
	}
	if len(c.holds) > 4096 {
		for k, h := range c.holds {
			if !h.busy(now) {
				delete(c.holds, k) // keep the table small in long tests
			}
		}
	}
	for _, k := range keys {
		h, ok := c.holds[k]
		if !ok || h.region != region {
			h = &hold{region: region} // the other region's hold has expired
			c.holds[k] = h
		}
		h.inflight++
	}
	return nil
}

// settle ends a reserved write that is applied everywhere and starts (or
// extends) its write window.
func (c *conflictTable) settle(keys []string, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		h := c.holds[k]
		h.inflight--
		if until.After(h.until) {
			h.until = until
		}
	}
}

// release ends a reserved write that failed (e.g. its condition did not
// hold): nothing is in replication because of it.
func (c *conflictTable) release(keys []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		c.holds[k].inflight--
	}
}

// errMRSCTransactions is how DynamoDB rejects transaction APIs on an MRSC
// global table.
func errMRSCTransactions() error {
	return errValidation("Transactions are not supported for global tables configured for multi-Region strong consistency (MRSC)")
}
