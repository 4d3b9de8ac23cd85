package embedded_test

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/loader/embedded"
)

// TestEmbeddedIsTheSharedFile checks that the embedded release decompresses
// to exactly the published file of the same name in ../shared/data, that
// the recorded sha256 is that file's, and that the file name's version is
// the one inside the file.
func TestEmbeddedIsTheSharedFile(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var gz []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml.gz") {
			gz = append(gz, e.Name())
		}
	}
	if len(gz) != 1 || gz[0] != embedded.Name()+".gz" {
		t.Fatalf("loader/embedded must hold exactly one ATLAS-*.yaml.gz, found %v (Name() = %q)", gz, embedded.Name())
	}

	path, err := rawatlas.Shared(filepath.Join("atlas", "v6", embedded.Name()))
	if err != nil {
		t.Fatalf("the embedded release must be one of the shared test releases: %v", err)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wantSum := sha256.Sum256(want)

	got, err := embedded.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	gotSum := sha256.Sum256(got)
	if gotSum != wantSum || len(got) != len(want) {
		t.Fatalf("embedded %s decompresses to %d bytes with sha256 %x; %s has %d bytes, sha256 %x",
			embedded.Name(), len(got), gotSum, path, len(want), wantSum)
	}
	if embedded.SHA256() != hex.EncodeToString(wantSum[:]) {
		t.Errorf("recorded sha256 %q, file has %x", embedded.SHA256(), wantSum)
	}

	// The stream gives the same bytes as Bytes.
	r, err := embedded.Open()
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := io.ReadAll(r)
	r.Close()
	if err != nil || sha256.Sum256(streamed) != wantSum {
		t.Errorf("Open streams other bytes (err %v)", err)
	}

	rel, _, err := loader.Parse(embedded.Source(), got, loader.Limits{})
	if err != nil {
		t.Fatalf("the embedded release does not parse: %v", err)
	}
	if rel.Version != embedded.Version() {
		t.Errorf("file name says version %q, the file says %q", embedded.Version(), rel.Version)
	}
	if !strings.Contains(embedded.Notice(), "Apache License, Version 2.0") || !strings.Contains(embedded.Notice(), "MITRE") {
		t.Errorf("NOTICE does not carry MITRE's Apache-2.0 notice:\n%s", embedded.Notice())
	}
}

// TestLoadReleaseEmbedded fetches the embedded copy the way
// `atlasgraph load --release embedded` does, with no network.
func TestLoadReleaseEmbedded(t *testing.T) {
	src := loader.Source{Release: embedded.Keyword, Upstream: "http://127.0.0.1:1/unreachable/", SHA256: embedded.SHA256()}
	name, data, err := loader.Fetcher{}.Fetch(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	if name != embedded.Source() || !strings.Contains(name, embedded.Name()) {
		t.Errorf("source name %q", name)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != embedded.SHA256() {
		t.Errorf("fetched bytes have sha256 %x", sum)
	}
	src.SHA256 = strings.Repeat("0", 64)
	if _, _, err := (loader.Fetcher{}).Fetch(t.Context(), src); err == nil {
		t.Error("a wrong --sha256 was accepted for the embedded release")
	}
}
