package multiregion_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/regionkit/multiregion"
)

// A Go service calls its own API, deployed in three regions, as
// http://api.example.com: the Transport sends each request to the nearest
// healthy region and fails over when that region answers 503.
func ExampleNewTransport() {
	ctx := context.Background()

	// Three regions of the service (in production: https://api.<region>.example.com).
	// Their health URLs answer after 30, 0 and 60 ms: us-west-2 is nearest.
	var usw2Down atomic.Bool
	region := func(name string, healthDelay time.Duration, down *atomic.Bool) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/healthz" {
				time.Sleep(healthDelay)
				return
			}
			if down != nil && down.Load() {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintf(w, `{"order":%q,"from":%q}`, r.URL.Path, name)
		}))
	}
	use1 := region("us-east-1", 30*time.Millisecond, nil)
	defer use1.Close()
	usw2 := region("us-west-2", 0, &usw2Down)
	defer usw2.Close()
	euw1 := region("eu-west-1", 60*time.Millisecond, nil)
	defer euw1.Close()

	mr, err := multiregion.New(ctx, aws.Config{}, multiregion.WithRegions("us-east-1", "us-west-2", "eu-west-1"),
		func(o *multiregion.Options) {
			// Offline for the example: no probes of AWS endpoints.
			o.Prober = multiregion.ProberFunc(func(context.Context, multiregion.Region) (time.Duration, error) { return time.Millisecond, nil })
			o.DisableBackgroundProbes = true
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mr.Close()

	tr, err := multiregion.NewTransport(mr, "api.example.com", map[multiregion.Region]string{
		"us-east-1": use1.URL,
		"us-west-2": usw2.URL,
		"eu-west-1": euw1.URL,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer tr.Close()
	_ = tr.Refresh(ctx) // probe /healthz now rather than at the first tick
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}

	get := func() {
		resp, err := client.Get("http://api.example.com/orders/1")
		if err != nil {
			fmt.Println(err)
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		r, _ := multiregion.ServedBy(resp)
		fmt.Printf("%d %s (served by %s)\n", resp.StatusCode, body, r)
	}
	get()
	usw2Down.Store(true) // us-west-2 answers 503: the GET moves on
	get()
	// Output:
	// 200 {"order":"/orders/1","from":"us-west-2"} (served by us-west-2)
	// 200 {"order":"/orders/1","from":"us-east-1"} (served by us-east-1)
}
