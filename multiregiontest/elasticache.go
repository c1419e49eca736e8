package multiregiontest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/regionkit/multiregion"
)

// The query protocol version and XML namespace of the ElastiCache API.
const (
	elastiCacheVersion = "2015-02-02"
	elastiCacheXMLNS   = "http://elasticache.amazonaws.com/doc/2015-02-02/"
)

// elastiCacheActions are the actions the mock answers.
var elastiCacheActions = map[string]bool{
	"DescribeGlobalReplicationGroups": true,
	"DescribeReplicationGroups":       true,
	"FailoverGlobalReplicationGroup":  true,
}

// ElastiCacheOptions configures the lab's ElastiCache control plane: one
// Global Datastore whose members are replication groups in the lab's
// regions. The data plane is the test's own (miniredis, redis-server): give
// each member's address in Endpoints.
type ElastiCacheOptions struct {
	// GlobalReplicationGroupID names the Global Datastore.
	// default: "ldgnf-mr-global"
	GlobalReplicationGroupID string
	// Members are the member regions. More than AWS allows (3) is
	// accepted, so that a test can check the adapter refuses it.
	// default: every region of the lab
	Members []string
	// Primary is the primary member's region.
	// default: the first member
	Primary string
	// Endpoints maps each member region to its primary endpoint
	// (host:port), or its configuration endpoint with ClusterMode.
	// default: none (a member without one is reported with no endpoint)
	Endpoints map[string]string
	// ReaderEndpoints maps member regions to reader endpoints (cluster mode
	// disabled). default: none
	ReaderEndpoints map[string]string
	// ClusterMode reports every replication group as cluster mode enabled.
	// ElastiCache.SetClusterMode changes one member.
	// default: false
	ClusterMode bool
	// TransitEncryption reports in-transit encryption enabled.
	// default: false
	TransitEncryption bool
	// OnFailover, when set, runs when FailoverGlobalReplicationGroup is
	// served, before the mock switches the primary: a test promotes its
	// real servers here (REPLICAOF NO ONE ...). An error fails the call
	// (InvalidGlobalReplicationGroupState) and the primary stays.
	// default: nil
	OnFailover func(ctx context.Context, from, to string) error
}

// WithElastiCache serves the ElastiCache control plane of one Global
// Datastore in every region: DescribeGlobalReplicationGroups (with
// ShowMemberInfo), DescribeReplicationGroups (a member's group, in its
// own region only, as AWS answers) and FailoverGlobalReplicationGroup,
// over the AWS query protocol (form-encoded POST, XML answers in the
// 2015-02-02 namespace). Lab.ElastiCache changes the topology at any time.
func WithElastiCache(fns ...func(*ElastiCacheOptions)) Option {
	var o ElastiCacheOptions
	for _, fn := range fns {
		if fn != nil {
			fn(&o)
		}
	}
	return func(c *labConfig) { c.addStore(&elastiCacheStore{opts: o}) }
}

// ElastiCache returns the lab's ElastiCache control plane, or nil if the
// lab was started without WithElastiCache.
func (l *Lab) ElastiCache() *ElastiCache {
	for _, s := range l.stores {
		if e, ok := s.(*elastiCacheStore); ok {
			return e.handle
		}
	}
	return nil
}

// ElastiCache is the test handle of the lab's Global Datastore: what the
// control plane reports, and the failovers it was asked for. Safe for
// concurrent use.
type ElastiCache struct {
	mu         sync.Mutex
	id         string
	primary    string
	members    []*ecMember
	tls        bool
	onFailover func(ctx context.Context, from, to string) error
	calls      map[string]int
	failovers  []ElastiCacheFailover
}

// ElastiCacheFailover is one FailoverGlobalReplicationGroup the mock served.
type ElastiCacheFailover struct {
	From, To           string // primary regions before and after
	ReplicationGroupID string // PrimaryReplicationGroupId
	Err                error  // OnFailover's error, if it refused
}

type ecMember struct {
	region, endpoint, reader, status string
	cluster                          bool
}

// GlobalReplicationGroupID returns the Global Datastore's ID.
func (e *ElastiCache) GlobalReplicationGroupID() string { return e.id }

// ReplicationGroupID returns the ID of region's member replication group.
func (e *ElastiCache) ReplicationGroupID(region string) string { return e.id + "-" + region }

// Primary returns the primary region the control plane reports.
func (e *ElastiCache) Primary() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.primary
}

// SetPrimary makes region the primary, as a failover that completed
// outside the API would (OnFailover is not called).
func (e *ElastiCache) SetPrimary(region string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.primary = region
}

// SetEndpoint changes the endpoint region's member reports.
func (e *ElastiCache) SetEndpoint(region, addr string) {
	e.update(region, func(m *ecMember) { m.endpoint = addr })
}

// SetClusterMode changes whether region's replication group reports
// cluster mode enabled (a mismatch between members is invalid).
func (e *ElastiCache) SetClusterMode(region string, on bool) {
	e.update(region, func(m *ecMember) { m.cluster = on })
}

// SetMemberStatus changes the status region's member reports ("associated").
func (e *ElastiCache) SetMemberStatus(region, status string) {
	e.update(region, func(m *ecMember) { m.status = status })
}

func (e *ElastiCache) update(region string, fn func(*ecMember)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.members {
		if m.region == region {
			fn(m)
		}
	}
}

// Calls returns how many requests of action the mock answered (all
// regions).
func (e *ElastiCache) Calls(action string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[action]
}

// Failovers returns the FailoverGlobalReplicationGroup calls served, in order.
func (e *ElastiCache) Failovers() []ElastiCacheFailover {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.failovers)
}

// elastiCacheStore is the lab's ElastiCache control plane.
type elastiCacheStore struct {
	opts   ElastiCacheOptions
	handle *ElastiCache
}

func (s *elastiCacheStore) kind() string { return "ElastiCache" }

func (s *elastiCacheStore) start(regions []string) error {
	o := s.opts
	if o.GlobalReplicationGroupID == "" {
		o.GlobalReplicationGroupID = "ldgnf-mr-global"
	}
	members := o.Members
	if len(members) == 0 {
		members = regions
	}
	if o.Primary == "" {
		o.Primary = members[0]
	}
	if !slices.Contains(members, o.Primary) {
		return fmt.Errorf("primary %s is not a member %v", o.Primary, members)
	}
	h := &ElastiCache{id: o.GlobalReplicationGroupID, primary: o.Primary, tls: o.TransitEncryption,
		onFailover: o.OnFailover, calls: map[string]int{}}
	for _, r := range members {
		if err := multiregion.Region(r).Validate(); err != nil {
			return err
		}
		h.members = append(h.members, &ecMember{region: r, endpoint: o.Endpoints[r], reader: o.ReaderEndpoints[r],
			status: "associated", cluster: o.ClusterMode})
	}
	s.handle = h
	return nil
}

func (s *elastiCacheStore) claims(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "" ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return false
	}
	form, ok := peekForm(r)
	return ok && form.Get("Version") == elastiCacheVersion && elastiCacheActions[form.Get("Action")]
}

func (s *elastiCacheStore) handler(region string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		form, _ := peekForm(r)
		s.handle.serve(w, r.Context(), region, form)
	})
}

func (s *elastiCacheStore) endpoints(base string) map[string]string {
	return map[string]string{multiregion.ServiceElastiCache: base}
}

func (s *elastiCacheStore) writeFault(w http.ResponseWriter, _ *http.Request, f fault) {
	if f == faultThrottle {
		writeQueryError(w, elastiCacheXMLNS, http.StatusBadRequest, "Throttling", "Rate exceeded")
		return
	}
	writeQueryError(w, elastiCacheXMLNS, http.StatusInternalServerError, "InternalFailure", "injected failure")
}

func (s *elastiCacheStore) close() {}

func (e *ElastiCache) serve(w http.ResponseWriter, ctx context.Context, region string, form url.Values) {
	action := form.Get("Action")
	e.mu.Lock()
	e.calls[action]++
	e.mu.Unlock()
	var body string
	switch action {
	case "DescribeGlobalReplicationGroups":
		id := form.Get("GlobalReplicationGroupId")
		if id != "" && id != e.id {
			writeQueryError(w, elastiCacheXMLNS, http.StatusNotFound, "GlobalReplicationGroupNotFoundFault", "GlobalReplicationGroup "+id+" not found.")
			return
		}
		e.mu.Lock()
		body = "<GlobalReplicationGroups>" + e.groupXML(form.Get("ShowMemberInfo") == "true") + "</GlobalReplicationGroups>"
		e.mu.Unlock()
	case "DescribeReplicationGroups":
		id := form.Get("ReplicationGroupId")
		e.mu.Lock()
		var m *ecMember
		for _, x := range e.members {
			if x.region == region && (id == "" || id == e.id+"-"+x.region) {
				m = x
			}
		}
		if m != nil {
			body = "<ReplicationGroups>" + e.replicationGroupXML(m) + "</ReplicationGroups>"
		}
		e.mu.Unlock()
		if m == nil {
			writeQueryError(w, elastiCacheXMLNS, http.StatusNotFound, "ReplicationGroupNotFoundFault", "ReplicationGroup "+id+" not found.")
			return
		}
	case "FailoverGlobalReplicationGroup":
		if !e.failover(w, ctx, form) {
			return
		}
		e.mu.Lock()
		body = e.groupXML(false)
		e.mu.Unlock()
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>mrtest</RequestId></ResponseMetadata></%sResponse>`,
		action, elastiCacheXMLNS, action, body, action, action)
}

// failover serves FailoverGlobalReplicationGroup; false when it answered
// with an error.
func (e *ElastiCache) failover(w http.ResponseWriter, ctx context.Context, form url.Values) bool {
	id, to, rg := form.Get("GlobalReplicationGroupId"), form.Get("PrimaryRegion"), form.Get("PrimaryReplicationGroupId")
	if id != e.id {
		writeQueryError(w, elastiCacheXMLNS, http.StatusNotFound, "GlobalReplicationGroupNotFoundFault", "GlobalReplicationGroup "+id+" not found.")
		return false
	}
	e.mu.Lock()
	from, hook := e.primary, e.onFailover
	member := false
	for _, m := range e.members {
		member = member || (m.region == to && rg == e.id+"-"+m.region)
	}
	e.mu.Unlock()
	if !member {
		writeQueryError(w, elastiCacheXMLNS, http.StatusBadRequest, "InvalidParameterValue", "PrimaryRegion and PrimaryReplicationGroupId do not name a secondary member.")
		return false
	}
	if to == from {
		writeQueryError(w, elastiCacheXMLNS, http.StatusBadRequest, "InvalidParameterCombination", "The replication group is already the primary.")
		return false
	}
	var err error
	if hook != nil {
		err = hook(ctx, from, to)
	}
	e.mu.Lock()
	e.failovers = append(e.failovers, ElastiCacheFailover{From: from, To: to, ReplicationGroupID: rg, Err: err})
	if err == nil {
		e.primary = to
	}
	e.mu.Unlock()
	if err != nil {
		writeQueryError(w, elastiCacheXMLNS, http.StatusBadRequest, "InvalidGlobalReplicationGroupState", "failover refused: "+err.Error())
		return false
	}
	return true
}

// groupXML renders the GlobalReplicationGroup element. Under e.mu.
func (e *ElastiCache) groupXML(members bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<GlobalReplicationGroup><GlobalReplicationGroupId>%s</GlobalReplicationGroupId><Status>available</Status>"+
		"<Engine>valkey</Engine><EngineVersion>8.0</EngineVersion><CacheNodeType>cache.r7g.large</CacheNodeType>"+
		"<ClusterEnabled>%t</ClusterEnabled><TransitEncryptionEnabled>%t</TransitEncryptionEnabled><AuthTokenEnabled>false</AuthTokenEnabled>",
		xmlEscape(e.id), len(e.members) > 0 && e.members[0].cluster, e.tls)
	if members {
		b.WriteString("<Members>")
		for _, m := range e.members {
			role := "SECONDARY"
			if m.region == e.primary {
				role = "PRIMARY"
			}
			fmt.Fprintf(&b, "<GlobalReplicationGroupMember><ReplicationGroupId>%s</ReplicationGroupId><ReplicationGroupRegion>%s</ReplicationGroupRegion>"+
				"<Role>%s</Role><AutomaticFailover>disabled</AutomaticFailover><Status>%s</Status></GlobalReplicationGroupMember>",
				xmlEscape(e.id+"-"+m.region), xmlEscape(m.region), role, xmlEscape(m.status))
		}
		b.WriteString("</Members>")
	}
	b.WriteString("</GlobalReplicationGroup>")
	return b.String()
}

// replicationGroupXML renders one member's ReplicationGroup. Under e.mu.
func (e *ElastiCache) replicationGroupXML(m *ecMember) string {
	endpoint := func(tag, addr string) string {
		if addr == "" {
			return ""
		}
		host, port := addr, "6379"
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			host, port = addr[:i], addr[i+1:]
		}
		return fmt.Sprintf("<%s><Address>%s</Address><Port>%s</Port></%s>", tag, xmlEscape(host), xmlEscape(port), tag)
	}
	var b strings.Builder
	role := "secondary"
	if m.region == e.primary {
		role = "primary"
	}
	fmt.Fprintf(&b, "<ReplicationGroup><ReplicationGroupId>%s</ReplicationGroupId><Status>available</Status><Engine>valkey</Engine>"+
		"<GlobalReplicationGroupInfo><GlobalReplicationGroupId>%s</GlobalReplicationGroupId><GlobalReplicationGroupMemberRole>%s</GlobalReplicationGroupMemberRole></GlobalReplicationGroupInfo>"+
		"<ClusterEnabled>%t</ClusterEnabled><TransitEncryptionEnabled>%t</TransitEncryptionEnabled>",
		xmlEscape(e.id+"-"+m.region), xmlEscape(e.id), role, m.cluster, e.tls)
	if m.cluster {
		b.WriteString("<ClusterMode>enabled</ClusterMode>")
		b.WriteString(endpoint("ConfigurationEndpoint", m.endpoint))
	} else {
		b.WriteString("<ClusterMode>disabled</ClusterMode><NodeGroups><NodeGroup><NodeGroupId>0001</NodeGroupId><Status>available</Status>")
		b.WriteString(endpoint("PrimaryEndpoint", m.endpoint))
		b.WriteString(endpoint("ReaderEndpoint", m.reader))
		b.WriteString("</NodeGroup></NodeGroups>")
	}
	b.WriteString("</ReplicationGroup>")
	return b.String()
}
