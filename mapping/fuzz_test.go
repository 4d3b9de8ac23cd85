package mapping_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/atlasgraph/atlasgraph/mapping"
)

// FuzzRead feeds the mapping reader arbitrary bytes in each format: it
// must return rows or an error, never panic, and every row has a place.
//
//	go test ./mapping -run '^$' -fuzz FuzzRead -fuzztime 60s
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, filepath.Ext(p))
	}
	f.Fuzz(func(t *testing.T, data []byte, ext string) {
		rows, err := mapping.Read("fuzz"+ext, data, "")
		if err != nil {
			return
		}
		for _, r := range rows {
			if r.Line < 1 {
				t.Fatalf("row without a line: %+v", r)
			}
		}
		mapping.Check(rows, []mapping.Names{{Version: "1", Objects: map[string]string{"AML.T0000": "x"}}})
	})
}
