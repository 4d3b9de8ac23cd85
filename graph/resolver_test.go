package graph

import (
	"errors"
	"testing"

	"github.com/atlasgraph/atlasgraph/atlas"
)

func TestCursors(t *testing.T) {
	for _, id := range []string{"AML.T0051", "AML.T0051.000", "embrace-the-red", ""} {
		got, err := decodeCursor(encodeCursor(id))
		if err != nil || got != id {
			t.Errorf("round trip of %q: %q, %v", id, got, err)
		}
	}
	for _, bad := range []string{"AML.T0051", "!!!", "djI6eA"} { // "djI6eA" is "v2:x"
		if _, err := decodeCursor(bad); !errors.Is(err, atlas.ErrBadInput) {
			t.Errorf("decodeCursor(%q) = %v, want ErrBadInput", bad, err)
		}
	}
	one, hundred, zero := 1, 100, 0
	for _, c := range []struct {
		first *int
		ok    bool
	}{{nil, true}, {&one, true}, {&hundred, true}, {&zero, false}} {
		if _, err := page(c.first, nil); (err == nil) != c.ok {
			t.Errorf("page(%v) error %v", c.first, err)
		}
	}
}
