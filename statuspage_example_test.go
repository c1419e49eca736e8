package multiregion_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/regionkit/multiregion"
)

// Handler serves the routing state; mount it on an internal or admin
// listener, as pprof. Here eu-west-1 fails every probe and is ejected after
// FailureThreshold (3) rounds; status.json says so, and the page at
// /debug/multiregion/ marks it "ejected".
func ExampleClient_Handler() {
	ctx := context.Background()
	mr, err := multiregion.New(ctx, aws.Config{},
		multiregion.WithRegions("us-east-1", "eu-west-1"),
		func(o *multiregion.Options) {
			o.DisableBackgroundProbes = true
			o.Prober = multiregion.ProberFunc(func(ctx context.Context, r multiregion.Region) (time.Duration, error) {
				if r == "eu-west-1" {
					return 0, errors.New("connection refused")
				}
				return 10 * time.Millisecond, nil
			})
		})
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	if _, err := mr.NewStore("dynamo:orders", nil); err != nil {
		log.Fatal(err)
	}
	for range 3 {
		if err := mr.Refresh(ctx); err != nil {
			log.Fatal(err)
		}
	}

	admin := http.NewServeMux()
	admin.Handle("/debug/multiregion/", http.StripPrefix("/debug/multiregion", mr.Handler()))
	srv := httptest.NewServer(admin)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/debug/multiregion/status.json")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		Network []struct {
			Region    string  `json:"region"`
			Healthy   bool    `json:"healthy"`
			LatencyMs float64 `json:"latencyMs"`
			LastError string  `json:"lastError"`
		} `json:"network"`
		Stores []struct {
			Name string `json:"name"`
		} `json:"stores"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	for _, r := range st.Network {
		fmt.Printf("%s healthy=%v latencyMs=%g lastError=%q\n", r.Region, r.Healthy, r.LatencyMs, r.LastError)
	}
	for _, s := range st.Stores {
		fmt.Println("store:", s.Name)
	}
	// Output:
	// 200 application/json; charset=utf-8
	// us-east-1 healthy=true latencyMs=10 lastError=""
	// eu-west-1 healthy=false latencyMs=0 lastError="multiregion: probe in eu-west-1: connection refused"
	// store: dynamo:orders
}
