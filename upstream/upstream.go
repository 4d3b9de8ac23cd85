// Package upstream answers "is there a newer ATLAS release than the one
// loaded?" from atlas-data's dist/manifest.yaml: Check lists the upstream
// releases with their dates, which are loaded and which are newer than the
// current one; Checker repeats that check in the background, at most once a
// day by default, so no request ever waits for the network.
//
// It reads the manifest only; it loads nothing (loader and store do).
package upstream

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/loader"
)

// Release is one release the upstream manifest lists.
type Release struct {
	// Name is the release name ("2026.05", "5.6.0"); Date its release-date
	// ("2026-05-27"), "" when the manifest gives none.
	Name string `json:"name"`
	Date string `json:"date"`
	// FormatVersions are the file formats it is published in.
	FormatVersions []string `json:"formatVersions"`
	// Readable says whether this atlasgraph reads one of those formats
	// (6.x, or the legacy layout before 6); a release it cannot read needs
	// a newer atlasgraph.
	Readable bool `json:"readable"`
	// Loaded says whether a release of that name is loaded; Current whether
	// it is the current one; Newer whether it is newer than the current.
	Loaded  bool `json:"loaded"`
	Current bool `json:"current"`
	Newer   bool `json:"newer"`
}

// Report is the result of one check.
type Report struct {
	// Upstream is where the manifest was read.
	Upstream string `json:"upstream"`
	// Current is the current release ("" when none is loaded).
	Current string `json:"current"`
	// Releases are newest first.
	Releases []Release `json:"releases"`
	// Newest is the newest upstream release ("" when the manifest is empty).
	Newest string `json:"newest"`
	// NewerThanCurrent names the releases newer than the current one,
	// newest first; all of them when nothing is loaded.
	NewerThanCurrent []string  `json:"newerThanCurrent"`
	CheckedAt        time.Time `json:"checkedAt"`
}

// Check reads the upstream manifest (an http(s) URL or a local copy of
// atlas-data's dist/ folder; "" means loader.DefaultUpstream) and compares
// it with the loaded releases and the current one. A release is newer than
// the current one when its release-date is later than the current's in the
// manifest; when the current release is not in the manifest, the names are
// compared (YYYY.MM names come after semver ones).
func Check(ctx context.Context, f loader.Fetcher, upstream string, loaded []string, current string) (Report, error) {
	entries, where, err := f.Manifest(ctx, upstream)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Upstream: where, Current: current, Releases: []Release{}, NewerThanCurrent: []string{}, CheckedAt: time.Now()}
	isLoaded := map[string]bool{}
	for _, v := range loaded {
		isLoaded[v] = true
	}
	currentDate := ""
	for _, e := range entries {
		if e.Release == current {
			currentDate = e.ReleaseDate
		}
	}
	for _, e := range entries {
		r := Release{Name: e.Release, Date: e.ReleaseDate, FormatVersions: []string{}, Readable: e.Readable(),
			Loaded: isLoaded[e.Release], Current: e.Release == current}
		for _, v := range e.Versions {
			r.FormatVersions = append(r.FormatVersions, v.FormatVersion)
		}
		switch {
		case current == "":
			r.Newer = true
		case e.Release == current:
		case currentDate != "" && e.ReleaseDate != "":
			r.Newer = e.ReleaseDate > currentDate
		default:
			r.Newer = atlas.CompareVersions(e.Release, current) > 0
		}
		if r.Newer {
			rep.NewerThanCurrent = append(rep.NewerThanCurrent, r.Name)
		}
		rep.Releases = append(rep.Releases, r)
	}
	if len(rep.Releases) > 0 {
		rep.Newest = rep.Releases[0].Name
	}
	return rep, nil
}

// Loaded tells the checker which releases are loaded and which is current.
// It is called from the checker's goroutine, never on a request.
type Loaded func(ctx context.Context) (loaded []string, current string, err error)

// Status is what the background check last found.
type Status struct {
	// Newest is the newest upstream release and NewerThanCurrent the
	// releases newer than the current one (empty: up to date).
	Newest           string
	NewerThanCurrent []string
	CheckedAt        time.Time
	// Err is the last check's error, if it failed; the fields above then
	// keep the last successful check.
	Err error
}

// Checker repeats Check in the background. Its zero value is not usable:
// set Fetcher (with a Client that has a timeout), Loaded and, unless
// Offline, Upstream.
type Checker struct {
	Fetcher  loader.Fetcher
	Upstream string
	Loaded   Loaded
	// Interval between checks; 0 means 24 hours.
	Interval time.Duration
	// Timeout bounds one check; 0 means one minute.
	Timeout time.Duration
	// Offline turns the checker off: Start does nothing and Latest reports
	// nothing, so an offline machine never tries the network.
	Offline bool
	Logger  *slog.Logger

	mu   sync.Mutex
	last Status
	ok   bool
	// failing is the error text of the failure last logged at WARN, so that
	// an offline machine logs the same failure once, not at every interval.
	failing string
	// Checked, when set, is called after each check (for tests and metrics).
	Checked func(Status)
}

// Start runs a check now and then every Interval until ctx ends, on its own
// goroutine; it returns at once. It does nothing when Offline.
func (c *Checker) Start(ctx context.Context) {
	if c.Offline {
		return
	}
	interval := c.Interval
	if interval <= 0 {
		interval = 24 * time.Hour
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			c.checkOnce(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

func (c *Checker) checkOnce(ctx context.Context) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	st, err := c.check(ctx)
	c.mu.Lock()
	if err != nil {
		c.last.Err = err
	} else {
		c.last, c.ok = st, true
	}
	st = c.last
	repeat := err != nil && c.failing == err.Error()
	recovered := err == nil && c.failing != ""
	if err != nil {
		c.failing = err.Error()
	} else {
		c.failing = ""
	}
	c.mu.Unlock()
	if c.Logger != nil {
		switch {
		case err != nil && repeat:
			c.Logger.Debug("upstream check failed again", "upstream", c.Upstream, "err", err)
		case err != nil:
			c.Logger.Warn("upstream check failed; will try again at the next interval and log again only if the failure changes (on an offline machine, serve --upstream-check=false turns the check off)", "upstream", c.Upstream, "err", err)
		case recovered:
			c.Logger.Info("upstream check works again", "upstream", c.Upstream)
		}
	}
	if c.Checked != nil {
		c.Checked(st)
	}
}

func (c *Checker) check(ctx context.Context) (Status, error) {
	if c.Loaded == nil {
		return Status{}, fmt.Errorf("upstream checker has no way to know the loaded releases")
	}
	loaded, current, err := c.Loaded(ctx)
	if err != nil {
		return Status{}, fmt.Errorf("list loaded releases: %w", err)
	}
	rep, err := Check(ctx, c.Fetcher, c.Upstream, loaded, current)
	if err != nil {
		return Status{}, err
	}
	return Status{Newest: rep.Newest, NewerThanCurrent: rep.NewerThanCurrent, CheckedAt: rep.CheckedAt}, nil
}

// Latest returns what the last check found without waiting: ok is false
// until a check has succeeded (or always, when Offline). Safe for
// concurrent use; meant for the request path and metrics.
func (c *Checker) Latest() (st Status, ok bool) {
	if c.Offline {
		return Status{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st = c.last
	st.NewerThanCurrent = append([]string(nil), st.NewerThanCurrent...)
	return st, c.ok
}
