package globaltable_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// TestReplicaAddRemove: a removed replica answers ResourceNotFoundException,
// is not listed nor replicated to; added again it is backfilled, listed
// CREATING, then ACTIVE, and replicated to.
func TestReplicaAddRemove(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, euw1, usw2}})
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("a", 1, map[string]string{"v": "1"}))
	l.quiesce()
	must.NoError(t, l.emu.RemoveReplica(usw2))
	_, err := l.ddb[usw2].GetItem(ctx(t), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key("a", 1)})
	var rnf *types.ResourceNotFoundException
	must.True(t, errors.As(err, &rnf), "GetItem in a removed replica: %v", err)
	replicas := func(region string) map[string]types.ReplicaStatus {
		out, err := l.ddb[region].DescribeTable(ctx(t), &dynamodb.DescribeTableInput{TableName: aws.String("t")})
		must.NoError(t, err)
		m := map[string]types.ReplicaStatus{}
		for _, r := range out.Table.Replicas {
			m[aws.ToString(r.RegionName)] = r.ReplicaStatus
		}
		return m
	}
	must.Equal(t, map[string]types.ReplicaStatus{euw1: types.ReplicaStatusActive}, replicas(use1))
	l.put(use1, "t", itemWith("b", 1, map[string]string{"v": "while removed"}))
	l.quiesce()
	must.NoError(t, l.emu.AddReplica(ctx(t), usw2))
	must.Equal(t, types.ReplicaStatusCreating, replicas(use1)[usw2])
	must.Equal(t, "while removed", attr(l.get(usw2, "t", key("b", 1)), "v"), "backfilled")
	l.put(use1, "t", itemWith("c", 1, map[string]string{"v": "after add"}))
	l.quiesce()
	must.Equal(t, "after add", attr(l.get(usw2, "t", key("c", 1)), "v"), "replicated")
	must.NoError(t, l.emu.ActivateReplica(usw2))
	must.Equal(t, types.ReplicaStatusActive, replicas(use1)[usw2])
	must.True(t, l.emu.RemoveReplica(use1) == nil && l.emu.RemoveReplica(euw1) == nil, "remove two of three")
	must.True(t, l.emu.RemoveReplica(usw2) != nil, "the last ACTIVE replica cannot be removed")
}
