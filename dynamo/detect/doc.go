// Package detect finds the writes last writer wins discarded in a
// DynamoDB global table (MREC), from stream records alone: records in,
// losses and gaps out. It knows nothing of where the records come from:
// the dynamo package's in-process stream reader and the Lambda handler of
// package lambdadetect both feed it, so the two judge alike.
//
// A record whose new image does not descend from its old image (the old
// version is neither the new one nor in its lineage) shows a version
// overwritten by a writer that never saw it. The claim is held for a
// settle window, so that evidence from other records (a successor that
// carries the version) can drop it; see Detector.
//
// Quick start:
//
//	d := detect.New(detect.Config{Versions: versionsOf, Settle: time.Second})
//	for _, rec := range records {
//		d.Observe(rec, time.Now())
//	}
//	for _, l := range d.Due(time.Now(), false) {
//		report(l) // then l.Resolve()
//	}
package detect
