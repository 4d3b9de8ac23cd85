package attack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"
)

// DefaultUpstream is where MITRE publishes ATT&CK STIX 2.1 bundles; a version's Enterprise
// bundle is enterprise-attack/enterprise-attack-VERSION.json below it.
const DefaultUpstream = "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/"

var versionArg = regexp.MustCompile(`^v?(\d+\.\d+)$`)

// Location tells what an --attack argument names: an http(s) URL, a version ("18.1", read
// from upstream), or else a file path.
func Location(arg, upstream string) (kind, where string) {
	switch {
	case strings.HasPrefix(arg, "http://") || strings.HasPrefix(arg, "https://"):
		return "url", arg
	case versionArg.MatchString(arg):
		if _, err := os.Stat(arg); err == nil {
			return "file", arg
		}
		if upstream == "" {
			upstream = DefaultUpstream
		}
		v := versionArg.FindStringSubmatch(arg)[1]
		return "url", strings.TrimSuffix(upstream, "/") + "/enterprise-attack/enterprise-attack-" + v + ".json"
	default:
		return "file", arg
	}
}

// Open parses the ATT&CK bundle an --attack argument names (a file, an http(s) URL or a
// version), streaming it: the file or the response body is read once, never held whole.
// client bounds the download; nil means a client with a 5-minute timeout.
func Open(ctx context.Context, arg, upstream string, client *http.Client) (*Bundle, error) {
	kind, where := Location(arg, upstream)
	if kind == "file" {
		f, err := os.Open(where)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("ATT&CK bundle %s does not exist: give a file, an https URL, or a version such as 18.1", where)
			}
			return nil, fmt.Errorf("open ATT&CK bundle: %w", err)
		}
		defer f.Close()
		return Parse(f, where)
	}
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Minute}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return nil, fmt.Errorf("ATT&CK bundle URL %s: %w", where, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download ATT&CK bundle %s: %w (check the network, or give a local file)", where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg := "check the URL"
		if resp.StatusCode == http.StatusNotFound {
			msg = "no such file upstream: check the version (see github.com/mitre-attack/attack-stix-data)"
		}
		return nil, fmt.Errorf("download ATT&CK bundle %s: HTTP %d: %s", where, resp.StatusCode, msg)
	}
	b, err := Parse(resp.Body, where)
	if err != nil {
		return nil, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return b, nil
}
