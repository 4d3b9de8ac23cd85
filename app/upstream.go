package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/upstream"
)

// UpstreamReleases lists upstream's releases (atlas-data's dist/ at
// upstreamURL), marking the loaded ones, the current one and those newer
// than it.
func (s *Service) UpstreamReleases(ctx context.Context, upstreamURL string, timeout time.Duration) (_ upstream.Report, err error) {
	defer wrap(&err)
	loaded, current, err := s.loaded(ctx)
	if err != nil {
		return upstream.Report{}, err
	}
	f := loader.Fetcher{Client: &http.Client{Timeout: timeout}}
	return upstream.Check(ctx, f, upstreamURL, loaded, current)
}

// loaded lists the complete releases and the current one.
func (s *Service) loaded(ctx context.Context) ([]string, string, error) {
	rels, err := s.Releases(ctx)
	if err != nil {
		return nil, "", err
	}
	var loaded []string
	current := ""
	for _, r := range rels {
		if r.Status != StatusComplete {
			continue
		}
		loaded = append(loaded, r.Version)
		if r.Current {
			current = r.Version
		}
	}
	return loaded, current, nil
}

// UpstreamChecker returns a background check of upstream's release list
// (atlas-data's dist/ at upstreamURL, a URL or a local folder) against the
// releases loaded here. The caller starts it; it never runs on a request.
// With off set it never goes to the network and reports nothing.
func (s *Service) UpstreamChecker(upstreamURL string, off bool, log *slog.Logger) *upstream.Checker {
	return &upstream.Checker{
		Fetcher:  loader.Fetcher{Client: &http.Client{Timeout: 30 * time.Second}, MaxBytes: 1 << 20},
		Upstream: upstreamURL,
		Offline:  off,
		Logger:   log,
		Loaded:   s.loaded,
	}
}
