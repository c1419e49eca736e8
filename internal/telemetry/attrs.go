package telemetry

import (
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// attrKey is a store, region and outcome.
type attrKey struct{ store, region, outcome string }

// attrCache keeps the measurement option of each attribute combination
// the call path records, built once: building an attribute set sorts and
// allocates, and the combinations are few (stores × regions × outcomes).
// Safe for concurrent use.
type attrCache struct {
	mu sync.RWMutex
	m  map[attrKey]metric.MeasurementOption
}

func (c *attrCache) get(k attrKey) metric.MeasurementOption {
	c.mu.RLock()
	o, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return o
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if o, ok = c.m[k]; ok {
		return o
	}
	if c.m == nil {
		c.m = map[attrKey]metric.MeasurementOption{}
	}
	o = metric.WithAttributeSet(attribute.NewSet(KeyStore.String(k.store), KeyRegion.String(k.region), KeyOutcome.String(k.outcome)))
	c.m[k] = o
	return o
}
