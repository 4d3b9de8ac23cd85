package graph

import (
	"fmt"

	"github.com/atlasgraph/atlasgraph/atlas"
)

// The analysis resolvers ask the application layer (app) and only map its
// answers to the schema's types here; the CLI presents the same answers.

// badInput is an argument error the client can fix.
func badInput(format string, args ...any) error {
	return fmt.Errorf("%w: %s", atlas.ErrBadInput, fmt.Sprintf(format, args...))
}

func optBool(b *bool) bool { return b != nil && *b }

func optInt(i *int, d int) int {
	if i == nil {
		return d
	}
	return *i
}
