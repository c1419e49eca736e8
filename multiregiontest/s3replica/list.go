package s3replica

import "github.com/johannesboyne/gofakes3"

// The listings of a region's backend: ListObjects (V1 and V2, which
// gofakes3 maps onto one marker) and ListObjectVersions.

func (be *backend) ListBucket(name string, prefix *gofakes3.Prefix, page gofakes3.ListBucketPage) (*gofakes3.ObjectList, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	be.w.mu.Lock()
	defer be.w.mu.Unlock()
	b, err := be.w.bucketIn(be.region, name)
	if err != nil {
		return nil, err
	}
	out := gofakes3.NewObjectList()
	var match gofakes3.PrefixMatch
	var n int64
	last := ""
	for _, k := range b.sortedKeys() {
		if page.Marker != "" && k <= page.Marker {
			continue
		}
		v := b.objects[k].latest()
		if v == nil || v.deleteMarker || !prefix.Match(k, &match) {
			continue
		}
		if page.MaxKeys > 0 && n >= page.MaxKeys {
			out.IsTruncated = true
			out.NextMarker = last
			break
		}
		if match.CommonPrefix {
			if match.MatchedPart == last {
				continue
			}
			out.AddPrefix(match.MatchedPart)
			last = match.MatchedPart
		} else {
			out.Add(&gofakes3.Content{
				Key: k, LastModified: gofakes3.NewContentTime(v.lastModified),
				ETag: gofakes3.FormatETag(v.md5), Size: int64(len(v.body)), StorageClass: gofakes3.StorageStandard,
			})
			last = k
		}
		n++
	}
	return out, nil
}

func (be *backend) ListBucketVersions(name string, prefix *gofakes3.Prefix, page *gofakes3.ListBucketVersionsPage) (*gofakes3.ListBucketVersionsResult, error) {
	if prefix == nil {
		prefix = &gofakes3.Prefix{}
	}
	if page == nil {
		page = &gofakes3.ListBucketVersionsPage{}
	}
	be.w.mu.Lock()
	defer be.w.mu.Unlock()
	res := gofakes3.NewListBucketVersionsResult(name, prefix, page)
	b, err := be.w.bucketIn(be.region, name)
	if err != nil {
		return res, err
	}
	var match gofakes3.PrefixMatch
	var n int64
	for _, k := range b.sortedKeys() {
		if page.KeyMarker != "" && (k < page.KeyMarker || k == page.KeyMarker && page.VersionIDMarker == "") {
			continue
		}
		if !prefix.Match(k, &match) {
			continue
		}
		if match.CommonPrefix {
			res.AddPrefix(match.MatchedPart)
			continue
		}
		vs := b.objects[k].versions
		skip := k == page.KeyMarker // resume after VersionIDMarker
		// S3 lists a key's versions newest first.
		for i := len(vs) - 1; i >= 0; i-- {
			v := vs[i]
			if skip {
				skip = v.id != string(page.VersionIDMarker)
				continue
			}
			if page.MaxKeys > 0 && n >= page.MaxKeys {
				res.IsTruncated = true
				return res, nil
			}
			res.Versions = append(res.Versions, v.listItem(i == len(vs)-1))
			res.NextKeyMarker, res.NextVersionIDMarker = k, gofakes3.VersionID(v.id)
			n++
		}
	}
	res.NextKeyMarker, res.NextVersionIDMarker = "", ""
	return res, nil
}

func (v *version) listItem(latest bool) gofakes3.VersionItem {
	if v.deleteMarker {
		return &gofakes3.DeleteMarker{Key: v.key, VersionID: gofakes3.VersionID(v.id), IsLatest: latest,
			LastModified: gofakes3.NewContentTime(v.lastModified)}
	}
	return &gofakes3.Version{Key: v.key, VersionID: gofakes3.VersionID(v.id), IsLatest: latest,
		LastModified: gofakes3.NewContentTime(v.lastModified), Size: int64(len(v.body)),
		StorageClass: gofakes3.StorageStandard, ETag: gofakes3.FormatETag(v.md5)}
}
