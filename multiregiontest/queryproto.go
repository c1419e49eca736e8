package multiregiontest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The AWS query protocol (form-encoded POST with Action and Version, XML
// answers), shared by the control-plane mocks that speak it: ElastiCache,
// DocumentDB (and, later, RDS).

// peekForm parses a form-encoded body and puts the body back, so that a
// store can claim a request by its Action and Version before serving it.
func peekForm(r *http.Request) (url.Values, bool) {
	if r.Body == nil {
		return nil, false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return nil, false
	}
	v, err := url.ParseQuery(string(b))
	return v, err == nil
}

// writeQueryError answers with the query protocol's error shape in the
// service's XML namespace: the SDK turns Code into the typed error.
func writeQueryError(w http.ResponseWriter, xmlns string, status int, code, msg string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>mrtest</RequestId></ErrorResponse>`,
		xmlns, typ, code, xmlEscape(msg))
}

// xmlEscape escapes s for XML text.
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
