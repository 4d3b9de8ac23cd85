// Package synth writes synthetic ATLAS releases in the v6 layout, shaped like
// ATLAS 2026.05 and scaled up, for benchmarks and load tests.
//
// A release of scale N has the 16 tactics of 2026.05 (same ids, names and
// matrix order, so AML.TA0002 Reconnaissance and AML.TA0011 Impact exist at
// every scale), 101·N techniques and 69·N sub-techniques, 35·N mitigations
// with 2 to 17 links each (about 7 on average), and 57·N case studies of 5 to
// 12 steps whose tactics mostly follow the matrix order, start at
// Reconnaissance or Resource Development and end at Impact. About one case
// study in twelve branches (a diamond, or two alternative last steps).
// Technique use is skewed, a few techniques appearing in many case studies,
// so transitions repeat as in the real data. Case studies name actors drawn
// from a pool (a few "Unknown", a few naming two actors), and carry
// references, dates and descriptions of a realistic shape but shorter than
// the real ones.
//
// The output is a pure function of the options: the same seed and scale give
// the same bytes. It does not imitate the real content, only its shape.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Options say what to generate.
type Options struct {
	// Scale multiplies the numbers of techniques, mitigations and case
	// studies of 2026.05; it must be at least 1.
	Scale int
	// Seed makes the release; equal seeds give equal bytes.
	Seed uint64
}

// zipfS is the exponent of technique popularity, tuned so that scale 1 has
// about as many repeated transitions as 2026.05.
const zipfS = 1.15

// Per-scale-unit sizes, those of ATLAS 2026.05.
const (
	BaseTechniques    = 101
	BaseSubTechniques = 69
	BaseMitigations   = 35
	BaseCaseStudies   = 57
	Tactics           = 16
)

// Counts says what a generated release holds, as the loader will count it.
type Counts struct {
	Tactics, Techniques, SubTechniques, Mitigations, Mitigates int
	CaseStudies, Steps, LeadsTo, BranchingCaseStudies, Actors  int
}

// Version is the collection.version of a release of that scale, e.g.
// "synthetic-x10".
func Version(scale int) string { return fmt.Sprintf("synthetic-x%d", scale) }

// tactic ids and names in matrix order, with the number of 2026.05
// techniques achieving each (the weight of the tactic).
var tactics = []struct {
	id, name string
	weight   int
}{
	{"AML.TA0002", "Reconnaissance", 12},
	{"AML.TA0003", "Resource Development", 26},
	{"AML.TA0004", "Initial Access", 15},
	{"AML.TA0000", "AI Model Access", 4},
	{"AML.TA0005", "Execution", 13},
	{"AML.TA0006", "Persistence", 14},
	{"AML.TA0012", "Privilege Escalation", 4},
	{"AML.TA0007", "Defense Evasion", 16},
	{"AML.TA0013", "Credential Access", 6},
	{"AML.TA0008", "Discovery", 16},
	{"AML.TA0015", "Lateral Movement", 5},
	{"AML.TA0009", "Collection", 6},
	{"AML.TA0001", "AI Attack Staging", 17},
	{"AML.TA0014", "Command and Control", 3},
	{"AML.TA0010", "Exfiltration", 9},
	{"AML.TA0011", "Impact", 19},
}

type technique struct {
	id, name, maturity string
	platforms          []string
	attack             string
	tactics            []int // indices into tactics
	parent             string
	refs               int
	desc               string
	created, modified  string
}

type mitigation struct {
	id, name, desc    string
	phases, cats      []string
	links             []int // indices into techniques, sorted
	linkDesc          []string
	created, modified string
}

type step struct {
	id        string
	technique int
	tactic    int
	leadsTo   []string
	desc      string
}

type caseStudy struct {
	id, name, desc, kind, actor, target, reporter, date, granularity string
	created, modified                                                string
	refs                                                             int
	steps                                                            []step
}

type release struct {
	opt         Options
	techniques  []technique
	byTactic    [][]int // technique indices per tactic, in popularity order
	zipf        []*rand.Zipf
	mitigations []mitigation
	cases       []caseStudy
	counts      Counts
}

// Write generates a release and writes it as YAML to w.
func Write(w io.Writer, opt Options) (Counts, error) {
	if opt.Scale < 1 {
		return Counts{}, fmt.Errorf("scale %d: give a scale of 1 or more", opt.Scale)
	}
	r := generate(opt)
	bw := bufio.NewWriterSize(w, 1<<16)
	r.write(bw)
	if err := bw.Flush(); err != nil {
		return Counts{}, fmt.Errorf("write synthetic release: %w", err)
	}
	return r.counts, nil
}

func generate(opt Options) *release {
	rng := rand.New(rand.NewPCG(opt.Seed, uint64(opt.Scale)))
	r := &release{opt: opt}
	r.counts.Tactics = Tactics
	r.techniquesOf(rng)
	r.mitigationsOf(rng)
	r.caseStudiesOf(rng)
	return r
}

// pick returns an index drawn with the given weights.
func pick(rng *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := rng.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

var (
	maturities         = []string{"Demonstrated", "Realized", "Feasible"}
	maturityWeights    = []int{91, 58, 21}
	platformSets       = [][]string{{"Predictive AI", "Generative AI", "Agentic AI"}, {"Enterprise"}, {"Generative AI", "Agentic AI"}, {"Agentic AI"}, {"Predictive AI", "Generative AI", "Agentic AI", "Enterprise"}, {"Predictive AI"}}
	platformWeights    = []int{50, 47, 31, 22, 11, 9}
	phases             = []string{"Business and Data Understanding", "Data Preparation", "AI Model Engineering", "AI Model Evaluation", "Deployment", "Monitoring and Maintenance"}
	categories         = []string{"Technical - AI", "Technical - Cyber", "Policy"}
	categoryWeights    = []int{16, 12, 7}
	linkCounts         = []int{2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 16, 17}
	linkWeights        = []int{1, 5, 2, 3, 6, 6, 5, 1, 3, 1, 1, 1}
	stepCounts         = []int{5, 6, 7, 8, 9, 10, 11, 12}
	stepWeights        = []int{4, 7, 10, 8, 9, 4, 2, 1}
	granularities      = []string{"Day", "Month", "Year"}
	granularityWeights = []int{34, 14, 9}
)

func (r *release) techniquesOf(rng *rand.Rand) {
	n := BaseTechniques * r.opt.Scale
	subs := BaseSubTechniques * r.opt.Scale
	weights := make([]int, len(tactics))
	for i, t := range tactics {
		weights[i] = t.weight
	}
	// About a quarter of the parents have sub-techniques, 1 to 6 each.
	subsOf := make([]int, n)
	for left := subs; left > 0; {
		p := rng.IntN(n)
		if subsOf[p] == 0 && rng.IntN(4) != 0 {
			continue
		}
		if subsOf[p] < 12 {
			subsOf[p]++
			left--
		}
	}
	r.byTactic = make([][]int, len(tactics))
	for p := range n {
		parent := technique{
			id:        fmt.Sprintf("AML.T%04d", p),
			name:      title(rng, 3),
			maturity:  maturities[pick(rng, maturityWeights)],
			platforms: platformSets[pick(rng, platformWeights)],
			tactics:   []int{pick(rng, weights)},
			desc:      sentences(rng, 2, 4),
			refs:      refCount(rng, 12),
		}
		parent.created, parent.modified = dates(rng)
		if rng.IntN(10) == 0 {
			second := pick(rng, weights)
			if second != parent.tactics[0] {
				parent.tactics = append(parent.tactics, second)
				slices.Sort(parent.tactics)
			}
		}
		if rng.IntN(5) == 0 {
			parent.attack = fmt.Sprintf("T%04d", 1000+rng.IntN(700))
		}
		r.add(parent)
		for s := range subsOf[p] {
			sub := technique{
				id:        fmt.Sprintf("%s.%03d", parent.id, s),
				name:      title(rng, 2),
				maturity:  maturities[pick(rng, maturityWeights)],
				platforms: parent.platforms,
				tactics:   parent.tactics,
				parent:    parent.id,
				desc:      sentences(rng, 1, 3),
			}
			sub.created, sub.modified = dates(rng)
			r.add(sub)
		}
	}
	// Popularity: shuffle each tactic's techniques; popular draws the first
	// positions most often.
	for i := range r.byTactic {
		rng.Shuffle(len(r.byTactic[i]), func(a, b int) { r.byTactic[i][a], r.byTactic[i][b] = r.byTactic[i][b], r.byTactic[i][a] })
	}
	r.zipf = make([]*rand.Zipf, len(tactics))
	for i, ts := range r.byTactic {
		if len(ts) > 0 {
			r.zipf[i] = rand.NewZipf(rng, zipfS, 1, uint64(len(ts)-1))
		}
	}
	r.counts.Techniques = len(r.techniques)
	r.counts.SubTechniques = subs
}

func (r *release) add(t technique) {
	for _, ta := range t.tactics {
		r.byTactic[ta] = append(r.byTactic[ta], len(r.techniques))
	}
	r.techniques = append(r.techniques, t)
}

func (r *release) mitigationsOf(rng *rand.Rand) {
	n := BaseMitigations * r.opt.Scale
	for m := range n {
		mit := mitigation{id: fmt.Sprintf("AML.M%04d", m), name: title(rng, 3), desc: sentences(rng, 1, 3)}
		mit.created, mit.modified = dates(rng)
		for _, p := range phases {
			if rng.IntN(3) == 0 {
				mit.phases = append(mit.phases, p)
			}
		}
		if len(mit.phases) == 0 {
			mit.phases = []string{"Deployment"}
		}
		mit.cats = []string{categories[pick(rng, categoryWeights)]}
		// Most links go to techniques of one tactic, the rest anywhere.
		k := linkCounts[pick(rng, linkWeights)]
		home := r.byTactic[rng.IntN(len(tactics))]
		seen := map[int]bool{}
		for len(seen) < k {
			var t int
			if len(home) > 0 && rng.IntN(10) < 7 {
				t = home[rng.IntN(len(home))]
			} else {
				t = rng.IntN(len(r.techniques))
			}
			seen[t] = true
		}
		for t := range seen {
			mit.links = append(mit.links, t)
		}
		slices.Sort(mit.links)
		for range mit.links {
			mit.linkDesc = append(mit.linkDesc, sentences(rng, 1, 1))
		}
		r.counts.Mitigates += len(mit.links)
		r.mitigations = append(r.mitigations, mit)
	}
	r.counts.Mitigations = n
}

// popular draws a technique of a tactic, favouring the first ones with a
// Zipf law, so that some techniques appear in many case studies whatever the
// scale, as in the real data.
func (r *release) popular(tactic int) (int, bool) {
	ts := r.byTactic[tactic]
	if len(ts) == 0 {
		return 0, false
	}
	return ts[r.zipf[tactic].Uint64()], true
}

func (r *release) caseStudiesOf(rng *rand.Rand) {
	n := BaseCaseStudies * r.opt.Scale
	actors := actorPool(rng, 30*r.opt.Scale)
	used := map[string]bool{}
	for c := range n {
		cs := caseStudy{
			id:   fmt.Sprintf("AML.CS%04d", c),
			name: title(rng, 4),
			desc: sentences(rng, 2, 5),
			kind: []string{"Exercise", "Incident"}[pick(rng, []int{40, 17})],
			refs: refCount(rng, 1),
		}
		cs.created, cs.modified = dates(rng)
		cs.date, _ = dates(rng)
		cs.granularity = granularities[pick(rng, granularityWeights)]
		switch x := rng.IntN(20); {
		case x < 2:
			cs.actor = "Unknown"
		case x < 3:
			a, b := actors[skewed(rng, len(actors))], actors[skewed(rng, len(actors))]
			if a == b {
				cs.actor = a
			} else {
				cs.actor = a + ", " + b
				used[b] = true
			}
			used[a] = true
		default:
			cs.actor = actors[skewed(rng, len(actors))]
			used[cs.actor] = true
		}
		cs.target = title(rng, 3) + " system"
		if rng.IntN(7) < 2 {
			cs.reporter = actors[rng.IntN(len(actors))]
		}
		cs.steps = r.stepsOf(rng)
		if isBranching(cs.steps) {
			r.counts.BranchingCaseStudies++
		}
		r.counts.Steps += len(cs.steps)
		for _, s := range cs.steps {
			r.counts.LeadsTo += len(s.leadsTo)
		}
		r.cases = append(r.cases, cs)
	}
	r.counts.CaseStudies = n
	r.counts.Actors = len(used)
}

func isBranching(steps []step) bool {
	for _, s := range steps {
		if len(s.leadsTo) > 1 {
			return true
		}
	}
	return false
}

// stepsOf draws the steps of one case study: tactics in matrix order most of
// the time, from the first two tactics to Impact most of the time.
func (r *release) stepsOf(rng *rand.Rand) []step {
	k := stepCounts[pick(rng, stepWeights)]
	last := len(tactics) - 1
	tacs := make([]int, k)
	tacs[0] = rng.IntN(2)
	if rng.IntN(5) == 0 {
		tacs[0] = rng.IntN(6)
	}
	tacs[k-1] = last
	if rng.IntN(4) == 0 {
		tacs[k-1] = 7 + rng.IntN(last-7)
	}
	for i := 1; i < k-1; i++ {
		tacs[i] = tacs[0] + rng.IntN(tacs[k-1]-tacs[0]+1)
	}
	slices.Sort(tacs[1 : k-1])
	if k > 3 && rng.IntN(5) == 0 {
		i := 1 + rng.IntN(k-3)
		tacs[i], tacs[i+1] = tacs[i+1], tacs[i]
	}
	steps := make([]step, k)
	for i := range steps {
		ta := tacs[i]
		t, ok := r.popular(ta)
		for !ok {
			ta = rng.IntN(len(tactics))
			t, ok = r.popular(ta)
		}
		steps[i] = step{id: fmt.Sprintf("S%02d", i), technique: t, tactic: ta, desc: sentences(rng, 1, 2)}
		if i+1 < k {
			steps[i].leadsTo = []string{fmt.Sprintf("S%02d", i+1)}
		}
	}
	switch x := rng.IntN(24); {
	case x == 0 && k >= 5:
		// A diamond: S_i leads to two alternatives that join again.
		i := rng.IntN(k - 3)
		steps[i].leadsTo = []string{steps[i+1].id, steps[i+2].id}
		steps[i+1].leadsTo = []string{steps[i+3].id}
	case x == 1 && k >= 4:
		// Two alternative last steps.
		steps[k-3].leadsTo = []string{steps[k-2].id, steps[k-1].id}
		steps[k-2].leadsTo = nil
	}
	return steps
}

// skewed draws an index in [0, n), small ones most often.
func skewed(rng *rand.Rand, n int) int {
	k := int(float64(n) * math.Pow(rng.Float64(), 2))
	return min(k, n-1)
}

func refCount(rng *rand.Rand, oneIn int) int {
	if rng.IntN(oneIn) != 0 {
		return 0
	}
	return 1 + pick(rng, []int{29, 7, 7, 6, 2})
}

func dates(rng *rand.Rand) (created, modified string) {
	y, m, d := 2019+rng.IntN(6), 1+rng.IntN(12), 1+rng.IntN(28)
	created = fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	y2 := y + rng.IntN(2026-y+1)
	m2 := m
	if y2 > y {
		m2 = 1 + rng.IntN(12)
	}
	modified = fmt.Sprintf("%04d-%02d-%02d", y2, m2, d)
	return created, modified
}

var (
	adjectives = strings.Fields("adversarial crafted poisoned stolen shadow covert hidden remote public private federated latent " +
		"malicious synthetic proxy cloned exposed unsecured tampered backdoored obfuscated injected leaked")
	nouns = strings.Fields("model dataset prompt agent pipeline embedding weights endpoint plugin tool memory retriever " +
		"classifier detector registry artifact gateway credential token context vector sandbox workflow")
	verbs = strings.Fields("acquire craft discover evade exfiltrate poison manipulate replicate probe harvest stage " +
		"inject hijack escalate enumerate degrade extract bypass abuse impersonate")
	labs = strings.Fields("Crimson Azure Silent Iron Amber Velvet Hollow Quartz Ember Frost Cobalt Onyx Saffron Violet " +
		"Granite Willow Falcon Otter Heron Lynx Raven Badger Marten Viper Condor Mantis Jackal Pelican Stoat Wren")
)

func title(rng *rand.Rand, words int) string {
	parts := make([]string, words)
	for i := range parts {
		var w string
		switch i % 3 {
		case 0:
			w = verbs[rng.IntN(len(verbs))]
		case 1:
			w = adjectives[rng.IntN(len(adjectives))]
		default:
			w = nouns[rng.IntN(len(nouns))]
		}
		parts[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(parts, " ")
}

func sentences(rng *rand.Rand, lo, hi int) string {
	n := lo + rng.IntN(hi-lo+1)
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "Adversaries may %s the %s %s to %s a %s %s.",
			verbs[rng.IntN(len(verbs))], adjectives[rng.IntN(len(adjectives))], nouns[rng.IntN(len(nouns))],
			verbs[rng.IntN(len(verbs))], adjectives[rng.IntN(len(adjectives))], nouns[rng.IntN(len(nouns))])
	}
	return b.String()
}

// actorPool makes n distinct actor names such as "Crimson Otter Labs 12".
func actorPool(rng *rand.Rand, n int) []string {
	out := make([]string, n)
	kinds := []string{"Labs", "Security", "Research", "Collective", "Intelligence"}
	for i := range out {
		out[i] = fmt.Sprintf("%s %s %s %d", labs[rng.IntN(len(labs))], labs[rng.IntN(len(labs))], kinds[rng.IntN(len(kinds))], i+1)
	}
	return out
}
