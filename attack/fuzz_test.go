package attack

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParse: whatever the bytes, Parse returns a bundle or an error wrapping ErrInvalid; it
// never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"type":"bundle","objects":[]}`,
		`{"type":"bundle","id":"bundle--enterprise-attack-18-1","objects":[{"type":"x-mitre-matrix","id":"x-mitre-matrix--1","external_references":[{"source_name":"mitre-attack","external_id":"enterprise-attack"}]},` +
			`{"type":"intrusion-set","id":"intrusion-set--1","name":"A","aliases":["A","B"],"external_references":[{"source_name":"mitre-attack","external_id":"G0001"}]},` +
			`{"type":"attack-pattern","id":"attack-pattern--1","name":"T","external_references":[{"source_name":"mitre-attack","external_id":"T1566"}]},` +
			`{"type":"relationship","id":"relationship--1","relationship_type":"uses","source_ref":"intrusion-set--1","target_ref":"attack-pattern--1"}]}`,
		`{"type":"bundle","objects":[{"type":"relationship","id":"relationship--1","source_ref":"a--1","target_ref":"b--2"}]}`,
		`[`, `{"objects":[{`, `{"type":1}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Parse(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if b.Version == "" || len(b.Groups) == 0 || len(b.Techniques) == 0 {
			t.Fatalf("accepted a bundle without version, groups or techniques: %+v", b)
		}
	})
}
