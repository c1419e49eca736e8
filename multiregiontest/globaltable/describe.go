package globaltable

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"
)

// accountID is the fake account every ARN is built with.
const accountID = "000000000000"

func tableARN(region, table string) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, accountID, table)
}

func streamARN(region, table, label string) string {
	return tableARN(region, table) + "/stream/" + label
}

// describe builds the TableDescription this region reports: minidyn's key
// schema, indexes and item count, plus what a global table adds on AWS.
//
// Replicas lists the replicas in the OTHER regions, as DescribeTable does on
// AWS (global tables version 2019.11.21): the region answering is the table
// itself. A witness is not a replica; it is reported in
// GlobalTableWitnesses. Code that wants the full replica set should take the
// union of the region it asked and Replicas.
func (h *regionHandler) describe(ctx context.Context, meta *tableMeta, status ddbtypes.TableStatus) (*ddbtypes.TableDescription, error) {
	r, e := h.r, h.e
	r.mu.Lock()
	out, err := r.db.DescribeTable(ctx, &server.DescribeTableInput{TableName: aws.String(meta.name)})
	r.mu.Unlock()
	if err != nil {
		return nil, err
	}
	td := &ddbtypes.TableDescription{}
	if base, ok := out.Table.(*ddbtypes.TableDescription); ok && base != nil {
		*td = *base
	}
	created := meta.created
	td.TableName = aws.String(meta.name)
	td.TableArn = aws.String(tableARN(r.name, meta.name))
	td.TableId = aws.String(fmt.Sprintf("00000000-0000-4000-8000-%012d", meta.incarnation))
	td.TableStatus = status
	td.CreationDateTime = &created
	td.AttributeDefinitions = meta.attrDefs
	td.KeySchema = meta.keySchema
	td.BillingModeSummary = &ddbtypes.BillingModeSummary{BillingMode: meta.billing}
	td.TableSizeBytes = aws.Int64(0)
	td.StreamSpecification = &ddbtypes.StreamSpecification{
		StreamEnabled:  aws.Bool(true),
		StreamViewType: ddbtypes.StreamViewTypeNewAndOldImages,
	}
	td.LatestStreamLabel = aws.String(meta.streamLabel)
	td.LatestStreamArn = aws.String(streamARN(r.name, meta.name, meta.streamLabel))
	if len(e.regions) == 1 && e.opts.Witness == "" {
		return td, nil // a single-region table is not a global table
	}
	td.GlobalTableVersion = aws.String("2019.11.21")
	td.MultiRegionConsistency = ddbtypes.MultiRegionConsistency(e.opts.Mode.String())
	td.Replicas = []ddbtypes.ReplicaDescription{}
	for _, o := range e.others(r) {
		td.Replicas = append(td.Replicas, ddbtypes.ReplicaDescription{
			RegionName:    aws.String(o.name),
			ReplicaStatus: o.replicaStatus(),
		})
	}
	if e.opts.Witness != "" {
		td.GlobalTableWitnesses = []ddbtypes.GlobalTableWitnessDescription{{
			RegionName:    aws.String(e.opts.Witness),
			WitnessStatus: ddbtypes.WitnessStatusActive,
		}}
	}
	return td, nil
}
