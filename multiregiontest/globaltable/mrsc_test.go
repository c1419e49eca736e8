package globaltable_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

func mrscLab(t *testing.T, window time.Duration) *lab {
	l := newLab(t, globaltable.Options{
		Regions: []string{use1, use2, usw2}, Mode: globaltable.MRSC, MRSCWriteWindow: window,
	})
	l.createTable(use1, "t")
	return l
}

func TestMRSCConflictingWriteInAnotherRegion(t *testing.T) {
	l := mrscLab(t, time.Minute) // a long window makes "concurrent" deterministic
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "1"}))

	_, err := l.ddb[use2].PutItem(ctx(t), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: itemWith("k", 1, nil)})
	var conflict *types.ReplicatedWriteConflictException
	must.ErrorAs(t, err, &conflict, "the real SDK decodes the typed conflict")

	_, err = l.ddb[usw2].DeleteItem(ctx(t), &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("k", 1)})
	must.ErrorAs(t, err, &conflict, "deletes conflict too")

	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "2"})) // same region: no conflict
	l.put(use2, "t", itemWith("k", 2, nil))                         // other item: no conflict

	for _, region := range l.emu.Regions() {
		must.Equal(t, "2", attr(l.get(region, "t", key("k", 1)), "v"), region)
	}
	must.Len(t, l.emu.Writes(), 3, "rejected writes are not accepted writes")
}

func TestMRSCWindowExpires(t *testing.T) {
	l := mrscLab(t, time.Nanosecond)
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "1"}))
	l.put(use2, "t", itemWith("k", 1, map[string]string{"v": "2"}))
	l.put(usw2, "t", itemWith("k", 1, map[string]string{"v": "3"}))
	for _, region := range l.emu.Regions() {
		must.Equal(t, "3", attr(l.get(region, "t", key("k", 1)), "v"), region)
	}
	must.Empty(t, l.emu.LostWrites("t"))
}

func TestMRSCStronglyConsistentReadEverywhereRightAfterWrite(t *testing.T) {
	l := mrscLab(t, 0) // default window
	for i := range 20 {
		region := l.emu.Regions()[i%3]
		l.put(region, "t", itemWith("k", i, map[string]string{"v": "x"}))
		for _, other := range l.emu.Regions() {
			must.NotNil(t, l.get(other, "t", key("k", i)), "write %d in %s visible in %s", i, region, other)
		}
	}
}

func TestMRSCRejectsTransactions(t *testing.T) {
	l := mrscLab(t, 0)
	_, err := l.ddb[use1].TransactWriteItems(ctx(t), &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String("t"), Item: key("k", 1)}}},
	})
	var apiErr smithy.APIError
	must.True(t, errors.As(err, &apiErr))
	must.Equal(t, "ValidationException", apiErr.ErrorCode())
	must.Nil(t, l.get(use1, "t", key("k", 1)), "nothing was written")

	_, err = l.ddb[use2].TransactGetItems(ctx(t), &dynamodb.TransactGetItemsInput{
		TransactItems: []types.TransactGetItem{{Get: &types.Get{TableName: aws.String("t"), Key: key("k", 1)}}},
	})
	must.True(t, errors.As(err, &apiErr))
	must.Equal(t, "ValidationException", apiErr.ErrorCode())
}

func TestMRSCBatchWriteConflictIsUnprocessed(t *testing.T) {
	l := mrscLab(t, time.Minute)
	l.put(use1, "t", itemWith("k", 1, nil))
	out, err := l.ddb[use2].BatchWriteItem(ctx(t), &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{"t": {
			{PutRequest: &types.PutRequest{Item: itemWith("k", 1, map[string]string{"v": "batch"})}},
			{PutRequest: &types.PutRequest{Item: itemWith("k", 2, map[string]string{"v": "batch"})}},
		}},
	})
	must.NoError(t, err)
	must.Len(t, out.UnprocessedItems["t"], 1, "the conflicting put is left for a retry")
	must.Equal(t, "", attr(l.get(usw2, "t", key("k", 1)), "v"))
	must.Equal(t, "batch", attr(l.get(usw2, "t", key("k", 2)), "v"))
}

func TestMRSCFailedConditionalWriteHoldsNothing(t *testing.T) {
	l := mrscLab(t, time.Minute)
	_, err := l.ddb[use1].PutItem(ctx(t), &dynamodb.PutItemInput{
		TableName: aws.String("t"), Item: itemWith("k", 1, nil),
		ConditionExpression: aws.String("attribute_exists(pk)"),
	})
	var ccf *types.ConditionalCheckFailedException
	must.ErrorAs(t, err, &ccf)
	l.put(use2, "t", itemWith("k", 1, nil)) // no conflict: the failed write replicated nothing
}

// Clients in every region hammer one item: each write either succeeds or
// gets the typed conflict, and all replicas end identical.
func TestMRSCConcurrentWritersConverge(t *testing.T) {
	l := mrscLab(t, time.Millisecond)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, conflicts := 0, 0
	for _, region := range l.emu.Regions() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				_, err := l.ddb[region].PutItem(ctx(t), &dynamodb.PutItemInput{
					TableName: aws.String("t"), Item: itemWith("k", 1, map[string]string{"v": fmt.Sprint(region, i)}),
				})
				var conflict *types.ReplicatedWriteConflictException
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.As(err, &conflict):
					conflicts++
				default:
					t.Error(err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	must.Equal(t, 60, ok+conflicts)
	must.Len(t, l.emu.Writes(), ok)
	want := attr(l.get(use1, "t", key("k", 1)), "v")
	for _, region := range l.emu.Regions() {
		must.Equal(t, want, attr(l.get(region, "t", key("k", 1)), "v"), region)
	}
}
