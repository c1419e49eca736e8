package multiregiontest

import (
	"net"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/regionkit/multiregion"
)

// The static test credentials of Config. The lab checks no signature; they
// only have to look like credentials to the SDK.
const (
	TestAccessKeyID     = "AKIDMULTIREGIONTEST"
	TestSecretAccessKey = "multiregiontest-secret"
)

// Options returns a func(*multiregion.Options) that points a Client at the
// lab: Regions (in the lab's order) and Endpoints (every AWS service the
// lab serves, plus extra service IDs, in every region). The default prober
// honors Endpoints, so it measures the lab's endpoints (with their
// latencies and outages); its connections stay the Client's, closed by
// Client.Close. Give it to multiregion.New before options of your own.
func (l *Lab) Options(extra ...string) func(*multiregion.Options) {
	return func(o *multiregion.Options) {
		o.Regions = l.Regions()
		o.Endpoints = l.Endpoints(extra...)
	}
}

// Endpoints returns endpoint overrides (multiregion.Options.Endpoints) for
// every region: DynamoDB always (its root is the health page the default
// prober measures), every service of the lab's stores, and the extra SDK
// service IDs (for a WithHandler service), each pointing at the region's
// endpoint. The map is the caller's.
func (l *Lab) Endpoints(extra ...string) map[multiregion.Region]map[string]string {
	out := make(map[multiregion.Region]map[string]string, len(l.order))
	for _, r := range l.order {
		base := l.byName[r].URL
		m := map[string]string{multiregion.ServiceDynamoDB: base}
		for _, s := range l.stores {
			for id, u := range s.endpoints(base) {
				m[id] = u
			}
		}
		for _, id := range extra {
			m[id] = base
		}
		out[multiregion.Region(r)] = m
	}
	return out
}

// Config returns an aws.Config for multiregion.New on this lab: region set
// to the lab's first, static test credentials, an HTTP client that only
// reaches the lab (anything else fails with ErrOffLab, so a mis-wired test
// never calls AWS) and whose connections close with the lab, and
// FirstAnswerRetryer, so a test sees each region's first answer rather
// than the SDK's retries of it.
func (l *Lab) Config() aws.Config {
	return aws.Config{
		Region:      l.order[0],
		Credentials: credentials.NewStaticCredentialsProvider(TestAccessKeyID, TestSecretAccessKey, ""),
		HTTPClient:  l.client,
		Retryer:     FirstAnswerRetryer,
	}
}

// newLabClients builds the lab's transport and its client.
func newLabClients() (*http.Transport, *http.Client) {
	tr := &http.Transport{
		Proxy:               nil, // never through HTTP(S)_PROXY: the lab is on loopback
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}
	return tr, &http.Client{Transport: loopbackOnly{next: tr}}
}

// loopbackOnly refuses any request whose host is not a loopback address,
// before it is dialled or resolved.
type loopbackOnly struct{ next http.RoundTripper }

func (g loopbackOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if ip := net.ParseIP(req.URL.Hostname()); ip == nil || !ip.IsLoopback() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, &offLabError{url: req.URL.Scheme + "://" + req.URL.Host + req.URL.Path}
	}
	return g.next.RoundTrip(req)
}
