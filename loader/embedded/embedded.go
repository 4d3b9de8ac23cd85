// Package embedded carries one ATLAS release inside the binary, so that a
// first run without network still has data: the newest release at build
// time, gzip-compressed, with its sha256 and MITRE's Apache-2.0 notice
// (NOTICE in this folder).
//
// The folder holds exactly one ATLAS-*.yaml.gz, its .sha256 (the format of
// sha256sum: "HEX  NAME") and NOTICE. scripts/embed-release.sh replaces them
// with a newer release; no Go code names the file, so nothing else changes.
//
// This copy is product data. Tests read releases from ../shared/data; the
// only test of this package checks that the embedded copy is byte for byte
// the shared file of the same name.
package embedded

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// Keyword is the release name that selects the embedded copy, as in
// `atlasgraph load --release embedded`.
const Keyword = "embedded"

//go:embed *.yaml.gz *.sha256 NOTICE
var files embed.FS

// Name is the upstream file name of the embedded release, for example
// "ATLAS-2026.05.yaml".
func Name() string {
	m, _ := fs.Glob(files, "*.yaml.gz")
	if len(m) != 1 {
		// The go:embed pattern guarantees at least one; two is a refresh
		// gone wrong, which the package test reports.
		return strings.Join(m, ",")
	}
	return strings.TrimSuffix(m[0], ".gz")
}

// Version is the release version its file name gives ("2026.05" for
// ATLAS-2026.05.yaml); the package test checks that it is the
// collection.version inside the file.
func Version() string {
	return strings.TrimSuffix(strings.TrimPrefix(Name(), "ATLAS-"), ".yaml")
}

// Source is how loads from the embedded copy name their source, in messages
// and on the :Release node.
func Source() string { return Keyword + ":" + Name() }

// SHA256 is the hex sha256 of the uncompressed release, as recorded beside
// it when it was embedded.
func SHA256() string {
	b, err := files.ReadFile(Name() + ".sha256")
	if err != nil {
		return ""
	}
	sum, _, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	return strings.ToLower(sum)
}

// Notice is MITRE's licence notice for the embedded data (Apache-2.0).
func Notice() string {
	b, _ := files.ReadFile("NOTICE")
	return string(b)
}

// Open returns the uncompressed release as a stream. It does not check the
// digest; Bytes does.
func Open() (io.ReadCloser, error) {
	f, err := files.Open(Name() + ".gz")
	if err != nil {
		return nil, fmt.Errorf("embedded release %s: %w", Name(), err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("embedded release %s is not gzip data: %w", Name(), err)
	}
	return readCloser{zr, f}, nil
}

// Bytes returns the uncompressed release after checking it against
// SHA256, so a damaged build can never load wrong data.
func Bytes() ([]byte, error) {
	r, err := Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return nil, fmt.Errorf("embedded release %s: decompress: %w", Name(), err)
	}
	sum := sha256.Sum256(buf.Bytes())
	if got, want := hex.EncodeToString(sum[:]), SHA256(); got != want {
		return nil, fmt.Errorf("embedded release %s has sha256 %s, not the recorded %s; rebuild atlasgraph (scripts/embed-release.sh refreshes the copy)", Name(), got, want)
	}
	return buf.Bytes(), nil
}

type readCloser struct {
	io.Reader
	file io.Closer
}

func (r readCloser) Close() error { return r.file.Close() }
