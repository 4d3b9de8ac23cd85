package attack

import "testing"

func TestRenderCitations(t *testing.T) {
	for in, want := range map[string]string{
		"no markup here": "no markup here",
		"[APT28](https://attack.mitre.org/groups/G0007) has used spearphishing.(Citation: Microsoft STRONTIUM Aug 2019)": "[APT28](https://attack.mitre.org/groups/G0007) has used spearphishing.(Microsoft STRONTIUM Aug 2019)",
		"used it (Citation: A 2019)(Citation: B 2020) (Citation: C) and more.":                                           "used it (A 2019; B 2020; C) and more.",
		"first (Citation: X). Then (Citation: Y)":                                                                        "first (X). Then (Y)",
	} {
		if got := RenderCitations(in); got != want {
			t.Errorf("RenderCitations(%q) = %q, want %q", in, got, want)
		}
	}
}
