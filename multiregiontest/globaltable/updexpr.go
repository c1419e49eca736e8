package globaltable

import (
	"strings"
	"unicode"
)

// DynamoDB refuses an UpdateExpression two of whose actions target
// overlapping document paths (the same attribute twice, or an attribute and
// a path inside it); minidyn applies both, so a test would pass with an
// update AWS rejects. checkUpdatePaths finds the first such pair.
//
// Only the target path of each action is compared (the left side of a SET
// action, the operand of REMOVE, the first operand of ADD and DELETE): SET
// a = a + :one reads a, which is allowed. An expression the scanner does
// not understand is left to minidyn, which reports its own syntax errors.
func checkUpdatePaths(expr string, names map[string]string) error {
	toks, ok := tokenize(expr)
	if !ok {
		return nil
	}
	var paths [][]string
	depth, expectPath := 0, false
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t == "(" || t == "[" && !expectPath:
			depth++
			continue
		case t == ")" || t == "]" && !expectPath:
			depth--
			continue
		}
		if depth > 0 {
			continue
		}
		switch {
		case isClause(t):
			expectPath = true
		case t == ",":
			expectPath = true
		case expectPath:
			p, next, ok := scanPath(toks, i, names)
			if !ok {
				return nil
			}
			paths = append(paths, p)
			i = next - 1
			expectPath = false
		}
	}
	for j := 1; j < len(paths); j++ {
		for i := 0; i < j; i++ {
			if overlap(paths[i], paths[j]) {
				return errValidation("Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: %s, path two: %s",
					renderPath(paths[i]), renderPath(paths[j]))
			}
		}
	}
	return nil
}

func isClause(t string) bool {
	switch strings.ToUpper(t) {
	case "SET", "REMOVE", "ADD", "DELETE":
		return true
	}
	return false
}

// scanPath reads a document path starting at toks[i]: a name, then any
// number of .name and [index]. It returns the path's elements (an index as
// "[n]", as DynamoDB prints it) and the index of the token after it.
func scanPath(toks []string, i int, names map[string]string) ([]string, int, bool) {
	name := func(t string) (string, bool) {
		if strings.HasPrefix(t, "#") {
			n, ok := names[t]
			return n, ok
		}
		return t, isIdent(t)
	}
	first, ok := name(toks[i])
	if !ok {
		return nil, 0, false
	}
	path := []string{first}
	i++
	for i < len(toks) {
		switch {
		case toks[i] == "." && i+1 < len(toks):
			n, ok := name(toks[i+1])
			if !ok {
				return nil, 0, false
			}
			path = append(path, n)
			i += 2
		case toks[i] == "[" && i+2 < len(toks) && toks[i+2] == "]":
			path = append(path, "["+toks[i+1]+"]")
			i += 3
		default:
			return path, i, true
		}
	}
	return path, i, true
}

// overlap reports whether one path is a prefix of the other (equal paths
// included).
func overlap(a, b []string) bool {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func renderPath(p []string) string { return "[" + strings.Join(p, ", ") + "]" }

func isIdent(t string) bool {
	if t == "" {
		return false
	}
	for i, r := range t {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return true
}

// tokenize splits an expression into names (plain, #placeholder,
// :placeholder), numbers and one-character operators. It reports false on
// a character it does not know.
func tokenize(s string) ([]string, bool) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.IndexByte("()[].,=+-<>", c) >= 0:
			toks = append(toks, s[i:i+1])
			i++
		case c == '#' || c == ':' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80:
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] >= '0' && s[j] <= '9' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 0x80) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, false
		}
	}
	return toks, true
}
