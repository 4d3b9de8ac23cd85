// Package auth decides who may read and write threat models over the API.
// Callers present a bearer token; the server knows only the tokens'
// SHA-256 digests, each with a role (reader or editor). It does not issue
// tokens, expire them or rate-limit guesses: generate tokens with a secure
// random source, configure their digests, and put the server behind TLS.
package auth

import (
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
)

// Role is what a token allows.
type Role int

// Roles, each allowing what the one before it does.
const (
	// Anonymous: no token, or a token that is not configured.
	Anonymous Role = iota
	// Reader may read threat models and their reports.
	Reader
	// Editor may also create, change and delete them.
	Editor
)

func (r Role) String() string {
	switch r {
	case Reader:
		return "reader"
	case Editor:
		return "editor"
	}
	return "anonymous"
}

// Errors the API turns into UNAUTHENTICATED and FORBIDDEN.
var (
	// ErrUnauthenticated: the request has no token, or one the server does not know.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: the token's role does not allow the operation.
	ErrForbidden = errors.New("forbidden")
)

type entry struct {
	digest [32]byte
	role   Role
	name   string
}

// Policy holds the configured token digests and whether reads need a token.
type Policy struct {
	tokens []entry
	// ReadsOpen lets requests without a token read threat models.
	ReadsOpen bool
}

// Environment variables of the policy.
const (
	// EnvTokens holds token entries inline, separated by newlines or ';'.
	EnvTokens = "ATLASGRAPH_TOKENS"
	// EnvTokensFile names a file of token entries, one per line.
	EnvTokensFile = "ATLASGRAPH_TOKENS_FILE"
	// EnvReads is "open" (default) or "token".
	EnvReads = "ATLASGRAPH_READS"
)

// FromEnv reads the policy: entries "sha256:HEX ROLE [NAME]" (ROLE reader or
// editor; '#' starts a comment) from ATLASGRAPH_TOKENS and the file named by
// ATLASGRAPH_TOKENS_FILE, and ATLASGRAPH_READS. Errors name the variable and
// the line, never a digest.
func FromEnv(getenv func(string) string) (*Policy, error) {
	p := &Policy{ReadsOpen: true}
	switch r := getenv(EnvReads); r {
	case "", "open":
	case "token":
		p.ReadsOpen = false
	default:
		return nil, fmt.Errorf("%s=%q: write open (anyone may read threat models) or token (readers need a token)", EnvReads, r)
	}
	if v := getenv(EnvTokens); v != "" {
		if err := p.add(EnvTokens, strings.NewReplacer(";", "\n").Replace(v)); err != nil {
			return nil, err
		}
	}
	if f := getenv(EnvTokensFile); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvTokensFile, err)
		}
		if err := p.add(f, string(b)); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Parse builds a policy from entries as FromEnv reads them.
func Parse(source, text string, readsOpen bool) (*Policy, error) {
	p := &Policy{ReadsOpen: readsOpen}
	return p, p.add(source, text)
}

func (p *Policy) add(source, text string) error {
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[0], "sha256:") {
			return fmt.Errorf("%s:%d: write a token entry as sha256:HEX ROLE [NAME] (the digest of the token, not the token)", source, n)
		}
		d, err := hex.DecodeString(strings.TrimPrefix(f[0], "sha256:"))
		if err != nil || len(d) != 32 {
			return fmt.Errorf("%s:%d: the digest is not 64 hex digits; compute it with: printf %%s TOKEN | sha256sum", source, n)
		}
		e := entry{name: strings.Join(f[2:], " ")}
		copy(e.digest[:], d)
		switch f[1] {
		case "reader":
			e.role = Reader
		case "editor":
			e.role = Editor
		default:
			return fmt.Errorf("%s:%d: role %q: write reader or editor", source, n, f[1])
		}
		p.tokens = append(p.tokens, e)
	}
	return sc.Err()
}

// Digest is the entry form of a token: "sha256:" and its hex SHA-256.
func Digest(token string) string {
	d := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(d[:])
}

// Principal is who made a request.
type Principal struct {
	Role Role
	Name string
	// BadToken is set when a token was presented that the server does not know.
	BadToken bool
}

type principalKey struct{}

// Middleware puts the request's principal in its context. It never rejects
// a request itself: the operations decide (see CanRead and CanWrite).
func (p *Policy) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p.identify(r.Header.Get("Authorization")))))
	})
}

// Identify is the principal an Authorization header stands for, for faces
// that see a request's header outside the middleware (MCP tool calls).
func (p *Policy) Identify(header string) Principal { return p.identify(header) }

func (p *Policy) identify(header string) Principal {
	if header == "" {
		return Principal{}
	}
	tok, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || tok == "" {
		return Principal{BadToken: true}
	}
	d := sha256.Sum256([]byte(tok))
	var found Principal
	match := false
	for _, e := range p.tokens {
		// Compare every entry in constant time, so timing tells nothing.
		if subtle.ConstantTimeCompare(d[:], e.digest[:]) == 1 && !match {
			found, match = Principal{Role: e.role, Name: e.name}, true
		}
	}
	if !match {
		return Principal{BadToken: true}
	}
	return found
}

// FromContext returns the request's principal (anonymous when none).
func FromContext(ctx context.Context) Principal {
	pr, _ := ctx.Value(principalKey{}).(Principal)
	return pr
}

// WithPrincipal returns ctx carrying pr, for callers that authenticate
// otherwise (tests, the command line).
func WithPrincipal(ctx context.Context, pr Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, pr)
}

// CanRead reports whether the request may read threat models.
func (p *Policy) CanRead(ctx context.Context) error {
	pr := FromContext(ctx)
	switch {
	case pr.BadToken:
		return fmt.Errorf("%w: the bearer token is not one this server knows; check Authorization: Bearer TOKEN", ErrUnauthenticated)
	case pr.Role >= Reader, p.ReadsOpen:
		return nil
	}
	return fmt.Errorf("%w: reading threat models needs a token; send Authorization: Bearer TOKEN", ErrUnauthenticated)
}

// CanWrite reports whether the request may change threat models.
func (p *Policy) CanWrite(ctx context.Context) error {
	pr := FromContext(ctx)
	switch {
	case pr.BadToken:
		return fmt.Errorf("%w: the bearer token is not one this server knows; check Authorization: Bearer TOKEN", ErrUnauthenticated)
	case pr.Role == Anonymous:
		return fmt.Errorf("%w: changing threat models needs an editor's token; send Authorization: Bearer TOKEN", ErrUnauthenticated)
	case pr.Role < Editor:
		return fmt.Errorf("%w: the token has the %s role; changing threat models needs an editor's token", ErrForbidden, pr.Role)
	}
	return nil
}
