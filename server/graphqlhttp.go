package server

// GraphQL over HTTP.
//
// The server follows the GraphQL-over-HTTP draft as of commit
// e1e46e7b07a3347e8337a080c4fbdaec1aa4753d of graphql/graphql-over-http
// (docs/graphql.md has the table of status codes). gqlgen's stock POST and
// GET transports do not: their Response always carries "data" (null on a
// request error), GET answers a mutation with 406, and their status codes
// follow the older text. This file is a thin transport of our own over
// gqlgen's executor: it negotiates the media type, reads the request
// parameters from a POST body or a GET query string, runs the operation
// through the executor (parsing, validation, limits, extensions, error
// presenter: all gqlgen's) and writes the answer with the status the draft
// asks for.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The media types of GraphQL answers.
const (
	mediaGraphQLResponse = "application/graphql-response+json"
	mediaJSON            = "application/json"
)

// statusPartial is the draft's "294 Partial Success": an answer with both
// data and errors, sent only under application/graphql-response+json
// (docs/graphql.md says why).
const statusPartial = 294

// negotiate picks the media type of the answer from the Accept header: the
// acceptable one with the highest q, application/graphql-response+json on
// a tie when the client named it. No Accept, or one that only names
// wildcards, gets application/json, which every client reads. ok is false
// when neither type is acceptable (406).
func negotiate(accept []string) (media string, ok bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	type match struct {
		q           float64
		specificity int // 0 none, 1 */*, 2 type/*, 3 exact
	}
	var gql, js match
	seen := false
	for _, header := range accept {
		for _, part := range strings.Split(header, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			seen = true
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			q := 1.0
			if v, ok := params["q"]; ok {
				f, err := strconv.ParseFloat(v, 64)
				if err != nil || f < 0 || f > 1 {
					continue
				}
				q = f
			}
			for _, c := range []struct {
				media string
				m     *match
			}{{mediaGraphQLResponse, &gql}, {mediaJSON, &js}} {
				spec := 0
				switch {
				case mt == c.media:
					spec = 3
				case mt == "application/*":
					spec = 2
				case mt == "*/*":
					spec = 1
				}
				// The most specific range that matches decides the q.
				if spec > c.m.specificity {
					*c.m = match{q: q, specificity: spec}
				}
			}
		}
	}
	if !seen {
		return mediaJSON, true
	}
	switch {
	case gql.q <= 0 && js.q <= 0:
		return "", false
	case gql.q > js.q:
		return mediaGraphQLResponse, true
	case js.q > gql.q:
		return mediaJSON, true
	case gql.specificity == 3:
		return mediaGraphQLResponse, true
	default:
		return mediaJSON, true
	}
}

// requestError is a request that is not a well-formed GraphQL-over-HTTP
// request, refused before execution.
type requestError struct {
	status int
	code   string
	msg    string
}

// gqlRequest is what the transport needs of one request: the parameters
// read from it and the media type of the answer.
type gqlRequest struct {
	params *graphql.RawParams
	media  string
}

type gqlRequestKey struct{}

// readRequest reads the GraphQL-over-HTTP request parameters of a POST
// (a JSON body) or a GET (the query string).
func (s *Server) readRequest(r *http.Request) (*graphql.RawParams, *requestError) {
	start := graphql.Now()
	var p *graphql.RawParams
	var rerr *requestError
	if r.Method == http.MethodPost {
		p, rerr = s.readPOST(r)
	} else {
		p, rerr = readGET(r)
	}
	if rerr != nil {
		return nil, rerr
	}
	p.Headers = r.Header
	p.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	return p, nil
}

const msgShape = `send {"query": "...", "variables": {...}, "operationName": "..."}`

func (s *Server) readPOST(r *http.Request) (*graphql.RawParams, *requestError) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != mediaJSON || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
		return nil, &requestError{http.StatusUnsupportedMediaType, CodeBadInput,
			`send the request as JSON with Content-Type: application/json (UTF-8): {"query": "..."}`}
	}
	// serveGraphQL has read the body whole within its limits (readBody).
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, &requestError{http.StatusBadRequest, CodeBadInput, "the request body could not be read"}
	}
	if !json.Valid(body) {
		return nil, &requestError{http.StatusBadRequest, CodeBadInput, "the request body is not JSON; " + msgShape}
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return nil, &requestError{http.StatusUnprocessableEntity, CodeBadInput, "the request body must be one JSON object (no batches); " + msgShape}
	}
	p := &graphql.RawParams{}
	if err := decodeString(fields["query"], &p.Query, true); err != nil {
		return nil, &requestError{http.StatusUnprocessableEntity, CodeBadInput, "query " + err.Error() + "; " + msgShape}
	}
	if err := decodeString(fields["operationName"], &p.OperationName, false); err != nil {
		return nil, &requestError{http.StatusUnprocessableEntity, CodeBadInput, "operationName " + err.Error()}
	}
	if err := decodeObject(fields["variables"], &p.Variables); err != nil {
		return nil, &requestError{http.StatusUnprocessableEntity, CodeBadInput, "variables " + err.Error()}
	}
	if err := decodeObject(fields["extensions"], &p.Extensions); err != nil {
		return nil, &requestError{http.StatusUnprocessableEntity, CodeBadInput, "extensions " + err.Error()}
	}
	return p, nil
}

func readGET(r *http.Request) (*graphql.RawParams, *requestError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &requestError{http.StatusBadRequest, CodeBadInput, "the query string is not URL-encoded"}
	}
	if !q.Has("query") {
		return nil, &requestError{http.StatusUnprocessableEntity, CodeBadInput,
			"send the query in the query string: /graphql?query={...}&variables={...} (GraphiQL is at /graphiql)"}
	}
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	for _, v := range []struct {
		name string
		into *map[string]any
	}{{"variables", &p.Variables}, {"extensions", &p.Extensions}} {
		text := q.Get(v.name)
		if text == "" {
			continue
		}
		if !json.Valid([]byte(text)) {
			return nil, &requestError{http.StatusBadRequest, CodeBadInput, v.name + " is not JSON"}
		}
		if err := decodeObject(json.RawMessage(text), v.into); err != nil {
			return nil, &requestError{http.StatusUnprocessableEntity, CodeBadInput, v.name + " " + err.Error()}
		}
	}
	return p, nil
}

// decodeString reads a string parameter; null or absent is "" unless the
// parameter is required.
func decodeString(raw json.RawMessage, into *string, required bool) error {
	if len(raw) == 0 || string(raw) == "null" {
		if required {
			return errors.New("is missing")
		}
		return nil
	}
	if raw[0] != '"' {
		return errors.New("must be a string")
	}
	return json.Unmarshal(raw, into)
}

// decodeObject reads a map parameter, keeping numbers as json.Number as
// gqlgen's own transports do, so that Int and Float variables coerce.
func decodeObject(raw json.RawMessage, into *map[string]any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		return errors.New("must be an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(into)
}

// graphQLTransport runs the requests serveGraphQL has read (gqlRequest in
// the context) through gqlgen's executor. It is the only transport of the
// handler.
type graphQLTransport struct{ s *Server }

var _ graphql.Transport = graphQLTransport{}

// Supports takes every request serveGraphQL hands on.
func (t graphQLTransport) Supports(r *http.Request) bool {
	_, ok := r.Context().Value(gqlRequestKey{}).(*gqlRequest)
	return ok
}

// Do runs one operation and writes its answer.
func (t graphQLTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	s := t.s
	req := r.Context().Value(gqlRequestKey{}).(*gqlRequest)
	// Pin the catalogue of releases first, so that the ETag and the answer
	// describe the same releases.
	ctx := s.app.Pin(r.Context())
	oc, errs := exec.CreateOperationContext(ctx, req.params)
	if errs != nil {
		status := requestErrorStatus(errs)
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		writeGraphQL(w, req.media, status, resp.Errors, nil)
		return
	}
	if r.Method != http.MethodPost && oc.Operation.Operation != ast.Query {
		// GET is safe: it never changes anything.
		w.Header().Set("Allow", http.MethodPost)
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), gqlerror.List{
			gqlerror.Errorf("a %s is sent with POST; GET runs queries only", oc.Operation.Operation)})
		writeGraphQL(w, req.media, http.StatusMethodNotAllowed, resp.Errors, nil)
		return
	}
	etag := ""
	if r.Method != http.MethodPost && cacheable(oc.Operation.SelectionSet, oc.Doc, true, 0) {
		etag = s.etag(ctx, oc, req.media)
		if etag != "" {
			s.cacheHeaders(w.Header(), etag)
			if etagMatches(r.Header.Values("If-None-Match"), etag) {
				w.WriteHeader(http.StatusNotModified)
				return
			}
		}
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	if resp == nil {
		resp = &graphql.Response{Data: json.RawMessage("null")}
	}
	status, data := executionStatus(resp, req.media)
	if etag != "" && len(resp.Errors) > 0 {
		// Only a complete answer may be kept and revalidated.
		for _, h := range []string{"ETag", "Cache-Control"} {
			w.Header().Del(h)
		}
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeGraphQL(w, req.media, status, resp.Errors, data, resp.Extensions)
}

// requestErrorStatus is the status of a request refused before execution:
// 400 when the document does not parse, 422 when it does not validate, its
// operation cannot be determined, its variables do not coerce, or it is
// over one of the server's limits (which the draft counts as additional
// validation rules).
func requestErrorStatus(errs gqlerror.List) int {
	for _, e := range errs {
		if c, _ := e.Extensions["code"].(string); c == errcode.ParseFailed && !strings.Contains(e.Message, "token limit") {
			return http.StatusBadRequest
		}
	}
	return http.StatusUnprocessableEntity
}

// executionStatus is the status of an executed operation and the data to
// send: 200 without errors; with errors and data, 294 under
// application/graphql-response+json and 200 under application/json; 503
// without data when the server could not run any root field for want of
// capacity (OVERLOADED, UNAVAILABLE: try again).
func executionStatus(resp *graphql.Response, media string) (int, json.RawMessage) {
	if len(resp.Errors) == 0 {
		return http.StatusOK, resp.Data
	}
	if noRootData(resp.Data) && allCodes(resp.Errors, CodeOverloaded, CodeUnavailable) {
		return http.StatusServiceUnavailable, nil
	}
	if media == mediaGraphQLResponse {
		return statusPartial, resp.Data
	}
	return http.StatusOK, resp.Data
}

// noRootData reports whether no root field produced a value: data is null
// or every root field is null.
func noRootData(data json.RawMessage) bool {
	if len(data) == 0 || string(data) == "null" {
		return true
	}
	var roots map[string]json.RawMessage
	if err := json.Unmarshal(data, &roots); err != nil {
		return false
	}
	for _, v := range roots {
		if string(v) != "null" {
			return false
		}
	}
	return true
}

func allCodes(errs gqlerror.List, codes ...string) bool {
	for _, e := range errs {
		c, _ := e.Extensions["code"].(string)
		found := false
		for _, want := range codes {
			found = found || c == want
		}
		if !found {
			return false
		}
	}
	return true
}

// writeGraphQL writes a GraphQL response: no "data" entry at all when the
// request was refused before execution (the draft requires its absence, and
// gqlgen's graphql.Response always writes it).
func writeGraphQL(w http.ResponseWriter, media string, status int, errs gqlerror.List, data json.RawMessage, ext ...map[string]any) {
	var extensions map[string]any
	if len(ext) > 0 {
		extensions = ext[0]
	}
	buf := responseBuffers.Get().(*[]byte)
	b, err := appendResponse((*buf)[:0], errs, data, extensions)
	if err != nil {
		b = []byte(`{"errors":[{"message":"` + msgInternal + `","extensions":{"code":"` + CodeInternal + `"}}]}`)
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", media+"; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b) // an io.Writer keeps nothing of b once Write returns
	if err == nil && cap(b) <= maxPooledResponse {
		*buf = b[:0]
		responseBuffers.Put(buf)
	}
}

// responseBuffers holds the buffers answers were written into, for the
// next answers: a large answer (every technique with its links is 62 KB)
// otherwise allocates its size again on every request, which the collector
// then clears. A buffer above maxPooledResponse is left to the collector,
// so that one huge answer does not stay in memory.
var responseBuffers = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledResponse = 1 << 20

// appendResponse appends {"errors":...,"data":...,"extensions":...} to b,
// each entry only when it is not empty: the bytes json.Marshal writes for
// a struct of the three with omitempty. The errors and extensions are
// small and encoding/json writes them; the data, the executor's own JSON
// and most of an answer, is copied by appendData instead of going through
// json.Marshal, which re-validated and re-encoded it (a tenth of the CPU of
// a large answer).
func appendResponse(b []byte, errs gqlerror.List, data json.RawMessage, ext map[string]any) ([]byte, error) {
	var errsJSON, extJSON []byte
	var err error
	if len(errs) > 0 {
		if errsJSON, err = json.Marshal(errs); err != nil {
			return nil, err
		}
	}
	if len(ext) > 0 {
		if extJSON, err = json.Marshal(ext); err != nil {
			return nil, err
		}
	}
	if need := len(errsJSON) + len(data) + len(extJSON) + len(data)/64 + 48; cap(b)-len(b) < need {
		b = append(make([]byte, 0, len(b)+need), b...)
	}
	b = append(b, '{')
	sep := false
	entry := func(name string) {
		if sep {
			b = append(b, ',')
		}
		sep = true
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	if errsJSON != nil {
		entry("errors")
		b = append(b, errsJSON...)
	}
	if len(data) > 0 {
		entry("data")
		if b, err = appendData(b, data); err != nil {
			return nil, err
		}
	}
	if extJSON != nil {
		entry("extensions")
		b = append(b, extJSON...)
	}
	return append(b, '}'), nil
}

// errDataNotJSON is an executor answer appendData cannot copy as JSON.
var errDataNotJSON = errors.New("the answer's data is not JSON")

// appendData appends the JSON value data to b as json.Marshal writes a
// json.RawMessage: without whitespace between tokens, and with <, >, & and
// U+2028, U+2029 in strings written as \u escapes (encoding/json's HTML
// escaping, which every answer has had). It checks only what it must to do
// that (strings close, nothing outside them but JSON's own characters):
// the executor writes valid JSON, and a test holds appendData to
// json.Marshal on the server's answers and on malformed input.
func appendData(b []byte, data []byte) ([]byte, error) {
	const hex = "0123456789abcdef"
	inString := false
	start := 0 // data[start:i] is still to be copied
	for i := 0; i < len(data); i++ {
		c := data[i]
		if !inString {
			switch dataOutside[c] {
			case outsideToken:
			case outsideQuote:
				inString = true
			case outsideSpace:
				b = append(b, data[start:i]...)
				start = i + 1
			default:
				return nil, errDataNotJSON
			}
			continue
		}
		// Most of an answer is the inside of strings: skip what needs nothing.
		for !dataInString[c] {
			if i++; i == len(data) {
				return nil, errDataNotJSON // a string that does not close
			}
			c = data[i]
		}
		switch {
		case c == '"':
			inString = false
		case c == '\\':
			i++ // the escaped character is copied as it is
		case c == '<' || c == '>' || c == '&':
			b = append(b, data[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			start = i + 1
		case c == 0xE2:
			if i+2 < len(data) && data[i+1] == 0x80 && data[i+2]&^1 == 0xA8 {
				// U+2028 and U+2029 as encoding/json writes them.
				b = append(b, data[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hex[data[i+2]&0xF])
				i += 2
				start = i + 1
			}
		default: // below 0x20
			return nil, errDataNotJSON
		}
	}
	if inString {
		return nil, errDataNotJSON
	}
	return append(b, data[start:]...), nil
}

// The classes of bytes appendData tells apart outside strings and inside
// them, one table lookup per byte.
const (
	outsideBad   = iota // not JSON
	outsideToken        // punctuation, literals, numbers: copied
	outsideQuote        // a string opens
	outsideSpace        // whitespace between tokens: dropped
)

var dataOutside, dataInString = func() (out [256]uint8, in [256]bool) {
	for _, c := range []byte("{}[]:,-+.truefalsnE0123456789") {
		out[c] = outsideToken
	}
	out['"'] = outsideQuote
	for _, c := range []byte(" \t\n\r") {
		out[c] = outsideSpace
	}
	for c := range 0x20 {
		in[c] = true
	}
	for _, c := range []byte{'"', '\\', '<', '>', '&', 0xE2} {
		in[c] = true
	}
	return out, in
}()

// writeRequestError answers a request refused before execution in the
// GraphQL error shape, in the negotiated media type, without "data".
func writeRequestError(w http.ResponseWriter, r *http.Request, media string, status int, code, msg string) {
	writeGraphQL(w, media, status, gqlerror.List{{Message: msg,
		Extensions: map[string]any{"code": code, "requestId": requestID(r.Context())}}}, nil)
}

// etag is the entity tag of a GET answer that reads complete releases
// only: a digest of the catalogue of releases the request is pinned to
// (every version's sha256, and which is current), the build, the media
// type and the request. "" when the catalogue cannot be read.
func (s *Server) etag(ctx context.Context, oc *graphql.OperationContext, media string) string {
	fp, err := s.app.Fingerprint(ctx)
	if err != nil {
		return ""
	}
	vars, err := json.Marshal(oc.Variables)
	if err != nil {
		return ""
	}
	h := sha256.New()
	for _, part := range []string{fp, s.cfg.BuildVersion, media, oc.OperationName, string(vars), oc.RawQuery} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
}

// cacheHeaders are the caching headers of a GET answer with an ETag:
// caches keep it but ask again each time (a release can be replaced under
// the same version, or another made current), and get 304 while nothing
// changed. When reads need a token the answer is private to the token.
func (s *Server) cacheHeaders(h http.Header, etag string) {
	h.Set("ETag", etag)
	vary := "Accept"
	cc := "no-cache"
	if s.cfg.Auth != nil && !s.cfg.Auth.ReadsOpen {
		vary += ", Authorization"
		cc = "private, no-cache"
	}
	h.Set("Vary", vary)
	h.Set("Cache-Control", cc)
}

// etagMatches implements If-None-Match's weak comparison.
func etagMatches(header []string, etag string) bool {
	for _, v := range header {
		for _, tag := range strings.Split(v, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
				return true
			}
		}
	}
	return false
}

// defaultBuildVersion names the build in ETags when Config.BuildVersion is
// empty: the module version and the VCS revision the binary records.
func defaultBuildVersion() string {
	v := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		v = bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.modified" {
				v += " " + s.Value
			}
		}
	}
	return v
}
