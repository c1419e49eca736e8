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
// DocumentDB and RDS.

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

// writeQueryResult answers action with result's fields (a struct whose
// element name is dropped) inside <ActionResult>, in the xmlns namespace.
func writeQueryResult(w http.ResponseWriter, xmlns, action string, result any) {
	b, err := xml.Marshal(result)
	if err != nil {
		writeQueryError(w, xmlns, http.StatusInternalServerError, "InternalFailure", "lab: "+err.Error())
		return
	}
	// xml.Marshal names the anonymous struct's element after nothing
	// useful; strip it and wrap the fields in <ActionResult>.
	inner := string(b)
	if i := strings.IndexByte(inner, '>'); i >= 0 {
		inner = inner[i+1:]
	}
	if i := strings.LastIndex(inner, "</"); i >= 0 {
		inner = inner[:i]
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>mrtest</RequestId></ResponseMetadata></%sResponse>`,
		action, xmlns, action, inner, action, action)
}
