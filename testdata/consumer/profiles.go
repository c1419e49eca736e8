// Package profiles is a tiny user-profile service on a DynamoDB global
// table: the kind of service multiregion is for, and the consumer that
// proves the SDK's test kit (multiregiontest) works from another module.
// It imports public packages only.
package profiles

import (
	"context"
	"errors"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo"
)

// Table is the name of the service's global table, keyed by "user" (S).
const Table = "profiles"

// Profile is one user's profile.
type Profile struct {
	User string `dynamodbav:"user"`
	Name string `dynamodbav:"name"`
	City string `dynamodbav:"city"`
}

// ErrNotFound is returned by Lookup for a user with no profile.
var ErrNotFound = errors.New("profiles: not found")

// LostEdit is an edit of a profile that DynamoDB's last writer wins
// discarded: the service reports it so that someone can re-apply it.
type LostEdit struct {
	User   string
	Region multiregion.Region // where the lost edit was written
	Lost   Profile
	Kept   Profile
}

// Service stores profiles in the nearest healthy region. Safe for
// concurrent use.
type Service struct {
	table *dynamo.Table[Profile]
	lost  chan LostEdit
	quit  chan struct{} // closed by Close: stop delivering
	done  chan struct{} // closed when watch has returned
}

// New opens the service on a multiregion.Client. Close it when done.
func New(ctx context.Context, mr *multiregion.Client, optFns ...func(*dynamo.Options)) (*Service, error) {
	t, err := dynamo.New[Profile](ctx, mr, Table, optFns...)
	if err != nil {
		return nil, err
	}
	s := &Service{table: t, lost: make(chan LostEdit, 64), quit: make(chan struct{}), done: make(chan struct{})}
	go s.watch()
	return s, nil
}

// Save writes p in the nearest healthy region, or in the region given, and
// returns the region that took it.
func (s *Service) Save(ctx context.Context, p Profile, in ...multiregion.Region) (multiregion.Region, error) {
	var opts []func(*dynamo.CallOptions)
	if len(in) > 0 {
		opts = append(opts, dynamo.InRegion(in[0]))
	}
	m, err := s.table.Put(ctx, p, opts...)
	return m.Origin, err
}

// Lookup reads user's profile from the nearest healthy region and returns
// the region that answered.
func (s *Service) Lookup(ctx context.Context, user string) (Profile, multiregion.Region, error) {
	it, err := s.table.Get(ctx, Profile{User: user})
	if errors.Is(err, dynamo.ErrNotFound) {
		return Profile{}, "", ErrNotFound
	}
	return it.Value, it.Region, err
}

// LostEdits delivers every edit last writer wins discarded, once.
func (s *Service) LostEdits() <-chan LostEdit { return s.lost }

// Close stops the service. Lost edits not yet received are dropped.
func (s *Service) Close() error {
	close(s.quit)
	err := s.table.Close()
	<-s.done
	return err
}

// watch turns the table's conflicts into lost edits until the table closes
// its channel (a table with no detector, MRSC, has none).
func (s *Service) watch() {
	defer close(s.done)
	defer close(s.lost)
	conflicts := s.table.Conflicts()
	if conflicts == nil {
		return
	}
	for c := range conflicts {
		lost, _ := dynamo.DecodeVersion[Profile](c.Lost)
		kept, _ := dynamo.DecodeVersion[Profile](c.Winner)
		select {
		case s.lost <- LostEdit{User: lost.User, Region: c.Lost.Origin, Lost: lost, Kept: kept}:
		case <-s.quit: // keep draining, so the table's detector never stalls
		}
	}
}
