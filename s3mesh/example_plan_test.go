package s3mesh_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/regionkit/multiregion"
	"github.com/regionkit/multiregion/s3mesh"
)

// The plan of a two-bucket mesh, as JSON for a review. New sends no
// request, so this needs no AWS account.
func ExampleMesh_Plan() {
	ctx := context.Background()
	mr, err := multiregion.New(ctx, aws.Config{}, multiregion.WithRegions("us-east-1", "eu-west-1"), func(o *multiregion.Options) {
		o.DisableBackgroundProbes = true
		o.Prober = multiregion.ProberFunc(func(context.Context, multiregion.Region) (time.Duration, error) { return time.Millisecond, nil })
	})
	if err != nil {
		log.Fatal(err)
	}
	defer mr.Close()
	mesh, err := s3mesh.New(ctx, mr, map[multiregion.Region]string{"us-east-1": "orders-use1", "eu-west-1": "orders-euw1"},
		func(o *s3mesh.Options) { o.RoleARN = "arn:aws:iam::123456789012:role/s3-replication" })
	if err != nil {
		log.Fatal(err)
	}
	defer mesh.Close()
	out, err := json.MarshalIndent(mesh.Plan(), "", "  ")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))
	// Output:
	// {
	//   "Buckets": [
	//     {
	//       "Region": "eu-west-1",
	//       "Bucket": "orders-euw1",
	//       "Versioning": "Enabled",
	//       "ReplicationConfiguration": {
	//         "Role": "arn:aws:iam::123456789012:role/s3-replication",
	//         "Rules": [
	//           {
	//             "DeleteMarkerReplication": {
	//               "Status": "Disabled"
	//             },
	//             "Destination": {
	//               "Bucket": "arn:aws:s3:::orders-use1"
	//             },
	//             "Filter": {
	//               "Prefix": ""
	//             },
	//             "ID": "s3mesh-eu-west-1-to-us-east-1",
	//             "Priority": 1,
	//             "SourceSelectionCriteria": {
	//               "ReplicaModifications": {
	//                 "Status": "Enabled"
	//               }
	//             },
	//             "Status": "Enabled"
	//           }
	//         ]
	//       }
	//     },
	//     {
	//       "Region": "us-east-1",
	//       "Bucket": "orders-use1",
	//       "Versioning": "Enabled",
	//       "ReplicationConfiguration": {
	//         "Role": "arn:aws:iam::123456789012:role/s3-replication",
	//         "Rules": [
	//           {
	//             "DeleteMarkerReplication": {
	//               "Status": "Disabled"
	//             },
	//             "Destination": {
	//               "Bucket": "arn:aws:s3:::orders-euw1"
	//             },
	//             "Filter": {
	//               "Prefix": ""
	//             },
	//             "ID": "s3mesh-us-east-1-to-eu-west-1",
	//             "Priority": 1,
	//             "SourceSelectionCriteria": {
	//               "ReplicaModifications": {
	//                 "Status": "Enabled"
	//               }
	//             },
	//             "Status": "Enabled"
	//           }
	//         ]
	//       }
	//     }
	//   ],
	//   "Rules": 2
	// }
}
