package globaltable_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

func TestMRECPutReadableElsewhereOnlyAfterReplication(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2, euw1}, ReplicationDelay: time.Hour})
	l.createTable(use1, "t")

	l.put(use1, "t", itemWith("a", 1, map[string]string{"v": "x"}))

	must.Equal(t, "x", attr(l.get(use1, "t", key("a", 1)), "v"), "the accepting region reads its own write")
	must.Nil(t, l.get(usw2, "t", key("a", 1)), "not replicated before the delay")
	must.Nil(t, l.get(euw1, "t", key("a", 1)), "not replicated before the delay")

	l.quiesce() // applies pending replication now instead of in an hour
	must.Equal(t, "x", attr(l.get(usw2, "t", key("a", 1)), "v"))
	must.Equal(t, "x", attr(l.get(euw1, "t", key("a", 1)), "v"))
}

func TestMRECZeroDelayReplicatesWithoutQuiesce(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("a", 1, map[string]string{"v": "x"}))
	must.Eventually(t, func() bool {
		return attr(l.get(usw2, "t", key("a", 1)), "v") == "x"
	}, 10*time.Second, time.Millisecond, "zero delay still replicates, asynchronously")
}

func TestSetReplicationDelayAppliesToLaterWrites(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	l.emu.SetReplicationDelay(time.Hour)
	l.put(use1, "t", itemWith("a", 1, nil))
	must.Nil(t, l.get(usw2, "t", key("a", 1)))
	l.quiesce()
	must.NotNil(t, l.get(usw2, "t", key("a", 1)))
}

func TestPauseHoldsReplicationToOneRegion(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2, euw1}})
	l.createTable(use1, "t")
	l.emu.PauseReplication(usw2)

	l.put(use1, "t", itemWith("a", 1, nil))
	err := l.emu.Quiesce(ctx(t))
	must.ErrorIs(t, err, globaltable.ErrReplicationPaused, "Quiesce reports writes held by a paused region")
	must.ErrorContains(t, err, usw2)
	must.NotNil(t, l.get(euw1, "t", key("a", 1)), "other regions were drained")
	must.Nil(t, l.get(usw2, "t", key("a", 1)), "the paused region holds nothing yet")

	l.emu.ResumeReplication(usw2)
	l.quiesce()
	must.NotNil(t, l.get(usw2, "t", key("a", 1)))
}

func TestReplicatedDeleteAndUpdate(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}, ReplicationDelay: time.Hour})
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("a", 1, map[string]string{"v": "1"}))
	l.quiesce()

	_, err := l.ddb[usw2].UpdateItem(ctx(t), &dynamodb.UpdateItemInput{
		TableName:        aws.String("t"),
		Key:              key("a", 1),
		UpdateExpression: aws.String("SET w = :w"),
		ExpressionAttributeValues: map[string]dynamodbAV{
			":w": strAV("2"),
		},
	})
	must.NoError(t, err)
	l.quiesce()
	got := l.get(use1, "t", key("a", 1))
	must.Equal(t, "1", attr(got, "v"), "the full new image replicates, not just the change")
	must.Equal(t, "2", attr(got, "w"))

	_, err = l.ddb[use1].DeleteItem(ctx(t), &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("a", 1)})
	must.NoError(t, err)
	must.NotNil(t, l.get(usw2, "t", key("a", 1)))
	l.quiesce()
	must.Nil(t, l.get(usw2, "t", key("a", 1)))
}

func TestCreateAndDeleteTableAreGlobal(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2, euw1}})
	l.createTable(usw2, "t")
	for _, region := range l.emu.Regions() {
		out, err := l.ddb[region].ListTables(ctx(t), &dynamodb.ListTablesInput{})
		must.NoError(t, err)
		must.Equal(t, []string{"t"}, out.TableNames, region)
	}
	_, err := l.ddb[euw1].DeleteTable(ctx(t), &dynamodb.DeleteTableInput{TableName: aws.String("t")})
	must.NoError(t, err)
	for _, region := range l.emu.Regions() {
		out, err := l.ddb[region].ListTables(ctx(t), &dynamodb.ListTablesInput{})
		must.NoError(t, err)
		must.Empty(t, out.TableNames, region)
	}
}

func TestQuiesceAfterCloseAndStartAfterClose(t *testing.T) {
	emu, err := globaltable.New(globaltable.Options{Regions: []string{use1}})
	must.NoError(t, err)
	must.NoError(t, emu.Close())
	must.NoError(t, emu.Close(), "Close is idempotent")
	_, err = emu.Start()
	must.ErrorIs(t, err, globaltable.ErrClosed)
}
