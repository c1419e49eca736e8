package singlewriter

import (
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/regionkit/multiregion"
)

// Validate checks t for a store of kind whose Client routes between regions
// (pass mr.Regions()): exactly one writer, named by Writer and marked
// RoleWriter; every member a valid, distinct region of regions with a role,
// an endpoint without credentials and no negative lag; the member count
// allowed by the capability table (multiregion.Validate). It returns a
// *TopologyError (ErrInvalidTopology) wrapping the root package's error
// where one fits, or an *InputError when kind is not a single-writer store.
//
// Validate is strict: a member outside regions is an error. A Kit with
// Options.AllowPartial leaves such members out instead (see Status.LeftOut).
func (t *Topology) Validate(regions []multiregion.Region, kind multiregion.StoreKind) error {
	if err := checkKind(kind); err != nil {
		return &InputError{Op: "singlewriter.Topology.Validate", Arg: "kind", Reason: err.Error()}
	}
	if t == nil {
		return &TopologyError{Store: kind.String(), Field: "Topology", Reason: "nil topology"}
	}
	in := make(map[multiregion.Region]bool, len(regions))
	for _, r := range regions {
		in[r] = true
	}
	_, err := check(t, kind, kind.String(), func(r multiregion.Region) bool { return in[r] }, false)
	return err
}

// checkKind reports whether kind is a known single-writer store kind.
func checkKind(kind multiregion.StoreKind) error {
	c, ok := multiregion.Capability(kind)
	switch {
	case !ok:
		return fmt.Errorf("unknown store kind %d", int(kind))
	case !c.SingleWriter:
		return fmt.Errorf("%s is not a single-writer store", c.Name)
	}
	return nil
}

// check validates t against the Client's regions (in reports membership) and returns the
// indexes of the members outside them, which only allowPartial tolerates.
// The writer can never be left out: the store could take no write at all.
func check(t *Topology, kind multiregion.StoreKind, store string, in func(multiregion.Region) bool, allowPartial bool) ([]int, error) {
	bad := func(field string, r multiregion.Region, reason string, err error) error {
		return &TopologyError{Store: store, Region: r, Field: field, Reason: reason, Err: err}
	}
	capErr := func(rule error, detail string) error {
		return &multiregion.CapabilityError{Kind: kind, Rule: rule, Detail: detail, Regions: t.Regions()}
	}
	if t.Writer == "" {
		return nil, bad("Writer", "", "no writer", capErr(multiregion.ErrWriterRequired, "writes are accepted in one region only; name it"))
	}
	if err := t.Writer.Validate(); err != nil {
		return nil, bad("Writer", "", "malformed region name", err)
	}
	if !in(t.Writer) {
		return nil, bad("Writer", t.Writer, "writer outside the Client's regions", &multiregion.UnknownRegionError{Region: t.Writer})
	}
	var leftOut []int
	seen := make(map[multiregion.Region]bool, len(t.Members))
	for i, m := range t.Members {
		if err := checkMember(t, i, m, seen, bad, capErr); err != nil {
			return nil, err
		}
		seen[m.Region] = true
		if !in(m.Region) {
			if !allowPartial {
				return nil, bad(fmt.Sprintf("Members[%d].Region", i), m.Region, "member outside the Client's regions (Options.AllowPartial leaves such members out)",
					&multiregion.UnknownRegionError{Region: m.Region})
			}
			leftOut = append(leftOut, i)
		}
	}
	if !seen[t.Writer] {
		return nil, bad("Writer", t.Writer, "writer has no member", capErr(multiregion.ErrWriterNotListed, fmt.Sprintf("writer %s is not among the members", t.Writer)))
	}
	// The capability table counts the whole deployment, left-out members too.
	if err := multiregion.Validate(kind, t.Regions(), t.Writer); err != nil {
		return nil, bad("Members", "", "not allowed by the capability table", err)
	}
	return leftOut, nil
}

// checkMember validates member i of t. seen holds the regions of the
// members before it.
func checkMember(t *Topology, i int, m Member, seen map[multiregion.Region]bool,
	bad func(string, multiregion.Region, string, error) error, capErr func(error, string) error) error {
	field := func(name string) string { return fmt.Sprintf("Members[%d].%s", i, name) }
	if err := m.Region.Validate(); err != nil {
		return bad(field("Region"), "", "malformed region name", err)
	}
	if seen[m.Region] {
		return bad(field("Region"), m.Region, "duplicate member region", capErr(multiregion.ErrDuplicateRegion, fmt.Sprintf("%s listed twice", m.Region)))
	}
	switch {
	case m.Role != RoleWriter && m.Role != RoleReader:
		return bad(field("Role"), m.Region, "role not set (want RoleWriter or RoleReader), got "+m.Role.String(), nil)
	case m.Role == RoleWriter && m.Region != t.Writer:
		return bad(field("Role"), m.Region, fmt.Sprintf("two writers: Writer is %s but this member is also RoleWriter", t.Writer), nil)
	case m.Role != RoleWriter && m.Region == t.Writer:
		return bad(field("Role"), m.Region, "Writer names this region but its member is RoleReader", nil)
	case m.Lag < 0:
		return bad(field("Lag"), m.Region, "negative lag "+m.Lag.String(), nil)
	}
	if m.Endpoint == "" {
		return bad(field("Endpoint"), m.Region, "empty endpoint", nil)
	}
	if err := checkAddress(m.Endpoint); err != nil {
		return bad(field("Endpoint"), m.Region, err.Error(), nil)
	}
	if m.ReaderEndpoint != "" {
		if err := checkAddress(m.ReaderEndpoint); err != nil {
			return bad(field("ReaderEndpoint"), m.Region, err.Error(), nil)
		}
	}
	return nil
}

// errAddress is the reason given for an endpoint that may carry a secret.
// It never quotes the endpoint, which might hold a password.
var errAddress = errors.New("endpoint must be an address without credentials (no user info, no key=value DSN)")

// checkAddress rejects endpoints that look like they carry credentials:
// URL user info ("user:pass@host") or a key=value DSN ("host=x password=y").
// Hostnames never hold either, so no real address is refused.
func checkAddress(s string) error {
	if strings.ContainsRune(s, '@') || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return errAddress
	}
	return nil
}
