package loader

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atlasgraph/atlasgraph/loader/embedded"
)

// TestOfflineByName asks an upstream nothing listens on for releases by name: the embedded
// release comes from the binary, any other fails with an error that points at it.
func TestOfflineByName(t *testing.T) {
	f := Fetcher{Client: &http.Client{Timeout: 5 * time.Second}}
	down := "http://127.0.0.1:1/dist/"
	name, data, err := f.Fetch(context.Background(), Source{Release: embedded.Version(), Upstream: down})
	if err != nil {
		t.Fatalf("--release %s offline: %v", embedded.Version(), err)
	}
	want, _ := embedded.Bytes()
	if name != embedded.Source() || string(data) != string(want) {
		t.Errorf("--release %s offline read %s (%d bytes), want the embedded copy", embedded.Version(), name, len(data))
	}
	for _, rel := range []string{"", "2027.01"} {
		_, _, err := f.Fetch(context.Background(), Source{Release: rel, Upstream: down})
		if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "--release embedded") {
			t.Errorf("release %q offline: %v; want ErrUnreachable suggesting --release embedded", rel, err)
		}
	}
}
