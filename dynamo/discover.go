package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/internal/route"
)

// discover fills the replica regions, mode and key schema from Options,
// asking DescribeTable for whatever Options leave open.
func (t *Table[T]) discover(ctx context.Context) error {
	o := &t.opts
	t.keys = keySchema{pk: o.PartitionKey, sk: o.SortKey}
	t.mode = o.Consistency
	if len(o.Replicas) > 0 && o.PartitionKey != "" {
		if t.mode == ConsistencyAuto {
			t.mode = MREC
		}
		t.witness = o.Witness
		return t.setReplicas(o.Replicas)
	}
	desc, asked, err := t.describeNearest(ctx)
	if err != nil {
		return err
	}
	if t.keys.pk == "" {
		for _, k := range desc.KeySchema {
			switch k.KeyType {
			case types.KeyTypeHash:
				t.keys.pk = aws.ToString(k.AttributeName)
			case types.KeyTypeRange:
				t.keys.sk = aws.ToString(k.AttributeName)
			}
		}
	}
	for _, d := range desc.AttributeDefinitions {
		t.keyTypes[aws.ToString(d.AttributeName)] = d.AttributeType
	}
	if err := t.resolveMode(desc); err != nil {
		return err
	}
	if len(o.Replicas) > 0 {
		t.witness = o.Witness
		return t.setReplicas(o.Replicas)
	}
	// On AWS (global tables 2019.11.21) Replicas lists the other regions
	// and GlobalTableWitnesses the MRSC witness: the full set is the region
	// asked plus those.
	replicas := []multiregion.Region{asked}
	for _, rd := range desc.Replicas {
		r := multiregion.Region(aws.ToString(rd.RegionName))
		if r != asked && r != "" {
			replicas = append(replicas, r)
		}
	}
	t.sortRegions(replicas) // in the Client's preference order, whichever region answered
	for _, w := range desc.GlobalTableWitnesses {
		t.witness = multiregion.Region(aws.ToString(w.RegionName))
	}
	return t.setReplicas(replicas)
}

// resolveMode reconciles Options.Consistency with MultiRegionConsistency.
func (t *Table[T]) resolveMode(desc *types.TableDescription) error {
	var found Consistency
	switch desc.MultiRegionConsistency {
	case types.MultiRegionConsistencyStrong:
		found = MRSC
	case types.MultiRegionConsistencyEventual:
		found = MREC
	}
	switch {
	case t.mode == ConsistencyAuto && found == ConsistencyAuto:
		t.mode = MREC
	case t.mode == ConsistencyAuto:
		t.mode = found
	case found != ConsistencyAuto && found != t.mode:
		return &OptionError{Field: "Consistency", Reason: fmt.Sprintf("%s requested, but table %s is %s (MultiRegionConsistency %s)", t.mode, t.name, found, desc.MultiRegionConsistency)}
	}
	return nil
}

// describeNearest calls DescribeTable in the nearest healthy region of the
// Client's network view (the table's Store does not exist yet), failing
// over in Rank order. The clients built here are kept.
func (t *Table[T]) describeNearest(ctx context.Context) (*types.TableDescription, multiregion.Region, error) {
	all, err := t.mr.Set()
	if err != nil {
		return nil, "", err
	}
	var attempts []multiregion.Attempt
	ranked := t.mr.Rank(all, nil)
	for _, r := range ranked {
		api := t.clients[r]
		if api == nil {
			api = t.opts.NewClient(r, t.mr.Config(r))
			t.clients[r] = api
		}
		start := time.Now()
		out, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.name)})
		if err = t.report(ctx, r, start, err, false); err == nil {
			if out.Table == nil {
				return nil, "", &OpError{Op: "dynamo.New", Region: r, Err: fmt.Errorf("DescribeTable returned no table")}
			}
			return out.Table, r, nil
		}
		var rnf *types.ResourceNotFoundException
		c, _ := route.ClassOf(err)
		switch {
		case errors.As(err, &rnf):
			return nil, "", &TableNotFoundError{Table: t.name, Region: r, Err: cause(err)}
		case c == route.Canceled:
			return nil, "", ctx.Err()
		case c == route.Caller:
			return nil, "", &OpError{Op: "dynamo.New", Region: r, Err: cause(err)}
		}
		attempts = append(attempts, multiregion.Attempt{Region: r, Err: &multiregion.RegionError{Region: r, Op: "dynamo.New", Err: cause(err)}})
	}
	if err := t.mr.Err(); err != nil {
		return nil, "", err
	}
	return nil, "", &multiregion.NoHealthyRegionError{Store: t.storeName(), Op: "dynamo.New", Allowed: ranked, Attempts: attempts}
}
