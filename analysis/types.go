package analysis

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
)

// A Step is one step of a chain: the technique a case study used at that point
// and the steps it leads to. Tactic is carried for callers; no computation in
// this package reads it.
type Step struct {
	// ID identifies the step within its chain; it must be unique and non-empty.
	ID string
	// Technique is the ATLAS technique id of the step; "" means a step no
	// mitigation can cover.
	Technique string
	// Tactic is the tactic id the case study gives for the step.
	Tactic string
	// Next lists the ids of the steps this step leads to. Duplicates are
	// ignored; an id that names no step of the chain is an error.
	Next []string
}

// A Chain is the steps of one case study, or an ordered technique list turned
// into a linear chain. See the package documentation for sources, sinks and
// routes.
type Chain struct {
	// ID identifies the chain (usually the case-study id); it must be non-empty.
	ID string
	// Steps are the steps in any order; Next links give the structure.
	Steps []Step
}

// Knowledge is what the analyses need to know about mitigations. It is read,
// never modified.
type Knowledge struct {
	// Mitigates maps a mitigation id to the technique ids it mitigates. Every
	// key is a known mitigation, even when its list is empty.
	Mitigates map[string][]string
	// Parents maps a sub-technique id to its parent technique id. Cycles are
	// tolerated: the walk up stops at the first repeated id.
	Parents map[string]string

	// index, set by FromRelease, keeps the inverse of Mitigates (each
	// technique's mitigations), built on the first question and reused by
	// every later one; without it, every question builds it again.
	index *mitigationIndex
}

// mitigationIndex is the inverse of one Mitigates map, built once.
type mitigationIndex struct {
	once   sync.Once
	source map[string][]string // the Mitigates it was built from
	direct map[string][]string
	all    []string
	known  map[string]bool
}

func (x *mitigationIndex) build(mitigates map[string][]string) {
	x.source = mitigates
	x.direct = make(map[string][]string)
	x.known = make(map[string]bool, len(mitigates))
	for m, techs := range mitigates {
		x.all = append(x.all, m)
		x.known[m] = true
		for _, t := range techs {
			if t != "" {
				x.direct[t] = append(x.direct[t], m)
			}
		}
	}
	slices.Sort(x.all)
	for t, ms := range x.direct {
		slices.Sort(ms)
		x.direct[t] = slices.Compact(ms)
	}
}

// mitigations returns the index of k.Mitigates: k's own, built once, when
// it has one for this very map (a copy of a Knowledge whose Mitigates was
// replaced gets a fresh one), otherwise a fresh one.
func (k Knowledge) mitigations() *mitigationIndex {
	if x := k.index; x != nil {
		x.once.Do(func() { x.build(k.Mitigates) })
		if reflect.ValueOf(x.source).UnsafePointer() == reflect.ValueOf(k.Mitigates).UnsafePointer() {
			return x
		}
	}
	x := &mitigationIndex{}
	x.build(k.Mitigates)
	return x
}

// Options tunes how mitigations are matched to techniques.
type Options struct {
	// InheritFromParent, when true, makes a mitigation of a parent technique
	// also cover its sub-techniques (transitively). It never works the other way:
	// mitigating a sub-technique does not cover its parent.
	InheritFromParent bool
}

// ErrInvalidInput is matched (with errors.Is) by every error this package
// returns: all of them report an input the caller must fix.
var ErrInvalidInput = errors.New("invalid input")

// ErrCycle is returned (wrapped) when a chain's Next links form a cycle. It
// also matches [ErrInvalidInput].
var ErrCycle error = &inputError{"chain has a cycle"}

// ErrDanglingStep is returned (wrapped) when a step's Next names a step the
// chain does not contain. It also matches [ErrInvalidInput].
var ErrDanglingStep error = &inputError{"chain links to an unknown step"}

// inputError is a sentinel that is also an ErrInvalidInput, so that callers can
// test for the broad class or for the precise cause.
type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func (e *inputError) Is(target error) bool { return target == ErrInvalidInput }

// coverage answers "which mitigations cover this technique" under one Options
// value, memoising the walk up the parent links.
type coverage struct {
	direct  map[string][]string
	parents map[string]string
	inherit bool
	memo    map[string][]string
	all     []string
	known   map[string]bool
}

func newCoverage(k Knowledge, opts Options) *coverage {
	x := k.mitigations()
	// direct, all and known may be shared with other questions: read only.
	return &coverage{
		direct:  x.direct,
		parents: k.Parents,
		inherit: opts.InheritFromParent,
		memo:    make(map[string][]string),
		all:     x.all,
		known:   x.known,
	}
}

// of returns the sorted ids of the mitigations covering technique t. The
// returned slice is shared and must not be modified.
func (c *coverage) of(t string) []string {
	if t == "" {
		return nil
	}
	if v, ok := c.memo[t]; ok {
		return v
	}
	var v []string
	if !c.inherit {
		v = c.direct[t]
	} else {
		seen := map[string]bool{}
		for cur := t; cur != "" && !seen[cur]; cur = c.parents[cur] {
			seen[cur] = true
			v = append(v, c.direct[cur]...)
		}
		slices.Sort(v)
		v = slices.Compact(v)
	}
	c.memo[t] = v
	return v
}

// StopReason says why a search ended before it was complete.
type StopReason string

// The reasons a search stops early.
const (
	// StopBudget: the node or expansion budget of the request was spent.
	StopBudget StopReason = "budget"
	// StopCancelled: the caller's context was cancelled.
	StopCancelled StopReason = "cancelled"
	// StopDeadline: the caller's context passed its deadline.
	StopDeadline StopReason = "deadline"
	// StopTimeLimit: the time limit of the request (SetRequest.TimeLimit)
	// passed.
	StopTimeLimit StopReason = "timeLimit"
)

// ctxStop returns why ctx is done, or "" while it is not.
func ctxStop(ctx context.Context) StopReason {
	switch err := ctx.Err(); {
	case err == nil:
		return ""
	case errors.Is(err, context.DeadlineExceeded):
		return StopDeadline
	default:
		return StopCancelled
	}
}

// ctxError wraps the reason ctx is done for a computation that has nothing
// meaningful to answer when stopped early.
func ctxError(ctx context.Context, what string) error {
	return fmt.Errorf("%s stopped: %w", what, context.Cause(ctx))
}
