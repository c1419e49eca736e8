package multiregiontest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// The mock answers the real SDK client over the query protocol.
func TestElastiCacheControlPlane(t *testing.T) {
	ctx := context.Background()
	var hooked []string
	lab := multiregiontest.Start(t, []string{"us-east-1", "eu-west-1"}, multiregiontest.WithElastiCache(func(o *multiregiontest.ElastiCacheOptions) {
		o.GlobalReplicationGroupID = "ldgnf-x"
		o.Endpoints = map[string]string{"us-east-1": "east.example:6379", "eu-west-1": "west.example:6380"}
		o.ReaderEndpoints = map[string]string{"us-east-1": "east-ro.example:6379"}
		o.OnFailover = func(_ context.Context, from, to string) error {
			hooked = append(hooked, from+">"+to)
			if to == "refuse-me" {
				return errors.New("no")
			}
			return nil
		}
	}))
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(), func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		t.Fatal(err)
	}
	defer mr.Close()
	east := elasticache.NewFromConfig(mr.Config("us-east-1"))
	west := elasticache.NewFromConfig(mr.Config("eu-west-1"))

	out, err := east.DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{
		GlobalReplicationGroupId: aws.String("ldgnf-x"), ShowMemberInfo: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.GlobalReplicationGroups) != 1 || len(out.GlobalReplicationGroups[0].Members) != 2 {
		t.Fatalf("groups = %+v", out.GlobalReplicationGroups)
	}
	m := out.GlobalReplicationGroups[0].Members
	if aws.ToString(m[0].Role) != "PRIMARY" || aws.ToString(m[0].ReplicationGroupRegion) != "us-east-1" || aws.ToString(m[1].Role) != "SECONDARY" {
		t.Errorf("members = %+v %+v", m[0], m[1])
	}
	// Without ShowMemberInfo, no members, as AWS.
	out, err = east.DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{GlobalReplicationGroupId: aws.String("ldgnf-x")})
	if err != nil || len(out.GlobalReplicationGroups[0].Members) != 0 {
		t.Errorf("without ShowMemberInfo: %v %+v", err, out)
	}
	_, err = east.DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{GlobalReplicationGroupId: aws.String("nope")})
	var nf *types.GlobalReplicationGroupNotFoundFault
	if !errors.As(err, &nf) {
		t.Errorf("unknown group: %v", err)
	}

	rg, err := east.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("ldgnf-x-us-east-1")})
	if err != nil {
		t.Fatal(err)
	}
	ng := rg.ReplicationGroups[0].NodeGroups[0]
	if aws.ToString(ng.PrimaryEndpoint.Address) != "east.example" || aws.ToInt32(ng.PrimaryEndpoint.Port) != 6379 ||
		aws.ToString(ng.ReaderEndpoint.Address) != "east-ro.example" {
		t.Errorf("node group = %+v", ng)
	}
	// A member's group is described in its own region only.
	_, err = west.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("ldgnf-x-us-east-1")})
	var rnf *types.ReplicationGroupNotFoundFault
	if !errors.As(err, &rnf) {
		t.Errorf("another region's group: %v", err)
	}
	lab.ElastiCache().SetClusterMode("eu-west-1", true)
	rg, err = west.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String("ldgnf-x-eu-west-1")})
	if err != nil || aws.ToString(rg.ReplicationGroups[0].ConfigurationEndpoint.Address) != "west.example" || !aws.ToBool(rg.ReplicationGroups[0].ClusterEnabled) {
		t.Errorf("cluster mode: %v %+v", err, rg)
	}

	_, err = west.FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{
		GlobalReplicationGroupId: aws.String("ldgnf-x"), PrimaryRegion: aws.String("eu-west-1"),
		PrimaryReplicationGroupId: aws.String(lab.ElastiCache().ReplicationGroupID("eu-west-1"))})
	if err != nil {
		t.Fatal(err)
	}
	if lab.ElastiCache().Primary() != "eu-west-1" || len(hooked) != 1 || hooked[0] != "us-east-1>eu-west-1" {
		t.Errorf("after failover: primary %s, hook %v", lab.ElastiCache().Primary(), hooked)
	}
	_, err = west.FailoverGlobalReplicationGroup(ctx, &elasticache.FailoverGlobalReplicationGroupInput{
		GlobalReplicationGroupId: aws.String("ldgnf-x"), PrimaryRegion: aws.String("us-east-1"),
		PrimaryReplicationGroupId: aws.String("wrong")})
	if err == nil {
		t.Error("a failover to a wrong replication group was accepted")
	}
	if f := lab.ElastiCache().Failovers(); len(f) != 1 || lab.ElastiCache().Calls("FailoverGlobalReplicationGroup") != 2 {
		t.Errorf("failovers = %+v", f)
	}
	// Injected faults answer in the query protocol's error shape.
	lab.Endpoint("us-east-1").SetErrorRate(1)
	_, err = east.DescribeGlobalReplicationGroups(ctx, &elasticache.DescribeGlobalReplicationGroupsInput{GlobalReplicationGroupId: aws.String("ldgnf-x")})
	if err == nil {
		t.Error("an injected failure succeeded")
	}
}
