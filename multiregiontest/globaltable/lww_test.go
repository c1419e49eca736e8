package globaltable_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/regionkit/multiregion/multiregiontest/globaltable"
)

// Two regions write one key before either sees the other's write: after
// replication every region holds the later write, and only the earlier one
// is lost.
func TestConcurrentWritesLastWriterWins(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2, euw1}})
	l.createTable(use1, "t")
	l.emu.PauseReplication(use1)
	l.emu.PauseReplication(usw2)

	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "from-use1"}))
	l.put(usw2, "t", itemWith("k", 1, map[string]string{"v": "from-usw2"})) // later timestamp

	l.emu.ResumeReplication(use1)
	l.emu.ResumeReplication(usw2)
	l.quiesce()
	for _, region := range l.emu.Regions() {
		must.Equal(t, "from-usw2", attr(l.get(region, "t", key("k", 1)), "v"), region)
	}

	writes := l.emu.Writes()
	must.Len(t, writes, 2)
	must.Equal(t, "", writes[0].Replaced, "use1 had no version")
	must.Equal(t, "", writes[1].Replaced, "usw2 had not seen use1's write")
	must.True(t, writes[0].Timestamp < writes[1].Timestamp)
	lost := l.emu.LostWrites("t")
	must.Len(t, lost, 1)
	must.Equal(t, writes[0], lost[0])
	must.Equal(t, use1, lost[0].Region)
	must.Equal(t, globaltable.WritePut, lost[0].Kind)
	must.Equal(t, `{"pk":{"S":"k"},"sk":{"N":"1"}}`, lost[0].Key)
}

// An older delete arriving after a newer put is discarded; a newer delete
// beats an older put (tombstones carry timestamps).
func TestDeleteTombstoneParticipatesInLWW(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2}})
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "0"}))
	l.quiesce()
	l.emu.PauseReplication(use1)
	l.emu.PauseReplication(usw2)

	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "older"}))
	_, err := l.ddb[usw2].DeleteItem(ctx(t), &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("k", 1)})
	must.NoError(t, err)

	l.emu.ResumeReplication(use1)
	l.emu.ResumeReplication(usw2)
	l.quiesce()
	must.Nil(t, l.get(use1, "t", key("k", 1)), "the newer delete wins in use1")
	must.Nil(t, l.get(usw2, "t", key("k", 1)), "the older put is not resurrected in usw2")
	lost := l.emu.LostWrites("t")
	must.Len(t, lost, 1)
	must.Equal(t, globaltable.WritePut, lost[0].Kind)
	must.Equal(t, use1, lost[0].Region)
}

// Writes that each wait for replication form one chain: nothing is lost.
func TestSequentialCrossRegionWritesLoseNothing(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2, euw1}})
	l.createTable(use1, "t")
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "1"}))
	l.quiesce()
	l.put(usw2, "t", itemWith("k", 1, map[string]string{"v": "2"}))
	l.quiesce()
	_, err := l.ddb[euw1].DeleteItem(ctx(t), &dynamodb.DeleteItemInput{TableName: aws.String("t"), Key: key("k", 1)})
	must.NoError(t, err)
	l.quiesce()
	l.put(use1, "t", itemWith("k", 1, map[string]string{"v": "4"}))
	l.quiesce()

	must.Empty(t, l.emu.LostWrites("t"))
	writes := l.emu.Writes()
	must.Len(t, writes, 4)
	for i := 1; i < len(writes); i++ {
		must.Equal(t, writes[i-1].ID, writes[i].Replaced, "write %d replaced its predecessor", i)
	}
	for _, region := range l.emu.Regions() {
		must.Equal(t, "4", attr(l.get(region, "t", key("k", 1)), "v"), region)
	}
}

// Many clients in all regions hammer one key at once: regions converge on
// the write with the latest timestamp, and every write is either on the
// winner's chain or reported lost.
func TestConcurrentHammeringConverges(t *testing.T) {
	l := newLab(t, globaltable.Options{Regions: []string{use1, usw2, euw1}})
	l.createTable(use1, "t")
	const perRegion = 15
	var wg sync.WaitGroup
	for _, region := range l.emu.Regions() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perRegion {
				_, err := l.ddb[region].PutItem(ctx(t), &dynamodb.PutItemInput{
					TableName: aws.String("t"),
					Item:      itemWith("k", 1, map[string]string{"v": fmt.Sprintf("%s-%d", region, i)}),
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	l.quiesce()

	writes := l.emu.Writes()
	must.Len(t, writes, 3*perRegion)
	winner := writes[len(writes)-1] // Writes is in timestamp order
	want := attr(l.get(winner.Region, "t", key("k", 1)), "v")
	for _, region := range l.emu.Regions() {
		must.Equal(t, want, attr(l.get(region, "t", key("k", 1)), "v"), region)
	}
	byID := map[string]globaltable.WriteRecord{}
	for _, w := range writes {
		byID[w.ID] = w
	}
	chain := 0
	for w, ok := winner, true; ok; w, ok = byID[w.Replaced] {
		chain++
	}
	must.Equal(t, len(writes), chain+len(l.emu.LostWrites("t")))
}
