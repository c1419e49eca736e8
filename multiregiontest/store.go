package multiregiontest

import (
	"net/http"
)

// A store is one AWS service family the lab serves in every region. Each
// lives in a file of its own (dynamodb.go today; the Aurora / RDS,
// ElastiCache, DocumentDB and S3 control-plane mocks add one file each):
// a type that implements store, a With... Option that registers it with
// labConfig.addStore, and a typed accessor on Lab for its test handle.
// Nothing else in the lab changes when a store is added.
type store interface {
	// kind names the store in messages and keys it in the lab ("DynamoDB").
	kind() string
	// start builds the store for the lab's regions, in preference order.
	// A bad combination of the store's options and the regions is an
	// error (the lab wraps it in an *OptionError).
	start(regions []string) error
	// claims reports whether req is addressed to this store (by
	// X-Amz-Target, the query protocol's Action and Version, a path prefix).
	// Stores must not claim each other's requests.
	claims(req *http.Request) bool
	// handler serves the store's API in region.
	handler(region string) http.Handler
	// endpoints returns the endpoint overrides of the store, keyed by AWS
	// SDK service ID (multiregion.ServiceDynamoDB, ...), given the URL of a
	// region's endpoint. Most stores map their IDs to base unchanged.
	endpoints(base string) map[string]string
	// writeFault answers req with an injected fault in the store's wire
	// format, as the real service answers when it fails or throttles.
	writeFault(w http.ResponseWriter, req *http.Request, f fault)
	// close releases the store's goroutines and state; called once, after
	// every endpoint has stopped.
	close()
}

// endpointWatcher is a store that needs the lab's endpoints once they
// serve (S3's replication waits while its destination region is down).
// The lab calls watch once, before New returns.
type endpointWatcher interface {
	watch(lookup func(region string) *Endpoint)
}

// fault is a kind of injected failure.
type fault int

const (
	faultServer   fault = iota // the service failed: HTTP 500
	faultThrottle              // the service throttled the request
)

// regionMux routes one region's requests: the DynamoDB front end's health
// page, then the stores in registration order, then the WithHandler
// fallback, else 404. Immutable once built, so safe for concurrent use.
type regionMux struct {
	region   string
	stores   []store
	handlers []http.Handler // handlers[i] serves stores[i] in region
	fallback http.Handler   // nil: 404
}

func newRegionMux(region string, stores []store, fallback func(string) http.Handler) *regionMux {
	m := &regionMux{region: region, stores: stores}
	for _, s := range stores {
		m.handlers = append(m.handlers, s.handler(region))
	}
	if fallback != nil {
		m.fallback = fallback(region)
	}
	return m
}

func (m *regionMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isHealthCheck(r) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("healthy: dynamodb." + m.region + ".amazonaws.com "))
		return
	}
	for i, s := range m.stores {
		if s.claims(r) {
			m.handlers[i].ServeHTTP(w, r)
			return
		}
	}
	if m.fallback != nil {
		m.fallback.ServeHTTP(w, r)
		return
	}
	http.NotFound(w, r)
}

// writeFault answers r with fault f as the service it is addressed to
// would. The health page is DynamoDB's front end, so it fails as DynamoDB.
func (m *regionMux) writeFault(w http.ResponseWriter, r *http.Request, f fault) {
	if isHealthCheck(r) {
		writeDynamoDBFault(w, r, f)
		return
	}
	for _, s := range m.stores {
		if s.claims(r) {
			s.writeFault(w, r, f)
			return
		}
	}
	writeGenericFault(w, r, f)
}

// isHealthCheck reports whether r is what the default prober sends: an
// unsigned GET of the root, the page AWS's DynamoDB front end answers with
// "healthy: dynamodb.<region>.amazonaws.com". A signed GET / (S3's
// ListBuckets) is an API call.
func isHealthCheck(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == "/" && r.URL.RawQuery == "" &&
		r.Header.Get("X-Amz-Target") == "" && r.Header.Get("Authorization") == ""
}

// writeGenericFault answers a request no store claims (a WithHandler
// service): the awsJson error shape when the request names an X-Amz-Target,
// else the REST-XML one S3 and the query protocols use.
func writeGenericFault(w http.ResponseWriter, r *http.Request, f fault) {
	if r.Header.Get("X-Amz-Target") != "" {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if f == faultThrottle {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"ThrottlingException","message":"Rate exceeded"}`))
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"__type":"InternalFailure","message":"injected failure"}`))
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	if f == faultThrottle {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
			`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`))
		return
	}
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<Error><Code>InternalError</Code><Message>injected failure</Message></Error>`))
}
