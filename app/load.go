package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/attack"
	attackembedded "github.com/atlasgraph/atlasgraph/attack/embedded"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/loader/embedded"
	"github.com/atlasgraph/atlasgraph/store"
)

// The release use cases: read a release file (check), load it (with the
// offline policy and the ATT&CK link), switch and prune. The faces choose
// flags and print; the policy lives here once.

// ReleaseSource says where a release file comes from. Exactly one of Path,
// URL and Release is set, or none: the newest upstream release.
type ReleaseSource struct {
	// Path is a local file, URL an http(s) URL.
	Path, URL string
	// Release names an upstream release ("2026.05", "latest") or
	// EmbeddedRelease.
	Release string
	// Upstream is atlas-data's dist folder (a URL or a local folder); ""
	// means DefaultUpstream.
	Upstream string
	// SHA256, when set, is the digest the file must have.
	SHA256 string
	// MaxBytes is the largest file accepted; zero means DefaultMaxBytes.
	MaxBytes int64
	// Timeout bounds a download; zero means two minutes.
	Timeout time.Duration
}

// EmbeddedRelease names the release built into atlasgraph.
const EmbeddedRelease = embedded.Keyword

// DefaultUpstream is where upstream releases are found.
const DefaultUpstream = loader.DefaultUpstream

// DefaultMaxBytes is the largest release file accepted unless a source says
// otherwise: about 200 times the size of ATLAS 2026.05.
func DefaultMaxBytes() int64 { return loader.DefaultLimits().MaxBytes }

// Embedded describes the release built into atlasgraph ("VERSION, sha256
// PREFIX"), "" when none is.
func Embedded() string {
	sum := embedded.SHA256()
	if len(sum) > 12 {
		sum = sum[:12]
	}
	if embedded.Version() == "" {
		return ""
	}
	return embedded.Version() + ", sha256 " + sum
}

func (src ReleaseSource) newest() bool { return src.Path == "" && src.URL == "" && src.Release == "" }

// ReadRelease fetches a release, parses it and checks all of it; it writes
// nothing and needs no database. Every problem is reported (FILE:LINE:COL:
// OBJECT: FIELD: message) as a BadInput error; the warnings are things the
// loader mended, to show the user.
func ReadRelease(ctx context.Context, src ReleaseSource) (*atlas.Release, []string, error) {
	if src.MaxBytes <= 0 {
		src.MaxBytes = DefaultMaxBytes()
	}
	if src.Timeout <= 0 {
		src.Timeout = 2 * time.Minute
	}
	fetcher := loader.Fetcher{Client: &http.Client{Timeout: src.Timeout}, MaxBytes: src.MaxBytes}
	name, data, err := fetcher.Fetch(ctx, loader.Source{Path: src.Path, URL: src.URL, Release: src.Release, Upstream: src.Upstream, SHA256: src.SHA256})
	if err != nil {
		return nil, nil, sourceError(err)
	}
	lim := loader.DefaultLimits()
	lim.MaxBytes = src.MaxBytes
	rel, problems, err := loader.Parse(name, data, lim)
	if err != nil {
		return nil, nil, err
	}
	warnings := make([]string, len(problems))
	for i, p := range problems {
		warnings[i] = p.String()
	}
	return rel, warnings, nil
}

// Summary counts the objects of a release in one line.
func Summary(rel *atlas.Release) string {
	steps := 0
	for _, c := range rel.CaseStudies {
		steps += len(c.Steps)
	}
	return fmt.Sprintf("%d tactics, %d techniques, %d mitigations, %d case studies, %d steps, %d actors",
		len(rel.Tactics), len(rel.Techniques), len(rel.Mitigations), len(rel.CaseStudies), steps, len(rel.Actors))
}

// CurrentChoice says whether a load makes its release current.
type CurrentChoice int

// The choices of LoadRequest.Current.
const (
	// CurrentIfNotOlder, the default, makes the release current unless the
	// current one is newer (an older release is staged, with a note).
	CurrentIfNotOlder CurrentChoice = iota
	// CurrentAlways makes the release current whatever its version.
	CurrentAlways
	// CurrentNever stages the release.
	CurrentNever
)

// LoadRequest is one load: an ATLAS release, ATT&CK, or both.
type LoadRequest struct {
	// Release says which ATLAS release; the zero value is the newest
	// upstream one, which falls back, when upstream cannot be reached, on
	// keeping the current release or on the embedded one.
	Release ReleaseSource
	// NoRelease loads ATT&CK alone.
	NoRelease bool
	// Attack also loads MITRE ATT&CK Enterprise: a STIX 2.1 file, an https
	// URL or a version such as 18.1 (from AttackUpstream).
	Attack, AttackUpstream string
	Current                CurrentChoice
	// Replace overwrites a release (or ATT&CK version) of the same version
	// loaded from other content; never the current release.
	Replace bool
	// Progress, when set, is told how the writing goes.
	Progress func(LoadProgress)
	// Warn, when set, is told what the loader mended in the file.
	Warn func(string)
}

// LoadProgress is how far a load's writing is.
type LoadProgress struct {
	Version, Phase, What string
	Rows, Total          int
}

// LoadOutcome says what a load did. Release and Attack are nil when that
// part was not loaded; Notes are sentences for the user (a fallback taken,
// a release staged).
type LoadOutcome struct {
	Release *LoadedRelease
	Attack  *LoadedAttack
	Notes   []string
}

// LoadedRelease is the ATLAS part of a load.
type LoadedRelease struct {
	Version, Format, Summary string
	Unchanged, Current       bool
	Duration                 time.Duration
}

// LoadedAttack is the ATT&CK part of a load.
type LoadedAttack struct {
	Version                                                 string
	Unchanged                                               bool
	Groups, Techniques, Uses                                int
	RevokedObjects, DeprecatedObjects, RelationshipsLeftOut int
	// Links is the number of ATLAS techniques linked to ATT&CK, over every
	// loaded release.
	Links    int
	Duration time.Duration
}

// Load reads everything it is asked to load and checks it before writing
// anything, then writes the release (batched, made visible at the end)
// and links it to the ATT&CK versions loaded, or writes ATT&CK and links
// every release to it.
func (s *Service) Load(ctx context.Context, req LoadRequest) (_ *LoadOutcome, err error) {
	defer wrap(&err)
	if err := s.db("loading"); err != nil {
		return nil, err
	}
	out := &LoadOutcome{}
	var bundle *attack.Bundle
	if req.Attack != "" {
		timeout := req.Release.Timeout
		if timeout <= 0 {
			timeout = 2 * time.Minute
		}
		b, err := attack.Open(ctx, req.Attack, req.AttackUpstream, &http.Client{Timeout: timeout})
		if err != nil {
			return nil, sourceError(err)
		}
		bundle = b
	}
	if req.NoRelease {
		if bundle == nil {
			return nil, errorf(BadInput, "nothing to load: name a release or ATT&CK")
		}
		a, err := s.loadAttack(ctx, bundle, req.Replace)
		if err != nil {
			return nil, fail(err)
		}
		out.Attack = a
		return out, nil
	}
	rel, warnings, err := ReadRelease(ctx, req.Release)
	if err != nil {
		if !req.Release.newest() || !errors.Is(err, loader.ErrUnreachable) {
			return nil, err
		}
		// No network: keep what is loaded, or load the embedded copy.
		if cur, cerr := s.store.Release(ctx, ""); cerr == nil {
			out.Notes = append(out.Notes, fmt.Sprintf("%s; keeping the current release %s", err, cur.Version))
			if bundle != nil {
				if out.Attack, err = s.loadAttack(ctx, bundle, req.Replace); err != nil {
					return out, err
				}
				return out, nil
			}
			return out, s.loadEmbeddedAttack(ctx, out)
		}
		if Embedded() == "" {
			return nil, err
		}
		out.Notes = append(out.Notes, fmt.Sprintf("%s; loading the release built into atlasgraph (%s) instead", err, Embedded()))
		emb := req.Release
		emb.Release = EmbeddedRelease
		if rel, warnings, err = ReadRelease(ctx, emb); err != nil {
			return nil, err
		}
	}
	if req.Warn != nil {
		for _, w := range warnings {
			req.Warn(w)
		}
	}
	opt := store.LoadOptions{Replace: req.Replace}
	switch req.Current {
	case CurrentAlways:
		opt.Current = store.CurrentAlways
	case CurrentNever:
		opt.Current = store.CurrentNever
	}
	if req.Progress != nil {
		opt.Progress = func(p store.Progress) {
			req.Progress(LoadProgress{Version: rel.Version, Phase: p.Phase, What: p.What, Rows: p.Rows, Total: p.Total})
		}
	}
	res, err := s.store.Load(ctx, rel, opt)
	if err != nil {
		return nil, fail(err)
	}
	s.model.Invalidate()
	out.Release = &LoadedRelease{Version: rel.Version, Format: string(rel.Format), Summary: Summary(rel),
		Unchanged: res.Unchanged, Current: res.Current, Duration: res.Duration}
	if res.NotCurrent == store.NotCurrentOlder {
		out.Notes = append(out.Notes, res.Note())
	}
	if bundle != nil {
		a, err := s.loadAttack(ctx, bundle, req.Replace)
		if err != nil {
			return out, fail(err)
		}
		out.Attack = a
		return out, nil
	}
	// Link the release to the ATT&CK versions loaded before it.
	if _, err := s.store.LinkAttack(ctx, rel.Version); err != nil {
		return out, fail(err)
	}
	return out, s.loadEmbeddedAttack(ctx, out)
}

// loadEmbeddedAttack loads the ATT&CK extract built into atlasgraph when
// the store has no ATT&CK version at all, so that actors answer by every
// alias on a first run without network, as the embedded ATLAS release does
// for ATLAS. A store with any ATT&CK version is left alone.
func (s *Service) loadEmbeddedAttack(ctx context.Context, out *LoadOutcome) error {
	have, err := s.reader.AttackVersions(ctx)
	if err != nil || len(have) > 0 {
		return err
	}
	b, err := attackembedded.Bundle()
	if err != nil {
		return err
	}
	out.Notes = append(out.Notes, fmt.Sprintf("no ATT&CK is loaded; loaded the ATT&CK Enterprise %s extract built into atlasgraph (groups, aliases and the techniques they use); load a newer one with: atlasgraph load --attack VERSION", b.Version))
	out.Attack, err = s.loadAttack(ctx, b, false)
	return err
}

func (s *Service) loadAttack(ctx context.Context, b *attack.Bundle, replace bool) (*LoadedAttack, error) {
	res, err := s.store.LoadAttack(ctx, b, store.LoadOptions{Current: store.CurrentAlways, Replace: replace})
	if err != nil {
		return nil, err
	}
	st := b.Stats
	return &LoadedAttack{Version: b.Version, Unchanged: res.Unchanged, Groups: len(b.Groups), Techniques: len(b.Techniques), Uses: len(b.Uses),
		RevokedObjects: st.RevokedObjects, DeprecatedObjects: st.DeprecatedObjects, RelationshipsLeftOut: st.RelationshipsLeftOut,
		Links: res.Links, Duration: res.Duration}, nil
}

// sourceError classifies a failure to get a file: upstream out of reach is
// Unavailable (the offline policy looks for it), anything else (no such
// file, an HTTP error, a digest that does not match, a file that does not
// parse) is the user's to fix.
func sourceError(err error) error {
	if errors.Is(err, loader.ErrUnreachable) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &Error{Code: BadInput, Message: err.Error(), Err: err}
}
