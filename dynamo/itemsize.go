package dynamo

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
)

// MaxItemSize is DynamoDB's item size limit: 400 KB, attribute names
// included (UTF-8 bytes of names plus values).
const MaxItemSize = 400 * 1024

// hlcWidth is the length of HLC.String.
const hlcWidth = 19 + 1 + 10

// ItemTooLargeError is an item that, with the metadata the Table stamps on
// it, would exceed DynamoDB's 400 KB: returned before any request.
// Metadata is the share of Size the stamp takes (names and values, at its
// largest: a full lineage).
type ItemTooLargeError struct {
	Op       string
	Size     int // bytes, DynamoDB's sizing, metadata included
	Metadata int // bytes of Size that are the Table's metadata
	Limit    int // MaxItemSize
}

func (e *ItemTooLargeError) Error() string {
	return fmt.Sprintf("%s: item is %d bytes with the Table's metadata (%d bytes of it), over DynamoDB's limit of %d", e.Op, e.Size, e.Metadata, e.Limit)
}

// Is matches ErrInvalidInput.
func (e *ItemTooLargeError) Is(target error) bool { return target == ErrInvalidInput }

// itemSize is an item's size by DynamoDB's rules: for each attribute, the
// UTF-8 length of its name plus the size of its value.
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

// valueSize follows DynamoDB's documented sizing: strings and binaries by
// length, numbers about one byte per two significant digits plus one,
// booleans and nulls one byte, lists and maps 3 bytes plus their elements
// (plus one byte each; a map's names count too).
func valueSize(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberN:
		return numberSize(x.Value)
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range x.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range x.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range x.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range x.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range x.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

func numberSize(s string) int {
	digits := strings.TrimLeft(strings.TrimLeft(s, "-+"), "0.")
	digits = strings.ReplaceAll(digits, ".", "")
	if i := strings.IndexAny(digits, "eE"); i >= 0 {
		digits = digits[:i]
	}
	return (len(digits)+1)/2 + 1
}

// maxMetaSize is the most the stamp adds to an item (nextMeta and stamp):
// version, origin, HLC, prev and a full lineage, names included; a
// tombstone's del and exp are added only to tombstones, which hold a key.
func (t *Table[T]) maxMetaSize(longestRegion int) int {
	const id = 32 // newVersionID
	n := t.meta
	lin := t.opts.LineageDepth*(id+1) - 1
	return len(n.ver) + id + len(n.origin) + longestRegion + len(n.hlc) + hlcWidth + len(n.prev) + id + len(n.lin) + max(lin, 0)
}

// checkSize fails an item that would exceed MaxItemSize once stamped.
func (t *Table[T]) checkSize(op string, av map[string]types.AttributeValue) error {
	size := itemSize(av)
	if size+t.metaBudget <= MaxItemSize {
		return nil
	}
	return &ItemTooLargeError{Op: op, Size: size + t.metaBudget, Metadata: t.metaBudget, Limit: MaxItemSize}
}

// longestName is the length of the longest region name.
func longestName(regions []multiregion.Region) int {
	n := 0
	for _, r := range regions {
		n = max(n, len(r))
	}
	return n
}
