package multiregiontest_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/multiregiontest"
)

// Two regional buckets replicate one way, after a delay; the source reads
// PENDING, then COMPLETED, and the replica REPLICA with the same version.
func ExampleWithS3() {
	ctx := context.Background()
	lab, err := multiregiontest.New([]string{"us-east-1", "eu-west-1"},
		multiregiontest.WithS3(func(o *multiregiontest.S3Options) { o.ReplicationDelay = time.Hour }))
	if err != nil {
		log.Fatal(err)
	}
	defer lab.Close()
	mr, err := multiregion.New(ctx, lab.Config(), lab.Options(),
		func(o *multiregion.Options) { o.DisableBackgroundProbes = true })
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	client := func(r string) *s3.Client {
		return s3.NewFromConfig(mr.Config(multiregion.Region(r)), func(o *s3.Options) { o.UsePathStyle = true })
	}
	east, west := client("us-east-1"), client("eu-west-1")
	for r, b := range map[string]string{"us-east-1": "photos-east", "eu-west-1": "photos-west"} {
		if err := lab.S3().CreateBucket(ctx, r, b, true); err != nil {
			log.Fatal(err)
		}
	}
	_, err = east.PutBucketReplication(ctx, &s3.PutBucketReplicationInput{
		Bucket: aws.String("photos-east"),
		ReplicationConfiguration: &s3types.ReplicationConfiguration{
			Role: aws.String("arn:aws:iam::123456789012:role/replication"),
			Rules: []s3types.ReplicationRule{{
				ID: aws.String("to-west"), Priority: aws.Int32(1), Status: s3types.ReplicationRuleStatusEnabled,
				Filter:                  &s3types.ReplicationRuleFilter{Prefix: aws.String("")},
				DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: s3types.DeleteMarkerReplicationStatusEnabled},
				Destination:             &s3types.Destination{Bucket: aws.String("arn:aws:s3:::photos-west")},
			}},
		}})
	if err != nil {
		log.Fatal(err)
	}
	put, err := east.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("photos-east"), Key: aws.String("cat.jpg"), Body: strings.NewReader("meow")})
	if err != nil {
		log.Fatal(err)
	}
	head, err := east.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("photos-east"), Key: aws.String("cat.jpg")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("source:", head.ReplicationStatus)
	if err := lab.S3().Quiesce(ctx); err != nil { // do not wait the hour
		log.Fatal(err)
	}
	head, err = east.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("photos-east"), Key: aws.String("cat.jpg")})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("source:", head.ReplicationStatus)
	got, err := west.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("photos-west"), Key: aws.String("cat.jpg")})
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	_ = got.Body.Close()
	fmt.Println("replica:", got.ReplicationStatus, string(body), aws.ToString(got.VersionId) == aws.ToString(put.VersionId))
	// Output:
	// source: PENDING
	// source: COMPLETED
	// replica: REPLICA meow true
}
