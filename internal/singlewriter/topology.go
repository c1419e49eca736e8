package singlewriter

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/regionkit/multiregion"
)

// Role is what a member does in the store. The zero Role is not valid, so a
// Source that forgets to set one is caught by Validate instead of silently
// serving writes from a replica.
type Role int

// Roles.
const (
	RoleReader Role = iota + 1 // a read-only replica (secondary cluster, replica group)
	RoleWriter                 // the one region that takes writes
)

// String returns "reader", "writer" or "Role(n)".
func (r Role) String() string {
	switch r {
	case RoleReader:
		return "reader"
	case RoleWriter:
		return "writer"
	default:
		return fmt.Sprintf("Role(%d)", int(r))
	}
}

// Member is the store's presence in one region. It is a plain comparable
// value.
type Member struct {
	Region multiregion.Region
	Role   Role
	// Endpoint is the primary data-plane address of the region's cluster or
	// replication group: host:port, or a URL without credentials. Required.
	// Credentials belong in the adapter's connect func, never here: the kit
	// rejects an endpoint with "@" (user info) or whitespace (a key=value DSN).
	Endpoint string
	// ReaderEndpoint is the region's reader address, if the store has one
	// (Aurora's cluster reader endpoint). Optional, same rules as Endpoint.
	ReaderEndpoint string
	// Lag is the replication lag of this member behind the writer, valid
	// when LagKnown. Never negative. The writer's lag is ignored.
	Lag      time.Duration
	LagKnown bool
	// Status is the control plane's status word ("available", ...), for
	// logs and Status; the kit does not interpret it. A Source should leave
	// out members that cannot serve at all.
	Status string
	// ID is the cluster or replication group identifier. Optional.
	ID string
}

// Topology is one view of a single-writer store: which region writes, which
// regions hold replicas and how far behind they are.
//
// A *Topology handed out by a Kit is a shared, immutable snapshot: the kit
// never changes it and neither may the caller (Members and Attributes
// included); use Clone for a copy to change.
type Topology struct {
	// Writer is the region that takes writes. Required.
	Writer multiregion.Region
	// Members holds one entry per region, the writer's included. A Kit
	// orders them by the Client's region preference order.
	Members []Member
	// Generation is assigned by the Kit: 1 for the first topology, one more
	// for every load that changed anything (writer, members, any member
	// field, attributes). A Source need not set it; the kit overwrites it.
	Generation uint64
	// LoadedAt is when the kit loaded this generation, on Options.Clock.
	// Status().LastSuccess says when it was last confirmed unchanged.
	LoadedAt time.Time
	// Attributes are free-form facts of the store, e.g. "engine_version".
	Attributes map[string]string
}

// Member returns the member in region r.
func (t *Topology) Member(r multiregion.Region) (Member, bool) {
	if t == nil {
		return Member{}, false
	}
	for _, m := range t.Members {
		if m.Region == r {
			return m, true
		}
	}
	return Member{}, false
}

// Regions returns the members' regions in the order of Members.
func (t *Topology) Regions() []multiregion.Region {
	if t == nil {
		return nil
	}
	out := make([]multiregion.Region, len(t.Members))
	for i, m := range t.Members {
		out[i] = m.Region
	}
	return out
}

// IsWriter reports whether r is the writer region.
func (t *Topology) IsWriter(r multiregion.Region) bool { return t != nil && r != "" && r == t.Writer }

// Clone returns a deep copy of t that the caller may change.
func (t *Topology) Clone() Topology {
	if t == nil {
		return Topology{}
	}
	c := *t
	c.Members = slices.Clone(t.Members)
	c.Attributes = maps.Clone(t.Attributes)
	return c
}

// sameContent reports whether a and b describe the same store, ignoring
// what the kit assigns (Generation, LoadedAt). An empty and a nil
// Attributes map are the same.
func sameContent(a, b *Topology) bool {
	return a.Writer == b.Writer && slices.Equal(a.Members, b.Members) && maps.Equal(a.Attributes, b.Attributes)
}
