package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/auth"
)

// The error codes a client sees in errors[].extensions.code. Every error
// also carries extensions.requestId, the X-Request-Id of the response.
const (
	// CodeNotFound: the release or object asked for is not in the graph.
	CodeNotFound = "NOT_FOUND"
	// CodeBadInput: the request cannot be answered as written (bad JSON,
	// GraphQL syntax or validation, an argument out of range, a search text
	// that is not a query, a cursor this API did not return).
	CodeBadInput = "BAD_INPUT"
	// CodeLimitExceeded: the request is over a limit (body size, tokens,
	// complexity, depth, aliases, root fields, time).
	CodeLimitExceeded = "LIMIT_EXCEEDED"
	// CodeOverloaded: the server has more requests than it runs at once
	// and queues, or this client more than its share; the request was not
	// run. Try again after the Retry-After seconds.
	CodeOverloaded = "OVERLOADED"
	// CodeUnavailable: Neo4j cannot be reached; try again later.
	CodeUnavailable = "UNAVAILABLE"
	// CodeConflict: a change named a stale version, or an id already taken.
	CodeConflict = "CONFLICT"
	// CodeUnauthenticated: the operation needs a bearer token the server knows.
	CodeUnauthenticated = "UNAUTHENTICATED"
	// CodeForbidden: the token's role does not allow the operation.
	CodeForbidden = "FORBIDDEN"
	// CodeInternal: a bug or an unexpected database error; the server log
	// has the details under the request id.
	CodeInternal = "INTERNAL"
)

// limitCode marks the errors of our own limits extension before the
// presenter turns them into LIMIT_EXCEEDED.
const limitCode = "ATLASGRAPH_LIMIT"

// messages for the codes whose details stay in the server log.
const (
	msgUnavailable = "the graph database is unavailable; try again shortly"
	msgInternal    = "internal error; the server log has the details under this request id"
	msgBusy        = "the server is busy: every connection to the graph database is in use; try again shortly"
)

// presentError turns any error of a GraphQL request into what the client
// sees: one sentence, a code and the request id. Driver messages, Cypher
// and stack traces are never shown; INTERNAL errors are logged with their
// cause instead.
func (s *Server) presentError(ctx context.Context, err error) *gqlerror.Error {
	var gerr *gqlerror.Error
	if !errors.As(err, &gerr) {
		gerr = gqlerror.WrapPath(graphql.GetPath(ctx), err)
	}
	code, msg := s.classify(gerr)
	if code == CodeUnavailable && ctx.Err() != nil {
		// The request's own deadline or cancellation cut a query short;
		// the driver may call that a connectivity error, but it says
		// nothing of Neo4j's health.
		code, msg = s.classify(gqlerror.WrapPath(gerr.Path, ctx.Err()))
		err = fmt.Errorf("%w (request context: %v)", ctx.Err(), err)
	}
	out := &gqlerror.Error{Message: msg, Path: gerr.Path, Locations: gerr.Locations,
		Extensions: map[string]any{"code": code, "requestId": requestID(ctx)}}
	if code == CodeBadInput {
		if ps := problemsOf(gerr.Unwrap()); len(ps) > 0 {
			out.Extensions["problems"] = ps
		}
	}
	s.metrics.errors.WithLabelValues(code).Inc()
	switch {
	case code == CodeInternal:
		s.log.ErrorContext(ctx, "internal error", "request_id", requestID(ctx), "path", gerr.Path.String(), "err", err)
	case code == CodeUnavailable && errors.Is(err, atlas.ErrUnavailable) && !app.IsReading(err):
		// Only a failed connection opens the breaker: a busy pool
		// (OVERLOADED), a deadline or a cancelled request says nothing of
		// Neo4j's health.
		s.health.markDown(err)
	}
	return out
}

// classify picks the code and the message for the client.
func (s *Server) classify(gerr *gqlerror.Error) (code, msg string) {
	cause := gerr.Unwrap()
	if cause == nil {
		// An error of gqlgen itself: parsing, validation, limits, the
		// request's JSON. Their messages describe the query, never the
		// database.
		c, _ := gerr.Extensions["code"].(string)
		switch {
		case c == limitCode:
			return CodeLimitExceeded, gerr.Message
		case c == errcode.ParseFailed && strings.Contains(gerr.Message, "token limit"):
			return CodeLimitExceeded, fmt.Sprintf("the query has more than %d tokens", s.cfg.Limits.ParserTokens)
		case c == errcode.ParseFailed, c == errcode.ValidationFailed:
			return CodeBadInput, gerr.Message
		case strings.HasPrefix(gerr.Message, "json request body could not be decoded"),
			strings.HasPrefix(gerr.Message, "could not read request body"):
			return CodeBadInput, `the request body must be a JSON object {"query": "...", "variables": {...}, "operationName": "..."}`
		case strings.HasPrefix(gerr.Message, "internal system error"): // gqlgen's default for a recovered panic
			return CodeInternal, msgInternal
		default:
			return CodeBadInput, gerr.Message
		}
	}
	var p panicError
	switch {
	case errors.As(cause, &p):
		return CodeInternal, msgInternal
	case errors.Is(cause, auth.ErrUnauthenticated):
		return CodeUnauthenticated, after(cause.Error(), auth.ErrUnauthenticated.Error()+": ")
	case errors.Is(cause, auth.ErrForbidden):
		return CodeForbidden, after(cause.Error(), auth.ErrForbidden.Error()+": ")
	}
	// Everything else comes from the application layer, classified there.
	switch app.ErrorCode(cause) {
	case app.NotFound:
		return CodeNotFound, app.ErrorMessage(cause)
	case app.BadInput:
		return CodeBadInput, app.ErrorMessage(cause)
	case app.Conflict:
		return CodeConflict, app.ErrorMessage(cause)
	case app.Busy:
		return CodeOverloaded, msgBusy
	case app.Unavailable:
		if app.IsReading(cause) {
			return CodeUnavailable, app.ErrorMessage(cause)
		}
		return CodeUnavailable, msgUnavailable
	case app.Timeout:
		return CodeLimitExceeded, fmt.Sprintf("the request took longer than its time limit (%s); ask for less", s.cfg.Timeouts.Request)
	case app.Canceled:
		return CodeUnavailable, "the request was cancelled before it completed"
	default:
		return CodeInternal, msgInternal
	}
}

// after returns what follows the last occurrence of sep in s, or s.
func after(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}

// panicError is a panic recovered in a resolver.
type panicError struct {
	value any
	stack []byte
}

func (p panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// recoverPanic turns a panic in a resolver into an INTERNAL error, logging
// the stack.
func (s *Server) recoverPanic(ctx context.Context, v any) error {
	stack := debug.Stack()
	s.log.ErrorContext(ctx, "panic in a resolver", "request_id", requestID(ctx), "panic", fmt.Sprint(v), "stack", string(stack))
	return panicError{value: v, stack: stack}
}

// dedupeErrors keeps one error per code and message: when a relationship
// field fails (Neo4j went away), every parent of the list reports the same
// error, which says nothing more the hundredth time. The kept error
// carries the number of occurrences.
func dedupeErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) < 2 {
		return resp
	}
	type k struct{ code, msg string }
	first := map[k]*gqlerror.Error{}
	kept := resp.Errors[:0:0]
	for _, e := range resp.Errors {
		c, _ := e.Extensions["code"].(string)
		key := k{c, e.Message}
		if f, ok := first[key]; ok {
			n, _ := f.Extensions["occurrences"].(int)
			f.Extensions["occurrences"] = max(n, 1) + 1
			continue
		}
		first[key] = e
		kept = append(kept, e)
	}
	resp.Errors = kept
	return resp
}

// writeError answers a request that never reached GraphQL execution (too
// big, wrong method, Neo4j known to be down) in the GraphQL error shape.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code, "requestId": requestID(r.Context())}}},
	})
}

// problemsOf lists a refused threat model's problems one by one, each with
// the field it concerns (a path in the model's input, e.g.
// "components[0].kind"), its line and column in a model file (0 when it
// came from the API) and its message, so that a form shows each beside its
// field. It is nil for every other error.
func problemsOf(err error) []map[string]any {
	if err == nil {
		return nil
	}
	ps := app.ModelProblems(err)
	if len(ps) == 0 {
		return nil
	}
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, map[string]any{"field": p.Field, "line": p.Line, "column": p.Col, "message": p.Message})
	}
	return out
}
