package server

import "github.com/99designs/gqlgen/graphql"

// UseFieldInterceptor installs f on s's executor. With any field
// interceptor installed, the generated executor resolves every field
// through gqlgen's graphql.ResolveField (the fast path of plain fields,
// graph/internal/serial, steps aside): the tests compare the two.
func UseFieldInterceptor(s *Server, f interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
}) {
	s.gql.Use(f)
}
