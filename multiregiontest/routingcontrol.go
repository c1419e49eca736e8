package multiregiontest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/regionkit/multiregion"
)

// arcTargetPrefix is the X-Amz-Target prefix of the Route 53 ARC data
// plane (route53recoverycluster, awsJson1_0).
const arcTargetPrefix = "ToggleCustomerAPI."

// arcSigningName is the SigV4 service name of the ARC data plane.
const arcSigningName = "route53-recovery-cluster"

// DefaultRoutingControlEndpointRegions are the regions of an ARC cluster's
// five endpoints, as AWS places them.
var DefaultRoutingControlEndpointRegions = []string{"us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "ap-southeast-2"}

// WithRoutingControls serves a Route 53 Application Recovery Controller
// cluster with one routing control per lab region, each On at start. The
// cluster has endpoints of its own, one per endpointRegions (default:
// DefaultRoutingControlEndpointRegions), apart from the lab's regional
// endpoints, as a real cluster's are: each is an Endpoint with the same
// fault switches (Down, Blackhole, SetErrorRate, ...). They serve the ARC
// data plane over awsJson1_0: GetRoutingControlState,
// UpdateRoutingControlState and UpdateRoutingControlStates (what an
// operator calls), with ARC's errors (ResourceNotFoundException for an
// unknown ARN, ValidationException for a bad state, InvalidSignatureException
// for a request not signed for the endpoint's region). Lab.RoutingControls
// is the test handle.
func WithRoutingControls(endpointRegions ...string) Option {
	regions := append([]string(nil), endpointRegions...)
	return func(c *labConfig) {
		if len(regions) == 0 {
			regions = DefaultRoutingControlEndpointRegions
		}
		for _, r := range regions {
			if err := multiregion.Region(r).Validate(); err != nil {
				c.errs = append(c.errs, &OptionError{Option: "WithRoutingControls", Value: r, Reason: "not an AWS region name", Err: err})
				return
			}
		}
		c.arcRegions = regions
	}
}

// RoutingControls returns the lab's ARC cluster, or nil if the lab was
// started without WithRoutingControls.
func (l *Lab) RoutingControls() *RoutingControls { return l.arc }

// RoutingControls is the test handle of the lab's ARC cluster: one routing
// control per lab region, and the cluster's endpoints. Safe for concurrent use.
type RoutingControls struct {
	regions   []string // the lab's, one control each
	endpoints []*Endpoint

	mu    sync.Mutex
	state map[string]string // ARN → "On" | "Off"
}

func newRoutingControls(labRegions, endpointRegions []string, seed uint64) (*RoutingControls, error) {
	rc := &RoutingControls{regions: labRegions, state: map[string]string{}}
	for _, r := range labRegions {
		rc.state[rc.ARN(r)] = "On"
	}
	for i, r := range endpointRegions {
		ep, err := newEndpoint(r, newRegionMux(r, []store{arcStore{rc: rc}}, nil), seed+uint64(i))
		if err != nil {
			rc.close()
			return nil, err
		}
		rc.endpoints = append(rc.endpoints, ep)
	}
	return rc, nil
}

// ARN returns the ARN of the routing control of lab region region.
func (rc *RoutingControls) ARN(region string) string {
	return "arn:aws:route53-recovery-control::111122223333:controlpanel/0123456789abcdef/routingcontrol/rc-" + region
}

// Controls returns multiregion.Options.RoutingControls: every lab region's control.
func (rc *RoutingControls) Controls() map[multiregion.Region]string {
	m := make(map[multiregion.Region]string, len(rc.regions))
	for _, r := range rc.regions {
		m[multiregion.Region(r)] = rc.ARN(r)
	}
	return m
}

// Endpoints returns multiregion.Options.RoutingControlEndpoints: the
// cluster's endpoints, in order.
func (rc *RoutingControls) Endpoints() []multiregion.RoutingControlEndpoint {
	out := make([]multiregion.RoutingControlEndpoint, len(rc.endpoints))
	for i, ep := range rc.endpoints {
		out[i] = multiregion.RoutingControlEndpoint{Region: ep.Region, URL: ep.URL}
	}
	return out
}

// Endpoint returns the i-th cluster endpoint (in the order of Endpoints),
// for its fault switches, or nil.
func (rc *RoutingControls) Endpoint(i int) *Endpoint {
	if i < 0 || i >= len(rc.endpoints) {
		return nil
	}
	return rc.endpoints[i]
}

// Options sets multiregion.Options.RoutingControls and
// RoutingControlEndpoints to the cluster's; give it after Lab.Options.
func (rc *RoutingControls) Options() func(*multiregion.Options) {
	return func(o *multiregion.Options) {
		o.RoutingControls = rc.Controls()
		o.RoutingControlEndpoints = rc.Endpoints()
	}
}

// SetState sets the control of lab region region to "On" or "Off", as an
// operator's UpdateRoutingControlState would.
func (rc *RoutingControls) SetState(region, state string) error {
	return rc.Set(rc.ARN(region), state == "On")
}

// Set turns the control arn on or off. An unknown ARN is an error.
func (rc *RoutingControls) Set(arn string, on bool) error {
	state := "Off"
	if on {
		state = "On"
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if _, ok := rc.state[arn]; !ok {
		return fmt.Errorf("multiregiontest: no routing control %s", arn)
	}
	rc.state[arn] = state
	return nil
}

// State returns the state of region's control: "On" or "Off".
func (rc *RoutingControls) State(region string) string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.state[rc.ARN(region)]
}

func (rc *RoutingControls) close() {
	for _, ep := range rc.endpoints {
		ep.close()
	}
}

// arcStore serves the cluster's data plane on its own endpoints; it is not
// one of the lab's regional stores.
type arcStore struct{ rc *RoutingControls }

func (arcStore) kind() string                       { return "RoutingControls" }
func (arcStore) start([]string) error               { return nil }
func (arcStore) endpoints(string) map[string]string { return nil }
func (arcStore) close()                             {}

func (arcStore) claims(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("X-Amz-Target"), arcTargetPrefix)
}

func (s arcStore) handler(region string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, region) })
}

func (arcStore) writeFault(w http.ResponseWriter, _ *http.Request, f fault) {
	if f == faultThrottle {
		writeARCError(w, http.StatusTooManyRequests, "ThrottlingException", "Rate exceeded", "")
		return
	}
	writeARCError(w, http.StatusInternalServerError, "InternalServerException", "injected failure", "")
}

func (s arcStore) serve(w http.ResponseWriter, r *http.Request, region string) {
	if got := signedFor(r); got != region+"/"+arcSigningName {
		writeARCError(w, http.StatusForbidden, "InvalidSignatureException",
			fmt.Sprintf("credential scope %q: this endpoint takes requests signed for %s/%s", got, region, arcSigningName), "")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeARCError(w, http.StatusBadRequest, "ValidationException", "unreadable body", "")
		return
	}
	var in struct {
		RoutingControlArn                string
		RoutingControlState              string
		UpdateRoutingControlStateEntries []struct {
			RoutingControlArn   string
			RoutingControlState string
		}
	}
	if err := json.Unmarshal(body, &in); err != nil {
		writeARCError(w, http.StatusBadRequest, "ValidationException", "malformed JSON: "+err.Error(), "")
		return
	}
	switch op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), arcTargetPrefix); op {
	case "GetRoutingControlState":
		s.rc.mu.Lock()
		state, ok := s.rc.state[in.RoutingControlArn]
		s.rc.mu.Unlock()
		if !ok {
			writeARCError(w, http.StatusNotFound, "ResourceNotFoundException", "routing control not found", in.RoutingControlArn)
			return
		}
		name := in.RoutingControlArn[strings.LastIndex(in.RoutingControlArn, "/")+1:]
		writeARCJSON(w, map[string]string{"RoutingControlArn": in.RoutingControlArn, "RoutingControlName": name, "RoutingControlState": state})
	case "UpdateRoutingControlState":
		s.update(w, [][2]string{{in.RoutingControlArn, in.RoutingControlState}})
	case "UpdateRoutingControlStates":
		var ups [][2]string
		for _, e := range in.UpdateRoutingControlStateEntries {
			ups = append(ups, [2]string{e.RoutingControlArn, e.RoutingControlState})
		}
		s.update(w, ups)
	default:
		writeARCError(w, http.StatusBadRequest, "UnknownOperationException", "operation "+op+" is not served by the lab", "")
	}
}

// update applies updates (ARN, state) all or none, as ARC does.
func (s arcStore) update(w http.ResponseWriter, updates [][2]string) {
	s.rc.mu.Lock()
	defer s.rc.mu.Unlock()
	for _, u := range updates {
		if _, ok := s.rc.state[u[0]]; !ok {
			writeARCError(w, http.StatusNotFound, "ResourceNotFoundException", "routing control not found", u[0])
			return
		}
		if u[1] != "On" && u[1] != "Off" {
			writeARCError(w, http.StatusBadRequest, "ValidationException", fmt.Sprintf("RoutingControlState %q: want On or Off", u[1]), "")
			return
		}
	}
	for _, u := range updates {
		s.rc.state[u[0]] = u[1]
	}
	writeARCJSON(w, map[string]string{})
}

// signedFor returns "region/service" of a SigV4 Authorization header's
// credential scope, or "".
func signedFor(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/") // AKID/date/region/service/aws4_request
	if len(parts) != 5 {
		return ""
	}
	return parts[2] + "/" + parts[3]
}

func writeARCJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(v)
}

func writeARCError(w http.ResponseWriter, status int, code, msg, resource string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	body := map[string]string{"__type": code, "message": msg}
	if resource != "" {
		body["resourceId"], body["resourceType"] = resource, "RoutingControl"
	}
	_ = json.NewEncoder(w).Encode(body)
}
