package detect_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion/dynamo/detect"
)

// versions reads a version id from "v" and its lineage from "lin".
func versions(item map[string]types.AttributeValue) (string, []string) {
	v, _ := item["v"].(*types.AttributeValueMemberS)
	if v == nil {
		return "", nil
	}
	var lin []string
	if l, _ := item["lin"].(*types.AttributeValueMemberS); l != nil && l.Value != "" {
		lin = strings.Split(l.Value, ",")
	}
	return v.Value, lin
}

func image(v, lin string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"v": &types.AttributeValueMemberS{Value: v}, "lin": &types.AttributeValueMemberS{Value: lin}}
}

// Two regions' streams show version b (written in us-east-1 after a)
// replaced by c (written in eu-west-1 after a, without seeing b): b is
// lost, reported once although both streams show it.
func Example() {
	d := detect.New(detect.Config{Versions: versions, Settle: time.Second})
	once := detect.NewOnce(1024)
	now := time.Unix(1_700_000_000, 0)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		d.Observe(detect.Record{Region: region, Seq: "1", Event: detect.Modify, Old: image("b", "a"), New: image("c", "a")}, now)
	}
	fmt.Println("due before the settle window:", len(d.Due(now, false)))
	for _, l := range d.Due(now.Add(time.Second), false) {
		if l, ok := once.Filter(l); ok {
			fmt.Printf("%s lost to %s, seen in %s\n", l.Lost, l.Winner, l.Record.Region)
			l.Resolve()
		}
	}
	// Output:
	// due before the settle window: 0
	// b lost to c, seen in us-east-1
}
