package globaltable_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

func replicaNames(td *types.TableDescription) []string {
	var out []string
	for _, r := range td.Replicas {
		out = append(out, aws.ToString(r.RegionName))
		if r.ReplicaStatus != types.ReplicaStatusActive {
			return nil
		}
	}
	return out
}

func TestDescribeTableMREC(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2, euw1}})
	l.createTable(use1, "t")
	out, err := l.ddb[usw2].DescribeTable(ctx(t), &dynamodb.DescribeTableInput{TableName: aws.String("t")})
	must.NoError(t, err)
	td := out.Table
	must.Equal(t, []string{use1, euw1}, replicaNames(td), "Replicas lists the other regions, all ACTIVE")
	must.Equal(t, types.MultiRegionConsistencyEventual, td.MultiRegionConsistency)
	must.Equal(t, types.TableStatusActive, td.TableStatus)
	must.Equal(t, "2019.11.21", aws.ToString(td.GlobalTableVersion))
	must.Equal(t, "arn:aws:dynamodb:us-west-2:000000000000:table/t", aws.ToString(td.TableArn))
	must.True(t, aws.ToBool(td.StreamSpecification.StreamEnabled))
	must.Equal(t, types.StreamViewTypeNewAndOldImages, td.StreamSpecification.StreamViewType)
	must.True(t, strings.HasPrefix(aws.ToString(td.LatestStreamArn), "arn:aws:dynamodb:us-west-2:000000000000:table/t/stream/"))
	must.Len(t, td.KeySchema, 2)
	must.Len(t, td.AttributeDefinitions, 2)
	must.Empty(t, td.GlobalTableWitnesses)
}

func TestDescribeTableMRSCWithWitness(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, use2}, Witness: usw2, Mode: globaltable.MRSC})
	l.createTable(use2, "t")
	out, err := l.ddb[use1].DescribeTable(ctx(t), &dynamodb.DescribeTableInput{TableName: aws.String("t")})
	must.NoError(t, err)
	must.Equal(t, []string{use2}, replicaNames(out.Table), "the witness is not a replica")
	must.Equal(t, types.MultiRegionConsistencyStrong, out.Table.MultiRegionConsistency)
	must.Len(t, out.Table.GlobalTableWitnesses, 1)
	must.Equal(t, usw2, aws.ToString(out.Table.GlobalTableWitnesses[0].RegionName))
	must.Equal(t, types.WitnessStatusActive, out.Table.GlobalTableWitnesses[0].WitnessStatus)
	must.Equal(t, "", l.srv.URL(usw2), "the witness has no endpoint")
}

func TestWitnessHandlerServesNothing(t *testing.T) {
	emu, err := globaltable.New(globaltable.Options{Regions: []string{use1, use2}, Witness: usw2, Mode: globaltable.MRSC})
	must.NoError(t, err)
	defer emu.Close()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(`{"TableName":"t"}`))
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.DescribeTable")
	emu.Handler(usw2).ServeHTTP(rec, req)
	must.Equal(t, http.StatusBadRequest, rec.Code)
	must.True(t, strings.Contains(rec.Body.String(), "#ResourceNotFoundException"), rec.Body.String())
}

func TestSingleRegionTableIsNotGlobal(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1}})
	l.createTable(use1, "t")
	out, err := l.ddb[use1].DescribeTable(ctx(t), &dynamodb.DescribeTableInput{TableName: aws.String("t")})
	must.NoError(t, err)
	must.Empty(t, out.Table.Replicas)
	must.Equal(t, types.MultiRegionConsistency(""), out.Table.MultiRegionConsistency)
}

func TestTableErrorsAreTyped(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	_, err := l.ddb[use1].DescribeTable(ctx(t), &dynamodb.DescribeTableInput{TableName: aws.String("none")})
	var nf *types.ResourceNotFoundException
	must.ErrorAs(t, err, &nf)
	_, err = l.ddb[usw2].GetItem(ctx(t), &dynamodb.GetItemInput{TableName: aws.String("none"), Key: key("a", 1)})
	must.ErrorAs(t, err, &nf)
	_, err = l.ddb[usw2].PutItem(ctx(t), &dynamodb.PutItemInput{TableName: aws.String("none"), Item: key("a", 1)})
	must.ErrorAs(t, err, &nf)

	l.createTable(use1, "t")
	_, err = l.ddb[usw2].CreateTable(ctx(t), &dynamodb.CreateTableInput{
		TableName:            aws.String("t"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	var inUse *types.ResourceInUseException
	must.ErrorAs(t, err, &inUse, "the table already exists in every region")
}

func TestOptionsValidation(t *testing.T) {
	cases := map[string]struct {
		opts  globaltable.Options
		field string
	}{
		"no regions":         {globaltable.Options{}, "Regions"},
		"duplicate region":   {globaltable.Options{Regions: []string{use1, use1}}, "Regions"},
		"negative delay":     {globaltable.Options{Regions: []string{use1}, ReplicationDelay: -1}, "ReplicationDelay"},
		"bad mode":           {globaltable.Options{Regions: []string{use1}, Mode: 7}, "Mode"},
		"MREC witness":       {globaltable.Options{Regions: []string{use1, use2}, Witness: usw2}, "Witness"},
		"MRSC two regions":   {globaltable.Options{Regions: []string{use1, use2}, Mode: globaltable.MRSC}, "Regions"},
		"MRSC mixed sets":    {globaltable.Options{Regions: []string{use1, use2, euw1}, Mode: globaltable.MRSC}, "Regions"},
		"MRSC witness twice": {globaltable.Options{Regions: []string{use1, use2}, Witness: use2, Mode: globaltable.MRSC}, "Witness"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := globaltable.New(c.opts)
			must.ErrorIs(t, err, globaltable.ErrInvalidOptions)
			var oe *globaltable.OptionsError
			must.True(t, errors.As(err, &oe))
			must.Equal(t, c.field, oe.Field)
		})
	}
	emu, err := globaltable.New(globaltable.Options{Regions: []string{use1, use2, usw2}, Mode: globaltable.MRSC})
	must.NoError(t, err, "three replicas in one set is valid MRSC")
	must.NoError(t, emu.Close())
}
