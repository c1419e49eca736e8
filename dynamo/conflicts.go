package dynamo

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/dynamo/detect"
)

// Conflict is a write that last writer wins discarded (MREC). DynamoDB
// logs nothing when it resolves concurrent writes to one item in two
// regions; the Table finds them in the replicas' streams: a MODIFY record
// whose new image does not descend from its old image (the old version is
// neither the new one's Prev nor in its Lineage) shows a version
// overwritten by a writer that never saw it. A plain value, safe to copy.
type Conflict struct {
	Table string
	// Key holds the key attributes of the item.
	Key map[string]types.AttributeValue
	// Lost is the discarded version, Winner the one that overwrote it
	// where it was seen (which may itself lose later: reported separately).
	// Either may be a delete: a tombstone, with Meta.Deleted set and an
	// Item holding only the key and metadata (tombstone.go).
	Lost, Winner Version
	// LostAncestors are versions lost along with Lost: its ancestors the
	// winner never saw (a local update of a version that then lost). Each
	// id is reported once, here or as some Conflict's Lost.
	LostAncestors []string
	// SeenIn is the region whose stream showed the overwrite. The same
	// loss seen in other regions later is not reported again.
	SeenIn multiregion.Region
	// SequenceNumber is the stream record's, in SeenIn's stream.
	SequenceNumber string
	// DetectedAt is when the detector read the record.
	DetectedAt time.Time
}

// LostWrites is how many writes this conflict reports: Lost and its ancestors.
func (c Conflict) LostWrites() int { return 1 + len(c.LostAncestors) }

// Version is one version of an item: its metadata and full image.
type Version struct {
	Meta
	// Item is the item's image, metadata attributes included.
	Item map[string]types.AttributeValue
}

// Decode unmarshals the image into out (a pointer, e.g. *T).
func (v Version) Decode(out any) error {
	if err := attributevalue.UnmarshalMap(v.Item, out); err != nil {
		return &MarshalError{Op: "dynamo.Version.Decode", Type: typeName(out), Err: err}
	}
	return nil
}

// DecodeVersion returns the image of v as a T.
func DecodeVersion[T any](v Version) (T, error) {
	var out T
	err := v.Decode(&out)
	return out, err
}

// ConflictSchema says how the items of one table carry their version
// metadata and key: what turns a detect.Loss into a Conflict. The Table
// builds its own; a Lambda handler (package lambdadetect) builds one from
// its configuration. A plain value, safe for concurrent use.
type ConflictSchema struct {
	Table string
	// MetadataPrefix is Options.MetadataPrefix. default: "_mr_"
	MetadataPrefix string
	// PartitionKey and SortKey name the key attributes ("" for no sort key).
	PartitionKey, SortKey string
}

func (s ConflictSchema) names() metaNames {
	if s.MetadataPrefix == "" {
		return newMetaNames(DefaultMetadataPrefix)
	}
	return newMetaNames(s.MetadataPrefix)
}

// Versions reads the version id and lineage of an item, for
// detect.Config.Versions.
func (s ConflictSchema) Versions() func(map[string]types.AttributeValue) (string, []string) {
	names := s.names()
	return func(item map[string]types.AttributeValue) (string, []string) {
		m := names.parse(item)
		return m.Version, m.Lineage
	}
}

// Conflict builds the Conflict loss l shows.
func (s ConflictSchema) Conflict(l detect.Loss) Conflict {
	names := s.names()
	key := l.Record.Keys
	if k, err := (keySchema{pk: s.PartitionKey, sk: s.SortKey}).extract("dynamo.detector", l.Record.New); err == nil {
		key = k
	}
	return Conflict{
		Table: s.Table, Key: key,
		Lost:          Version{Meta: names.parse(l.Record.Old), Item: l.Record.Old},
		Winner:        Version{Meta: names.parse(l.Record.New), Item: l.Record.New},
		LostAncestors: l.LostAncestors, SeenIn: multiregion.Region(l.Record.Region),
		SequenceNumber: l.Record.Seq, DetectedAt: l.DetectedAt,
	}
}
