package graph

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/auth"
	"github.com/atlasgraph/atlasgraph/graph/generated"
	"github.com/atlasgraph/atlasgraph/graph/model"
	"github.com/atlasgraph/atlasgraph/upstream"
	"github.com/atlasgraph/atlasgraph/view"
)

// Options tune the resolvers.
type Options struct {
	// Auth decides who may read and change threat models. Without it reads
	// are open and every change is refused.
	Auth *auth.Policy
	// Upstream, when set, tells what the background upstream check last
	// found (Release.upstream); it never goes to the network itself.
	Upstream UpstreamStatus
}

// UpstreamStatus is what the background upstream check last found; ok is
// false while nothing is known. upstream.Checker has it.
type UpstreamStatus interface {
	Latest() (st upstream.Status, ok bool)
}

// Resolver is the root resolver. It answers from the application layer
// and its read model of complete releases; nothing of a request outlives
// it.
type Resolver struct {
	opt Options
	app *app.Service // every question goes through it
}

// NewResolver returns the root resolver over the application layer, which
// the caller builds once and hands to every face.
func NewResolver(a *app.Service, opt Options) *Resolver {
	return &Resolver{opt: opt, app: a}
}

// Schema returns the executable schema. Install the Resolver itself on the
// handler too (handler.Server.Use), so that each operation gets its own
// request cache of the actor directory.
func (r *Resolver) Schema() graphql.ExecutableSchema {
	return generated.NewExecutableSchema(generated.Config{Resolvers: r})
}

// ExtensionName names the Resolver as a gqlgen handler extension.
func (r *Resolver) ExtensionName() string { return "AtlasgraphRequestState" }

// Validate implements graphql.HandlerExtension.
func (r *Resolver) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation gives each operation a fresh request cache of the
// actor directory, and pins it to one catalogue of releases, so that all
// its root fields answer from the same current release.
func (r *Resolver) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(r.app.Pin(ctx))
}

// versionOf is the version an optional release argument names; "" means the
// current release.
func versionOf(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// Page sizes of connections and search.
const (
	maxFirst = 100
)

// page checks the first and after arguments of a connection.
func page(first *int, after *string) (view.Page, error) {
	p := view.Page{First: 20}
	if first != nil {
		p.First = *first
	}
	if p.First < 1 || p.First > maxFirst {
		return p, fmt.Errorf("%w: first must be between 1 and %d, got %d", atlas.ErrBadInput, maxFirst, p.First)
	}
	if after != nil && *after != "" {
		id, err := decodeCursor(*after)
		if err != nil {
			return p, err
		}
		p.After = id
	}
	return p, nil
}

// Cursors are opaque to clients: the id of the item, base64url-encoded
// behind a version prefix so that the encoding can change later.
const cursorPrefix = "v1:"

func encodeCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + id))
}

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return "", fmt.Errorf("%w: after %q is not a cursor this API returned; pass pageInfo.endCursor of the previous page", atlas.ErrBadInput, c)
	}
	return strings.TrimPrefix(string(b), cursorPrefix), nil
}

func pageInfo[T any](l view.List[T], idOf func(T) string) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: l.HasNextPage}
	if n := len(l.Items); n > 0 {
		c := encodeCursor(idOf(l.Items[n-1]))
		info.EndCursor = &c
	}
	return info
}

// found turns a store lookup into a resolver result.
func found[T any](v T, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// deref reads an optional filter argument.
func deref[T any](f *T) T {
	var zero T
	if f == nil {
		return zero
	}
	return *f
}

func actorKey(a *view.Actor) key { return key{a.Release, a.ID} }

// nonNilList returns l, or an empty list for nil, for non-null list fields.
func nonNilList[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}
