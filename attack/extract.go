package attack

import (
	"encoding/json"
	"fmt"
	"io"
)

// ExtractNotice is MITRE's notice, carried inside every extract: the ATT&CK Terms of Use
// ask that copies of ATT&CK content keep the copyright and licence statement.
const ExtractNotice = "MITRE ATT&CK(R) Enterprise, extracted by atlasgraph (groups, their aliases and the techniques they use, " +
	"with ATT&CK's descriptions of each use). © The MITRE Corporation. This work is reproduced and distributed with the " +
	"permission of The MITRE Corporation under the ATT&CK Terms of Use, https://attack.mitre.org/resources/legal-and-branding/terms-of-use/."

// extract is the compact form of a Bundle: what atlasgraph keeps of a release, without the
// technique descriptions (the ATT&CK website has them; actor questions need the names).
type extract struct {
	Notice     string      `json:"notice"`
	Version    string      `json:"version"`
	SHA256     string      `json:"sha256"`
	Source     string      `json:"source"`
	Groups     []Group     `json:"groups"`
	Techniques []Technique `json:"techniques"`
	Uses       []Use       `json:"uses"`
	Stats      Stats       `json:"stats"`
}

// Extract is the compact form of b that atlasgraph embeds for offline actor questions:
// every group with its aliases, every technique (id, name, URL, parent, tactics; no
// description) and every use of a technique by a group with ATT&CK's description of it,
// with MITRE's notice. The same bundle always gives the same bytes.
func Extract(w io.Writer, b *Bundle) error {
	ts := make([]Technique, len(b.Techniques))
	for i, t := range b.Techniques {
		t.Description = ""
		ts[i] = t
	}
	e := extract{Notice: ExtractNotice, Version: b.Version, SHA256: b.SHA256, Source: b.Source,
		Groups: b.Groups, Techniques: ts, Uses: b.Uses, Stats: b.Stats}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	return enc.Encode(e)
}

// ReadExtract reads what Extract wrote. The bundle's SHA256 is that of the bundle it was
// extracted from, so loading that bundle later changes nothing in the store, and name is
// kept as its Source.
func ReadExtract(r io.Reader, name string) (*Bundle, error) {
	var e extract
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%w: %s: not an ATT&CK extract: %v", ErrInvalid, name, err)
	}
	if e.Version == "" || len(e.Groups) == 0 {
		return nil, fmt.Errorf("%w: %s: the extract has no version or no groups", ErrInvalid, name)
	}
	return &Bundle{Version: e.Version, SHA256: e.SHA256, Source: name, Groups: e.Groups, Techniques: e.Techniques,
		Uses: e.Uses, Stats: e.Stats}, nil
}
