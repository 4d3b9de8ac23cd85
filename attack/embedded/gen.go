//go:build ignore

// gen writes the embedded ATT&CK extract from an ATT&CK Enterprise STIX bundle:
//
//	go run gen.go -in ../../../shared/data/attack/enterprise-attack-18.1.json
//
// It leaves the file alone when its content would not change, so a regeneration with
// another Go version (another gzip encoder) gives no diff.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/atlasgraph/atlasgraph/attack"
)

func main() {
	in := flag.String("in", "", "the ATT&CK Enterprise STIX 2.1 bundle")
	out := flag.String("out", "enterprise-attack.json.gz", "the extract to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := attack.Parse(f, filepath.Base(in))
	if err != nil {
		return err
	}
	var js bytes.Buffer
	if err := attack.Extract(&js, b); err != nil {
		return err
	}
	if old, err := os.ReadFile(out); err == nil {
		if zr, err := gzip.NewReader(bytes.NewReader(old)); err == nil {
			if prev, err := io.ReadAll(zr); err == nil && bytes.Equal(prev, js.Bytes()) {
				return nil
			}
		}
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return err
	}
	zw.Name = "enterprise-attack-" + b.Version + ".extract.json"
	if _, err := zw.Write(js.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, gz.Bytes(), 0o644)
}
