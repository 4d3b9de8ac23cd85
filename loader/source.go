package loader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/atlasgraph/atlasgraph/loader/embedded"
)

// DefaultUpstream is where atlas-data publishes its releases; the manifest
// is dist/manifest.yaml below it.
const DefaultUpstream = "https://raw.githubusercontent.com/mitre-atlas/atlas-data/main/dist/"

// Source says where to get a release: exactly one of Path, URL, or an
// upstream release (Release, "" or "latest" meaning the newest;
// embedded.Keyword, "embedded", meaning the copy built into the binary,
// without network).
type Source struct {
	Path    string
	URL     string
	Release string
	// Upstream is the base URL of atlas-data's dist folder, or the path of
	// a local copy of it (or a file:// URL); "" means
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
			data, err = f.read(ctx, name)
		}
		if errors.Is(err, ErrUnreachable) && src.Release != "" && src.Release == embedded.Version() {
			// Offline, the release asked for by name is the one built in:
			// the same bytes (its sha256 is pinned), read from the binary.
			name = embedded.Source()
			data, err = embedded.Bytes()
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
		return nil, fmt.Errorf("cannot download %s: %w; check the network, load a local file instead, or load the release built into atlasgraph (ATLAS %s) with --release %s", u, unreachable{err}, embedded.Version(), embedded.Keyword)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("cannot download %s: the server answered %s", u, resp.Status)
	}
	ctype := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ctype); err == nil && notYAML(mt) {
		return nil, fmt.Errorf("got %s from %s, expected a YAML release; give the raw file's URL (on GitHub, the \"Raw\" link), not a web page", mt, u)
	}
	data, err := f.readCapped(u, resp.Body)
	if err != nil {
		return nil, err
	}
	if looksLikeHTML(data) {
		if ctype == "" {
			ctype = "no content type"
		}
		return nil, fmt.Errorf("got an HTML page (%s) from %s, expected a YAML release; give the raw file's URL (on GitHub, the \"Raw\" link)", ctype, u)
	}
	// A git symlink downloaded raw is the name of its target, not YAML.
	if len(data) < 200 && !strings.Contains(string(data), "\n") && strings.HasSuffix(strings.TrimSpace(string(data)), ".yaml") {
		return nil, fmt.Errorf("%s holds only the name %q (a symlink); download that file instead", u, strings.TrimSpace(string(data)))
	}
	return data, nil
}

// ManifestEntry is one release listed in atlas-data's dist/manifest.yaml.
type ManifestEntry struct {
	Release     string `yaml:"release" json:"release"`
	ReleaseDate string `yaml:"release-date" json:"releaseDate"`
	Versions    []struct {
		FormatVersion string `yaml:"format-version" json:"formatVersion"`
		Path          string `yaml:"path" json:"path"`
	} `yaml:"versions" json:"versions"`
}

// Latest is the release name that means the newest upstream release.
const Latest = "latest"

// isLocal reports whether an upstream location is a folder on this machine
// (a path, or a file:// URL) rather than an http(s) URL.
func isLocal(loc string) bool {
	return !strings.HasPrefix(loc, "http://") && !strings.HasPrefix(loc, "https://")
}

// upstreamBase returns the upstream location with its trailing separator,
// a file:// URL turned into a path.
func upstreamBase(base string) string {
	if base == "" {
		base = DefaultUpstream
	}
	if strings.HasPrefix(base, "file://") {
		if u, err := url.Parse(base); err == nil {
			base = u.Path
		}
	}
	if isLocal(base) {
		return strings.TrimSuffix(base, string(filepath.Separator)) + string(filepath.Separator)
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base
}

// read returns the bytes at a location: an http(s) URL or a path.
func (f Fetcher) read(ctx context.Context, loc string) ([]byte, error) {
	if isLocal(loc) {
		return f.readFile(loc)
	}
	return f.get(ctx, loc)
}

// Manifest reads the release list of an upstream (an http(s) URL or a
// local copy of atlas-data's dist/ folder; "" means DefaultUpstream),
// newest first, and returns it with the manifest's location.
func (f Fetcher) Manifest(ctx context.Context, upstream string) ([]ManifestEntry, string, error) {
	if f.MaxBytes == 0 {
		f.MaxBytes = DefaultLimits().MaxBytes
	}
	base := upstreamBase(upstream)
	manifestLoc := base + "manifest.yaml"
	if isLocal(base) {
		if st, err := os.Stat(base); err != nil || !st.IsDir() {
			return nil, manifestLoc, fmt.Errorf("upstream %s is not a folder nor an http(s) URL; give a copy of atlas-data's dist/ folder or its URL", upstream)
		}
	}
	raw, err := f.read(ctx, manifestLoc)
	if err != nil {
		return nil, manifestLoc, fmt.Errorf("cannot read the upstream release list: %w", err)
	}
	var entries []ManifestEntry
	if err := yaml.Unmarshal(raw, &entries); err != nil {
		return nil, manifestLoc, fmt.Errorf("%s is not a release list (%v); check --upstream", manifestLoc, err)
	}
	if len(entries) == 0 {
		return nil, manifestLoc, fmt.Errorf("%s lists no releases; check --upstream", manifestLoc)
	}
	// The manifest lists the newest first; the release dates settle it when
	// they are given, since names mix semver (5.6.0) and dates (2026.05).
	sort.SliceStable(entries, func(i, j int) bool {
		a, b := entries[i].ReleaseDate, entries[j].ReleaseDate
		return a != "" && b != "" && a > b
	})
	return entries, manifestLoc, nil
}

// resolve finds the location (URL or path) of an upstream release through
// the manifest.
func (f Fetcher) resolve(ctx context.Context, src Source) (string, error) {
	entries, manifestLoc, err := f.Manifest(ctx, src.Upstream)
	if err != nil {
		return manifestLoc, err
	}
	var pick *ManifestEntry
	if src.Release == "" || src.Release == Latest {
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
			return manifestLoc, fmt.Errorf("upstream has no release %q; it has %s", src.Release, strings.Join(names, ", "))
		}
	}
	if !pick.Readable() {
		var fv []string
		for _, v := range pick.Versions {
			fv = append(fv, v.FormatVersion)
		}
		return manifestLoc, fmt.Errorf("upstream release %s is published only in format %s; this atlasgraph reads %s. Upgrade atlasgraph (see docs/releases.md), or load an older release by name (atlasgraph releases upstream lists them)",
			pick.Release, strings.Join(fv, ", "), SupportedFormats)
	}
	path := pick.FilePath()
	if path == "" {
		return manifestLoc, fmt.Errorf("%s lists release %s without a file path", manifestLoc, pick.Release)
	}
	// Paths may be written from the repository root or from dist/.
	path = strings.TrimPrefix(path, "dist/")
	base := upstreamBase(src.Upstream)
	if isLocal(base) {
		clean := filepath.Clean(filepath.FromSlash(path))
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return manifestLoc, fmt.Errorf("%s: release %s has a path %q outside the upstream folder", manifestLoc, pick.Release, path)
		}
		return filepath.Join(base, clean), nil
	}
	ref, err := url.Parse(path)
	if err != nil {
		return manifestLoc, fmt.Errorf("%s: release %s has a bad path %q", manifestLoc, pick.Release, path)
	}
	b, _ := url.Parse(base)
	return b.ResolveReference(ref).String(), nil
}

// Readable reports whether the release is published in a format this
// atlasgraph reads (6.x, or the legacy layout before 6); an entry that
// names no format is tried.
func (e ManifestEntry) Readable() bool {
	if len(e.Versions) == 0 {
		return true
	}
	for _, v := range e.Versions {
		major, _, _ := strings.Cut(v.FormatVersion, ".")
		if n, err := strconv.Atoi(major); err != nil || n <= 6 {
			return true
		}
	}
	return false
}

// FilePath is the path of the release file in the newest layout this
// atlasgraph reads (v6 when listed), relative to the upstream.
func (e ManifestEntry) FilePath() string {
	path := ""
	for _, v := range e.Versions {
		if major, _, _ := strings.Cut(v.FormatVersion, "."); major == "6" {
			path = v.Path
		}
	}
	if path == "" && len(e.Versions) > 0 {
		path = e.Versions[0].Path
	}
	return path
}

// notYAML reports whether a media type cannot be a YAML release. Servers
// label YAML many ways (text/plain, application/yaml, octet-stream), so
// only the types that are surely something else are refused.
func notYAML(mt string) bool {
	switch {
	case mt == "text/html", mt == "application/xhtml+xml", mt == "text/xml", mt == "application/xml",
		mt == "application/pdf", mt == "application/zip", mt == "application/gzip", mt == "application/x-gzip",
		strings.HasPrefix(mt, "image/"), strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "video/"):
		return true
	}
	return false
}
