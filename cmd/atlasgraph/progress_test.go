package main

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/app"
)

// TestProgressLinePlain checks the progress of a long search written to a
// writer that is not a terminal: a line when the best set improves and when
// progressEvery passes, nothing in between, and nothing left to clear.
func TestProgressLinePlain(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressLine(&buf)
	if p.tty {
		t.Fatal("a buffer taken for a terminal")
	}
	steps := []struct {
		p    app.SetProgress
		want string // "" for no line
	}{
		{app.SetProgress{BestCost: math.Inf(1), Bound: 3, Gap: 1, Nodes: 1, Elapsed: time.Second}, ""},
		{app.SetProgress{Found: true, BestCost: 10, Bound: 8, Gap: 0.2, Nodes: 5, Elapsed: 2 * time.Second},
			"searching: best 10, proven bound 8, gap 20.0%, 5 nodes, 2s\n"},
		{app.SetProgress{Found: true, BestCost: 10, Bound: 8, Gap: 0.2, Nodes: 9, Elapsed: 5 * time.Second}, ""},
		{app.SetProgress{Found: true, BestCost: 10, Bound: 9, Gap: 0.1, Nodes: 70, Elapsed: 12 * time.Second},
			"searching: best 10, proven bound 9, gap 10.0%, 70 nodes, 12s\n"},
		{app.SetProgress{Found: true, BestCost: 9, Bound: 9, Gap: 0, Nodes: 71, Elapsed: 12500 * time.Millisecond},
			"searching: best 9, proven bound 9, gap 0.0%, 71 nodes, 12.5s\n"},
	}
	for i, s := range steps {
		buf.Reset()
		p.show(s.p)
		if got := buf.String(); got != s.want {
			t.Errorf("report %d: wrote %q; want %q", i, got, s.want)
		}
	}
	buf.Reset()
	p.done()
	if buf.Len() != 0 {
		t.Errorf("done wrote %q to a plain writer", buf.String())
	}
}

// TestMinimalSetTimeLimitFlag checks that a negative --time-limit is refused
// as a usage error before any connection is tried.
func TestMinimalSetTimeLimitFlag(t *testing.T) {
	_, _, err := runCLI(t, map[string]string{}, "analyze", "minimal-set", "--time-limit", "-5s")
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "--time-limit") {
		t.Fatalf("got %v; want a usage error naming --time-limit", err)
	}
}
