package loader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/atlasgraph/atlasgraph/loader/embedded"
)

// DefaultUpstream is where atlas-data publishes its releases; the manifest
// is dist/manifest.yaml below it.
const DefaultUpstream = "https://raw.githubusercontent.com/mitre-atlas/atlas-data/main/dist/"

// Source says where to get a release: exactly one of Path, URL, or an
// upstream release (Release, "" meaning the newest; embedded.Keyword,
// "embedded", meaning the copy built into the binary, without network).
type Source struct {
	Path    string
	URL     string
	Release string
	// Upstream is the base URL of atlas-data's dist folder; "" means
	// DefaultUpstream.
	Upstream string
	// SHA256, when set, is the digest the bytes must have.
	SHA256 string
}

// Fetcher gets release files. Its zero value uses http.DefaultClient; set
// Client to bound time.
type Fetcher struct {
	Client   *http.Client
	MaxBytes int64
}

// Fetch returns the bytes of a release and a name for messages (the path or
// URL read). Upstream releases are resolved through dist/manifest.yaml,
// never through the ATLAS-latest.yaml symlink, whose raw download is a file
// name rather than YAML.
func (f Fetcher) Fetch(ctx context.Context, src Source) (string, []byte, error) {
	if f.MaxBytes == 0 {
		f.MaxBytes = DefaultLimits().MaxBytes
	}
	var name string
	var data []byte
	var err error
	switch {
	case src.Path != "":
		name = src.Path
		data, err = f.readFile(src.Path)
	case src.URL != "":
		name = src.URL
		data, err = f.get(ctx, src.URL)
	case src.Release == embedded.Keyword:
		name = embedded.Source()
		data, err = embedded.Bytes()
	default:
		name, err = f.resolve(ctx, src)
		if err == nil {
			data, err = f.get(ctx, name)
		}
	}
	if err != nil {
		return name, nil, err
	}
	if src.SHA256 != "" {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); !strings.EqualFold(got, src.SHA256) {
			return name, nil, fmt.Errorf("%s has sha256 %s, not the %s given with --sha256; the download is corrupt or the release changed", name, got, src.SHA256)
		}
	}
	return name, data, nil
}

func (f Fetcher) readFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: no such file; give the path of an ATLAS release YAML file", path)
		}
		return nil, fmt.Errorf("%s: cannot open: %w", path, err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s is a folder; give the path of an ATLAS release YAML file inside it", path)
	}
	return f.readCapped(path, fh)
}

func (f Fetcher) readCapped(name string, r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, f.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read: %w", name, err)
	}
	if int64(len(data)) > f.MaxBytes {
		return nil, fmt.Errorf("%s is larger than the limit of %d bytes; raise --max-bytes if this release really is that large", name, f.MaxBytes)
	}
	return data, nil
}

func (f Fetcher) get(ctx context.Context, u string) ([]byte, error) {
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", u)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("cannot download %s: %w; check the network, or load a local file instead", u, unreachable{err})
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cannot download %s: the server answered %s", u, resp.Status)
	}
	data, err := f.readCapped(u, resp.Body)
	if err != nil {
		return nil, err
	}
	// A git symlink downloaded raw is the name of its target, not YAML.
	if len(data) < 200 && !strings.Contains(string(data), "\n") && strings.HasSuffix(strings.TrimSpace(string(data)), ".yaml") {
		return nil, fmt.Errorf("%s holds only the name %q (a symlink); download that file instead", u, strings.TrimSpace(string(data)))
	}
	return data, nil
}

// manifestEntry is one release listed in atlas-data's dist/manifest.yaml.
type manifestEntry struct {
	Release     string `yaml:"release"`
	ReleaseDate string `yaml:"release-date"`
	Versions    []struct {
		FormatVersion string `yaml:"format-version"`
		Path          string `yaml:"path"`
	} `yaml:"versions"`
}

// resolve finds the URL of an upstream release through the manifest.
func (f Fetcher) resolve(ctx context.Context, src Source) (string, error) {
	base := src.Upstream
	if base == "" {
		base = DefaultUpstream
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	manifestURL := base + "manifest.yaml"
	raw, err := f.get(ctx, manifestURL)
	if err != nil {
		return manifestURL, fmt.Errorf("cannot read the upstream release list: %w", err)
	}
	var entries []manifestEntry
	if err := yaml.Unmarshal(raw, &entries); err != nil {
		return manifestURL, fmt.Errorf("%s is not a release list (%v); check --upstream", manifestURL, err)
	}
	if len(entries) == 0 {
		return manifestURL, fmt.Errorf("%s lists no releases; check --upstream", manifestURL)
	}
	// The manifest lists the newest first; the release dates settle it when
	// they are given, since names mix semver (5.6.0) and dates (2026.05).
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i].ReleaseDate, entries[j].ReleaseDate
		return a != "" && b != "" && a > b
	})
	var pick *manifestEntry
	if src.Release == "" {
		pick = &entries[0]
	} else {
		var names []string
		for i := range entries {
			names = append(names, entries[i].Release)
			if entries[i].Release == src.Release {
				pick = &entries[i]
			}
		}
		if pick == nil {
			return manifestURL, fmt.Errorf("upstream has no release %q; it has %s", src.Release, strings.Join(names, ", "))
		}
	}
	// Prefer the newest layout atlasgraph reads.
	path := ""
	for _, v := range pick.Versions {
		if major, _, _ := strings.Cut(v.FormatVersion, "."); major == "6" {
			path = v.Path
		}
	}
	if path == "" && len(pick.Versions) > 0 {
		path = pick.Versions[0].Path
	}
	if path == "" {
		return manifestURL, fmt.Errorf("%s lists release %s without a file path", manifestURL, pick.Release)
	}
	// Paths may be written from the repository root or from dist/.
	ref, err := url.Parse(strings.TrimPrefix(path, "dist/"))
	if err != nil {
		return manifestURL, fmt.Errorf("%s: release %s has a bad path %q", manifestURL, pick.Release, path)
	}
	b, _ := url.Parse(base)
	return b.ResolveReference(ref).String(), nil
}
