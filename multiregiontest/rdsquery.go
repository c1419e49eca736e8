package multiregiontest

import (
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// The RDS query API (Version 2014-10-31), which DocumentDB speaks too: the
// XML namespace, the answer shapes and the bookkeeping the DocDB and RDS
// mocks share.

const (
	// rdsVersion is the query protocol Version of RDS and DocumentDB.
	rdsVersion = "2014-10-31"
	// rdsNamespace is the XML namespace both answer in.
	rdsNamespace = "http://rds.amazonaws.com/doc/2014-10-31/"
)

// The XML shapes of the answers (the fields the adapters read, and a few
// more). Empty optional fields are left out, as AWS leaves them out.
type (
	xmlGlobalClusterMember struct {
		DBClusterArn string   `xml:"DBClusterArn"`
		IsWriter     bool     `xml:"IsWriter"`
		Readers      []string `xml:"Readers>member"`
	}
	xmlGlobalCluster struct {
		GlobalClusterIdentifier string                   `xml:"GlobalClusterIdentifier"`
		GlobalClusterArn        string                   `xml:"GlobalClusterArn"`
		Engine                  string                   `xml:"Engine"`
		EngineVersion           string                   `xml:"EngineVersion"`
		Status                  string                   `xml:"Status"`
		Endpoint                string                   `xml:"Endpoint,omitempty"` // the global writer endpoint (RDS)
		Members                 []xmlGlobalClusterMember `xml:"GlobalClusterMembers>GlobalClusterMember"`
	}
	xmlDBClusterMember struct {
		DBInstanceIdentifier string `xml:"DBInstanceIdentifier"`
		IsClusterWriter      bool   `xml:"IsClusterWriter"`
	}
	xmlDBCluster struct {
		DBClusterIdentifier     string               `xml:"DBClusterIdentifier"`
		DBClusterArn            string               `xml:"DBClusterArn"`
		GlobalClusterIdentifier string               `xml:"GlobalClusterIdentifier,omitempty"`
		Endpoint                string               `xml:"Endpoint"`
		ReaderEndpoint          string               `xml:"ReaderEndpoint"`
		Port                    int                  `xml:"Port"`
		Engine                  string               `xml:"Engine"`
		EngineVersion           string               `xml:"EngineVersion"`
		Status                  string               `xml:"Status"`
		Members                 []xmlDBClusterMember `xml:"DBClusterMembers>DBClusterMember,omitempty"`
	}
	xmlEndpoint struct {
		Address string `xml:"Address"`
		Port    int    `xml:"Port"`
	}
	xmlDBInstance struct {
		DBInstanceIdentifier                  string       `xml:"DBInstanceIdentifier"`
		DBInstanceArn                         string       `xml:"DBInstanceArn"`
		DBClusterIdentifier                   string       `xml:"DBClusterIdentifier,omitempty"`
		Engine                                string       `xml:"Engine"`
		EngineVersion                         string       `xml:"EngineVersion"`
		DBInstanceStatus                      string       `xml:"DBInstanceStatus"`
		Endpoint                              *xmlEndpoint `xml:"Endpoint,omitempty"`
		ReadReplicaSourceDBInstanceIdentifier string       `xml:"ReadReplicaSourceDBInstanceIdentifier,omitempty"`
		ReadReplicaDBInstanceIdentifiers      []string     `xml:"ReadReplicaDBInstanceIdentifiers>ReadReplicaDBInstanceIdentifier,omitempty"`
	}
)

// globalClusterXML renders a global cluster whose members are the
// regional clusters of regions (arn names each), writer the primary.
func globalClusterXML(id, arn, engine, version, writer string, regions []string, clusterARN func(region string) string) xmlGlobalCluster {
	g := xmlGlobalCluster{GlobalClusterIdentifier: id, GlobalClusterArn: arn, Engine: engine, EngineVersion: version, Status: "available"}
	for _, r := range regions {
		m := xmlGlobalClusterMember{DBClusterArn: clusterARN(r), IsWriter: r == writer}
		if r == writer {
			for _, o := range regions {
				if o != r {
					m.Readers = append(m.Readers, clusterARN(o))
				}
			}
		}
		g.Members = append(g.Members, m)
	}
	return g
}

// readRDSForm checks that r is a query-protocol call of the 2014-10-31 API
// and returns its form; false when it has answered with the error AWS
// gives.
func readRDSForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.Method != http.MethodPost {
		writeQueryError(w, rdsNamespace, http.StatusBadRequest, "InvalidAction", "the query protocol takes POST")
		return nil, false
	}
	if err := r.ParseForm(); err != nil {
		writeQueryError(w, rdsNamespace, http.StatusBadRequest, "MalformedQueryString", "form does not parse")
		return nil, false
	}
	if v := r.PostForm.Get("Version"); v != rdsVersion {
		writeQueryError(w, rdsNamespace, http.StatusBadRequest, "InvalidAction", "unsupported Version "+strconv.Quote(v))
		return nil, false
	}
	return r.PostForm, true
}

// writeRDSFault answers with an injected fault as RDS and DocumentDB do.
func writeRDSFault(w http.ResponseWriter, f fault) {
	if f == faultThrottle {
		writeQueryError(w, rdsNamespace, http.StatusBadRequest, "Throttling", "Rate exceeded")
		return
	}
	writeQueryError(w, rdsNamespace, http.StatusInternalServerError, "InternalFailure", "injected failure")
}

// claimsPath reports whether r is addressed to the store served under
// prefix ("/rds/"): the RDS and DocumentDB APIs share Version and many
// Action names, so the lab tells them apart by path.
func claimsPath(r *http.Request, prefix string) bool {
	return r.URL.Path == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(r.URL.Path, prefix)
}

// readerHost is the reader endpoint AWS gives a cluster whose writer
// endpoint is host: "-ro" before the first dot of a name (the same
// address for an IP address).
func readerHost(host string) string {
	if i := strings.IndexByte(host, '.'); i > 0 && net.ParseIP(host) == nil {
		return host[:i] + "-ro" + host[i:]
	}
	return host
}

// actionLog counts a mock's calls per Action and holds the failures
// FailNext injected. The zero value is ready; safe for concurrent use.
type actionLog struct {
	mu       sync.Mutex
	calls    map[string]int
	failNext map[string]int // action -> remaining injected failures
}

// record counts a call of action and reports whether it must fail.
func (a *actionLog) record(action string) (fail bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.calls == nil {
		a.calls, a.failNext = map[string]int{}, map[string]int{}
	}
	a.calls[action]++
	if a.failNext[action] > 0 {
		a.failNext[action]--
		return true
	}
	return false
}

func (a *actionLog) count(action string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[action]
}

func (a *actionLog) failNextCalls(action string, n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.failNext == nil {
		a.calls, a.failNext = map[string]int{}, map[string]int{}
	}
	a.failNext[action] = n
}
