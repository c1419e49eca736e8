package multiregion

import (
	"context"

	"go.opentelemetry.io/otel/metric"

	"github.com/regionkit/multiregion/internal/telemetry"
)

// registerGauges registers the latency and health gauges of the network
// view and of every store, read from Status at each collection (so the
// pick path pays nothing for them). nil meter: telemetry is off.
func (c *Client) registerGauges(m metric.Meter) (metric.Registration, error) {
	if m == nil {
		return nil, nil
	}
	latency, err := m.Float64ObservableGauge("multiregion.region.latency", metric.WithUnit("s"),
		metric.WithDescription("Moving average of the region's round-trip time, as the store ranks by it."))
	if err != nil {
		return nil, &OptionError{Field: "MeterProvider", Value: "(set)", Reason: "the gauges could not be registered", Err: err}
	}
	healthy, err := m.Int64ObservableGauge("multiregion.region.healthy", metric.WithUnit("1"),
		metric.WithDescription("1 while the store routes to the region, 0 while it is ejected."))
	if err != nil {
		return nil, &OptionError{Field: "MeterProvider", Value: "(set)", Reason: "the gauges could not be registered", Err: err}
	}
	observe := func(o metric.Observer, store string, regions []RegionStatus) {
		for _, r := range regions {
			attrs := metric.WithAttributes(telemetry.KeyStore.String(store), telemetry.KeyRegion.String(string(r.Region)))
			if r.Measured {
				o.ObserveFloat64(latency, r.Latency.Seconds(), attrs)
			}
			h := int64(0)
			if r.Healthy {
				h = 1
			}
			o.ObserveInt64(healthy, h, attrs)
		}
	}
	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := c.Status()
		if st.Closed {
			return nil
		}
		observe(o, telemetry.NetworkStore, st.Network)
		for _, s := range st.Stores {
			observe(o, s.Name, s.Regions)
		}
		return nil
	}, latency, healthy)
	if err != nil {
		return nil, &OptionError{Field: "MeterProvider", Value: "(set)", Reason: "the gauges could not be registered", Err: err}
	}
	return reg, nil
}
