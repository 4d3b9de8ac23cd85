// Package graph is the GraphQL layer of atlasgraph: the resolvers of the
// schema in schema.graphqls at the repository root. Resolvers are thin: they
// check arguments, call the store's Reader (through per-request dataloaders
// for relationship fields) and map the result. The executable schema is
// generated into graph/generated, and models without a hand-written type
// into graph/model.
//
// The package does not speak Cypher, serve HTTP or present errors to
// clients; see the store and server packages for those.
package graph

// The second step marshals lists serially where nothing in their selection
// can block (graph/internal/serial; why and at what cost: docs/dependencies.md).
//
//go:generate sh -c "cd .. && go run github.com/99designs/gqlgen@v0.17.98 generate && go run ./graph/internal/serialgen"
