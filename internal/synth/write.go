package synth

import (
	"bufio"
	"fmt"
	"slices"
	"strings"
)

// write emits the release in the v6 layout, in the order of the real files:
// collection, matrix, tactics, techniques, mitigations, case studies, then
// relationships keyed by source id.
func (r *release) write(w *bufio.Writer) {
	version := Version(r.opt.Scale)
	uuid := uuids(r.opt)
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }

	p("format-version: 6.0.0\n")
	p("collection:\n  name: ATLAS\n  description: %s\n  references: []\n", q(fmt.Sprintf("Synthetic ATLAS-like release, %d times the size of ATLAS 2026.05 (seed %d)", r.opt.Scale, r.opt.Seed)))
	p("  created-date: '2020-10-23'\n  modified-date: '2026-05-27'\n  version: %s\n  id: ATLAS-collection\n  uuid: %s\n  object-type: collection\n", q(version), uuid())
	p("matrix:\n  name: ATLAS\n  description: Adversarial Threat Landscape for AI Systems\n  references: []\n")
	p("  created-date: '2020-10-23'\n  modified-date: '2026-05-27'\n  id: ATLAS-matrix\n  uuid: %s\n  object-type: matrix\n", uuid())

	p("tactics:\n")
	ids := make([]int, len(tactics))
	for i := range ids {
		ids[i] = i
	}
	slices.SortFunc(ids, func(a, b int) int { return strings.Compare(tactics[a].id, tactics[b].id) })
	for _, i := range ids {
		t := tactics[i]
		p("  %s:\n    name: %s\n    description: %s\n    references: []\n", t.id, q(t.name), q("The adversary is trying to reach the goal of "+strings.ToLower(t.name)+"."))
		p("    created-date: '2021-05-13'\n    modified-date: '2025-10-13'\n    id: %s\n    uuid: %s\n    object-type: tactic\n", t.id, uuid())
	}

	p("techniques:\n")
	for _, t := range r.techniques {
		p("  %s:\n    name: %s\n    description: %s\n", t.id, q(t.name), q(t.desc))
		writeRefs(w, "    ", t.refs, t.id)
		p("    created-date: '%s'\n    modified-date: '%s'\n    platforms:\n", t.created, t.modified)
		for _, pl := range t.platforms {
			p("    - %s\n", pl)
		}
		if t.attack != "" {
			p("    attack-reference:\n      id: %s\n      url: https://attack.mitre.org/techniques/%s/\n", t.attack, t.attack)
		}
		p("    id: %s\n    maturity: %s\n    uuid: %s\n    object-type: technique\n", t.id, t.maturity, uuid())
	}

	p("mitigations:\n")
	for _, m := range r.mitigations {
		p("  %s:\n    name: %s\n    description: %s\n    references: []\n", m.id, q(m.name), q(m.desc))
		p("    created-date: '%s'\n    modified-date: '%s'\n    lifecycle-phases:\n", m.created, m.modified)
		for _, ph := range m.phases {
			p("    - %s\n", ph)
		}
		p("    categories:\n")
		for _, c := range m.cats {
			p("    - %s\n", c)
		}
		p("    id: %s\n    uuid: %s\n    object-type: mitigation\n", m.id, uuid())
	}

	p("case-studies:\n")
	for _, c := range r.cases {
		p("  %s:\n    name: %s\n    description: %s\n", c.id, q(c.name), q(c.desc))
		writeRefs(w, "    ", c.refs, c.id)
		p("    created-date: '%s'\n    modified-date: '%s'\n    type: %s\n    actor: %s\n    target: %s\n", c.created, c.modified, c.kind, q(c.actor), q(c.target))
		if c.reporter != "" {
			p("    reporter: %s\n", q(c.reporter))
		}
		p("    date: '%s'\n    date-granularity: %s\n    id: %s\n    uuid: %s\n    object-type: case-study\n", c.date, c.granularity, c.id, uuid())
	}

	p("relationships:\n")
	for _, c := range r.cases {
		p("  %s:\n    employs:\n", c.id)
		// Upstream sorts a case study's steps by technique, not by order.
		steps := slices.Clone(c.steps)
		slices.SortStableFunc(steps, func(a, b step) int {
			return strings.Compare(r.techniques[a.technique].id, r.techniques[b.technique].id)
		})
		for _, s := range steps {
			p("    - source: %s\n      target: %s\n      relationship-type: employs\n      description: %s\n", c.id, r.techniques[s.technique].id, q(s.desc))
			p("      tactic: %s\n      step-id: %s\n", tactics[s.tactic].id, s.id)
			if len(s.leadsTo) == 0 {
				p("      leads-to: []\n")
				continue
			}
			p("      leads-to:\n")
			for _, n := range s.leadsTo {
				p("      - %s\n", n)
			}
		}
	}
	for _, m := range r.mitigations {
		p("  %s:\n    mitigates:\n", m.id)
		for i, t := range m.links {
			p("    - source: %s\n      target: %s\n      relationship-type: mitigates\n      description: %s\n", m.id, r.techniques[t].id, q(m.linkDesc[i]))
		}
	}
	for _, t := range r.techniques {
		p("  %s:\n    achieves:\n", t.id)
		for _, ta := range t.tactics {
			p("    - source: %s\n      target: %s\n      relationship-type: achieves\n", t.id, tactics[ta].id)
		}
		if t.parent != "" {
			p("    specializes:\n    - source: %s\n      target: %s\n      relationship-type: specializes\n", t.id, t.parent)
		}
	}
	p("  ATLAS-matrix:\n    sequences:\n")
	for i, t := range tactics {
		p("    - source: ATLAS-matrix\n      target: %s\n      relationship-type: sequences\n      position: %d\n", t.id, i+1)
	}
}

// writeRefs writes a references list of n made-up entries.
func writeRefs(w *bufio.Writer, indent string, n int, id string) {
	if n == 0 {
		fmt.Fprintf(w, "%sreferences: []\n", indent)
		return
	}
	fmt.Fprintf(w, "%sreferences:\n", indent)
	for i := range n {
		fmt.Fprintf(w, "%s- id: ref-%d\n%s  title: %s\n%s  url: https://example.org/%s/ref-%d\n", indent, i+1, indent, q("Report "+fmt.Sprint(i+1)+" on "+id), indent, strings.ToLower(id), i+1)
	}
}

// q quotes a string for YAML in single quotes.
func q(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// uuids returns a generator of deterministic version-5-looking uuids,
// independent of the content draws so that they never shift them.
func uuids(opt Options) func() string {
	var n uint64
	return func() string {
		n++
		h := mix(opt.Seed ^ mix(uint64(opt.Scale)) ^ mix(n))
		h2 := mix(h)
		return fmt.Sprintf("%08x-%04x-5%03x-%04x-%012x", uint32(h>>32), uint16(h>>16), uint16(h)&0xfff, 0x8000|uint16(h2>>48)&0x3fff, h2&0xffffffffffff)
	}
}

// mix is splitmix64's finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
