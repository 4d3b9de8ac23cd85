package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atlasgraph/atlasgraph/app"
)

// ReleaseRef names the release an answer comes from: its version and the
// SHA-256 of the file it was loaded from.
type ReleaseRef struct {
	Version string `json:"version" jsonschema:"the ATLAS release version, e.g. 2026.05"`
	SHA256  string `json:"sha256" jsonschema:"SHA-256 of the release file the answer was computed from"`
}

// ToolError is the structured content of a tool error.
type ToolError struct {
	Code    string `json:"code" jsonschema:"NOT_FOUND, BAD_INPUT, CONFLICT, UNAUTHENTICATED, FORBIDDEN, UNAVAILABLE, OVERLOADED, TIMEOUT, CANCELED or INTERNAL"`
	Message string `json:"message" jsonschema:"one sentence saying what went wrong and what to do"`
}

// handlerFor is a tool's typed handler: the answer, and any content to
// show after its JSON text (the markdown of a threat-model report).
type handlerFor[In, Out any] func(ctx context.Context, req *sdk.CallToolRequest, in In) (*Out, []sdk.Content, error)

// addTool adds a tool whose input and output JSON Schemas are inferred from
// In and Out (the SDK's inference, github.com/google/jsonschema-go), as
// sdk.AddTool does. It does not use sdk.AddTool because a failed call must
// carry structured content {code, message}: the typed handler of the SDK
// puts no structured content in an error result. Each call runs under the
// server's deadline, on the request's context, so a client's cancellation
// stops the computation.
func addTool[In, Out any](srv *sdk.Server, f *face, t *sdk.Tool, h handlerFor[In, Out]) {
	in, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: tool %s: input schema: %v", t.Name, err))
	}
	out, err := jsonschema.For[Out](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: tool %s: output schema: %v", t.Name, err))
	}
	resolved, err := in.Resolve(nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: tool %s: input schema: %v", t.Name, err))
	}
	t.InputSchema, t.OutputSchema = in, out
	srv.AddTool(t, func(parent context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
		ctx, cancel := context.WithTimeout(parent, f.opt.Timeout)
		defer cancel()
		var args In
		if err := decodeArgs(req.Params.Arguments, resolved, &args); err != nil {
			return errorResult(app.Errorf(app.BadInput, "%s: %s", t.Name, err.Error())), nil
		}
		ans, extra, err := h(ctx, req, args)
		if err != nil && parent.Err() != nil {
			// The client cancelled (or hung up): whatever the layers below
			// made of the interrupted wait, the call ended because of it.
			err = app.Errorf(app.Canceled, "the call was cancelled")
		}
		if err != nil {
			// The cause is logged here, never sent: for UNAVAILABLE,
			// OVERLOADED and INTERNAL the client sees a fixed sentence.
			f.opt.Logger.Warn("tool call failed", "tool", t.Name, "code", presentError(err).Code, "err", err)
			return errorResult(err), nil
		}
		data, err := json.Marshal(ans)
		if err != nil {
			return errorResult(app.Errorf(app.Internal, "the answer could not be encoded")), nil
		}
		content := append([]sdk.Content{&sdk.TextContent{Text: string(data)}}, extra...)
		return &sdk.CallToolResult{StructuredContent: json.RawMessage(data), Content: content}, nil
	})
}

// decodeArgs checks a call's arguments against the tool's input schema
// and decodes them: an unknown argument or a value of the wrong type is
// refused with the schema's own words.
func decodeArgs(raw json.RawMessage, schema *jsonschema.Resolved, into any) error {
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		raw = json.RawMessage("{}")
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return errors.New("the arguments are not a JSON object")
	}
	if err := schema.Validate(m); err != nil {
		return fmt.Errorf("invalid arguments: %s", oneLine(err.Error()))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("invalid arguments: %s", oneLine(err.Error()))
	}
	return nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// errorResult presents an error as a tool error: isError, the text "CODE:
// message" and the structured content {code, message}. For UNAVAILABLE,
// OVERLOADED and INTERNAL the message is a fixed sentence: the cause
// (which may name a host or a driver error) stays out of the answer.
func errorResult(err error) *sdk.CallToolResult {
	e := presentError(err)
	data, _ := json.Marshal(e)
	return &sdk.CallToolResult{IsError: true, StructuredContent: json.RawMessage(data),
		Content: []sdk.Content{&sdk.TextContent{Text: e.Code + ": " + e.Message}}}
}

// presentError maps an error to the code and the sentence a client sees.
func presentError(err error) ToolError {
	var ae *authError
	if errors.As(err, &ae) {
		return ToolError{Code: ae.code, Message: ae.msg}
	}
	code := app.ErrorCode(err)
	switch code {
	case app.Unavailable:
		return ToolError{Code: string(code), Message: "the release cannot be read right now (the database is away, or the release is still being read into memory); try again in a moment"}
	case app.Busy:
		return ToolError{Code: string(code), Message: "the server is busy; try again in a moment"}
	case app.Internal:
		return ToolError{Code: string(code), Message: "something went wrong on the server; the error is logged there"}
	case app.Timeout:
		return ToolError{Code: string(code), Message: "the question took longer than the server allows; ask for less (a smaller limit or budget, fewer hops)"}
	case app.Canceled:
		return ToolError{Code: string(code), Message: "the call was cancelled"}
	}
	return ToolError{Code: string(code), Message: app.ErrorMessage(err)}
}

// authError is a refused write: UNAUTHENTICATED or FORBIDDEN, as GraphQL
// says it.
type authError struct{ code, msg string }

func (e *authError) Error() string { return e.msg }
