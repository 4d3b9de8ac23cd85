// Package embedded carries a compact extract of one ATT&CK Enterprise release inside the
// binary, so that actor questions (any group by any alias, the techniques it uses) work out
// of the box without network: every group with its aliases, every technique without its
// description, and every use of a technique by a group with ATT&CK's description of it,
// gzip-compressed, with MITRE's notice inside the extract and in NOTICE beside it.
//
// `go generate ./attack/embedded` writes the extract from the shared ATT&CK bundle (gen.go);
// the package test checks that it equals the extract of ../shared/data/attack. A newer
// ATT&CK is loaded with `atlasgraph load --attack VERSION` (or a file); this copy only fills
// a store that has no ATT&CK at all.
package embedded

//go:generate go run gen.go -in ../../../shared/data/attack/enterprise-attack-18.1.json -out enterprise-attack.json.gz

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"

	"github.com/atlasgraph/atlasgraph/attack"
)

//go:embed enterprise-attack.json.gz
var extractGz []byte

// Source names the embedded extract in messages and on the :AttackRelease node.
const Source = "embedded:enterprise-attack.json"

// Bundle reads the embedded extract.
func Bundle() (*attack.Bundle, error) {
	zr, err := gzip.NewReader(bytes.NewReader(extractGz))
	if err != nil {
		return nil, fmt.Errorf("the embedded ATT&CK extract is damaged: %w", err)
	}
	defer zr.Close()
	b, err := attack.ReadExtract(zr, Source)
	if err != nil {
		return nil, fmt.Errorf("the embedded ATT&CK extract: %w", err)
	}
	return b, nil
}
