package s3mesh

import (
	"net/netip"
	"strings"
)

// bucketNameProblem returns why S3 would refuse name as a general purpose
// bucket name, or "" when it is valid. The rules are S3's (Bucket naming
// rules, general purpose buckets): 3-63 characters of lower-case letters,
// digits, dots and hyphens, starting and ending with a letter or digit,
// no two adjacent dots, not an IPv4 address, none of the reserved
// prefixes and suffixes.
func bucketNameProblem(name string) string {
	if len(name) < 3 || len(name) > 63 {
		return "must be 3 to 63 characters long"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return "may hold only lower-case letters, digits, dots and hyphens"
		}
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return "must begin and end with a letter or digit"
	}
	if strings.Contains(name, "..") {
		return "must not hold two adjacent dots"
	}
	if a, err := netip.ParseAddr(name); err == nil && a.Is4() {
		return "must not be formatted as an IP address"
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return "must not begin with the reserved prefix " + p
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return "must not end with the reserved suffix " + s
		}
	}
	return ""
}

func alnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
