package globaltable

import (
	"strings"

	"github.com/truora/minidyn/server"
)

// itemSize is the size DynamoDB counts against the 400 KB item limit, by
// the rule of "DynamoDB item sizes and formats" in the developer guide: the
// UTF-8 length of every attribute name plus the size of its value, where
//
//   - a string is its UTF-8 length, a binary its raw length (not base64);
//   - a number is 1 byte per two significant digits, plus 1 (leading and
//     trailing zeros trimmed);
//   - a boolean or null is 1 byte;
//   - a list or map is 3 bytes plus, per element, 1 byte and the element's
//     size (a map element's name included);
//   - a set is the sum of its elements' sizes.
func itemSize(it item) int {
	n := 0
	for name, v := range it {
		n += len(name) + avSize(v)
	}
	return n
}

func avSize(v *server.AttributeValue) int {
	switch {
	case v == nil:
		return 0
	case v.S != nil:
		return len(*v.S)
	case v.N != nil:
		return numberSize(*v.N)
	case v.B != nil:
		return len(v.B)
	case v.BOOL != nil, v.NULL != nil:
		return 1
	case v.SS != nil:
		n := 0
		for _, s := range v.SS {
			if s != nil {
				n += len(*s)
			}
		}
		return n
	case v.NS != nil:
		n := 0
		for _, s := range v.NS {
			if s != nil {
				n += numberSize(*s)
			}
		}
		return n
	case v.BS != nil:
		n := 0
		for _, b := range v.BS {
			n += len(b)
		}
		return n
	case v.L != nil:
		n := 3
		for _, e := range v.L {
			n += 1 + avSize(e)
		}
		return n
	case v.M != nil:
		n := 3
		for name, e := range v.M {
			n += 1 + len(name) + avSize(e)
		}
		return n
	}
	return 0
}

// numberSize is ceil(significant digits / 2) + 1. The sign, the decimal
// point and the exponent are not digits; leading and trailing zeros are
// not significant.
func numberSize(s string) int {
	s = strings.TrimLeft(s, "+-")
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(s, ".", "")
	s = strings.Trim(s, "0")
	return (len(s)+1)/2 + 1
}
