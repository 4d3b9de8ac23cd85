// Package mcp is atlasgraph's Model Context Protocol face: the questions of
// the application layer (package app) as MCP tools, the objects of a release
// as resources, and two prompts, for AI assistants. Like the command line
// and GraphQL it parses, calls app once and presents; it holds no logic of
// its own and never speaks Cypher.
//
// It serves over stdio (atlasgraph mcp) and over Streamable HTTP at /mcp
// beside GraphQL (atlasgraph serve --mcp), through the official Go SDK.
// Tools that change stored threat models exist only where writes are
// enabled: on stdio with a flag, over HTTP for an editor's token.
package mcp

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/auth"
)

// DefaultTimeout is the deadline of one tool call or resource read, the
// same as a GraphQL request's by default.
const DefaultTimeout = 10 * time.Second

// MaxMessageBytes bounds one message read over stdio and one HTTP request
// body: a threat model or a control mapping fits well within it.
const MaxMessageBytes = 1 << 20

// Options configure a server.
type Options struct {
	// Version is atlasgraph's version, told to clients at initialisation.
	Version string
	// Timeout is the deadline of each tool call and resource read; zero
	// means DefaultTimeout. A client's cancellation stops the call sooner.
	Timeout time.Duration
	// Writes adds save_threat_model and delete_threat_model. Over HTTP the
	// handler decides per request (an editor's token); over stdio it is
	// the --allow-writes flag.
	Writes bool
	// Auth, over HTTP, checks each write call's bearer token again (the
	// same tokens as GraphQL); nil accepts every call that reaches a
	// write tool (stdio, where the flag decided).
	Auth *auth.Policy
	// Logger receives the SDK's own log lines; nil discards them. Over
	// stdio it must not write to stdout.
	Logger *slog.Logger
}

// New builds the MCP server over svc: tools, resources, resource templates
// and prompts. It does not listen; run it over a transport (Run) or serve
// it over HTTP (Handler).
func New(svc *app.Service, opt Options) *sdk.Server {
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Version == "" {
		opt.Version = "dev"
	}
	srv := sdk.NewServer(&sdk.Implementation{Name: "atlasgraph", Title: "atlasgraph: MITRE ATLAS as a graph", Version: opt.Version},
		&sdk.ServerOptions{Instructions: instructions, Logger: opt.Logger})
	f := &face{svc: svc, opt: opt}
	f.addTools(srv)
	f.addResources(srv)
	f.addPrompts(srv)
	return srv
}

// instructions tell an assistant what the server is for and how to start.
const instructions = `atlasgraph answers questions about MITRE ATLAS (attacks on AI systems): ` +
	`search and show tactics, techniques (AML.T0051), mitigations (AML.M0015), case studies (AML.CS0000) and actors; ` +
	`which mitigations break a case study's attack chain (chain_mitigations); the smallest set of mitigations that breaks every known chain ` +
	`(minimal_mitigation_set); paths between tactics (attack_paths); choke points and coverage gaps; which techniques an actor uses (actor_techniques); ` +
	`and what an AI system is exposed to given its components and controls (evaluate_threat_model; start from a resource atlas://templates/{name}). ` +
	`Every answer names the ATLAS release it comes from (version and sha256). Start with search when you do not know an id.`

// Run serves one session over stdio-like streams until the client hangs
// up or ctx is cancelled.
func Run(ctx context.Context, srv *sdk.Server, t sdk.Transport) error {
	return srv.Run(ctx, t)
}

// Handler serves MCP over Streamable HTTP. A session opened with an
// editor's token (auth.Policy.CanWrite) gets the write tools; every write
// call checks its own token again. A session opened with a token is bound
// to it (the SDK refuses the session's id with another token or none), and
// a token the policy does not know is refused (401). There is no
// standalone SSE stream (GET is 405, as the specification allows): the
// server sends nothing unasked, and no connection outlives the HTTP write
// timeout. Bodies are bounded by MaxMessageBytes; sessions idle for 30
// minutes are closed.
func Handler(svc *app.Service, opt Options) http.Handler {
	opt.Writes = false
	read := New(svc, opt)
	var write *sdk.Server
	if opt.Auth != nil && svc.ModelsEnabled() {
		w := opt
		w.Writes = true
		write = New(svc, w)
	}
	h := sdk.NewStreamableHTTPHandler(func(r *http.Request) *sdk.Server {
		if write != nil && opt.Auth.CanWrite(r.Context()) == nil {
			return write
		}
		return read
	}, &sdk.StreamableHTTPOptions{Logger: opt.Logger, SessionTimeout: 30 * time.Minute})
	var withToken http.Handler = h
	if opt.Auth != nil {
		withToken = sdkauth.RequireBearerToken(func(_ context.Context, token string, _ *http.Request) (*sdkauth.TokenInfo, error) {
			if opt.Auth.Identify("Bearer " + token).BadToken {
				return nil, fmt.Errorf("%w: the bearer token is not one this server knows; check Authorization: Bearer TOKEN", sdkauth.ErrInvalidToken)
			}
			// The digest, not the token, names the session's user.
			return &sdkauth.TokenInfo{UserID: auth.Digest(token)}, nil
		}, &sdkauth.RequireBearerTokenOptions{AllowMissingExpiration: true})(h)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Allow", "POST, DELETE")
			http.Error(w, "this server offers no standalone SSE stream; POST JSON-RPC messages to this URL", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxMessageBytes)
		if r.Header.Get("Authorization") != "" {
			withToken.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// face holds what every handler needs.
type face struct {
	svc *app.Service
	opt Options
}
