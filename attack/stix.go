// Package attack reads MITRE ATT&CK Enterprise as a second source beside ATLAS: a streaming
// parser for the STIX 2.1 bundle ATT&CK publishes, the ATT&CK groups (intrusion sets) and
// techniques it keeps, the rule that links a group to the ATLAS techniques that reference the
// ATT&CK techniques it uses, and the name normalisation that merges ATLAS case-study actors
// with ATT&CK groups.
//
// Open reads a bundle from a file, a URL or upstream by version; Parse reads any io.Reader.
// Writing is the store's job. The parser keeps only what atlasgraph uses (groups, techniques, the
// "uses" relationships from groups to techniques and the sub-technique links), so memory
// grows with the number of objects, not with the size of their descriptions or references.
package attack

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// MaxBundleBytes bounds the bundle a parse reads (ATT&CK Enterprise 18.1 is about 35 MB).
const MaxBundleBytes = 512 << 20

// ErrInvalid is wrapped by every error that says the input is not a usable bundle.
var ErrInvalid = errors.New("invalid ATT&CK bundle")

// Bundle is what atlasgraph keeps of one ATT&CK Enterprise release.
type Bundle struct {
	// Version is the ATT&CK version ("18.1"): the x-mitre-collection's x_mitre_version, or,
	// for an assembled bundle without one, the version its bundle id or file name gives.
	Version string
	// SHA256 is the hex digest of the bytes read.
	SHA256 string
	// Source is where the bytes came from (informational).
	Source string
	// Groups are the intrusion sets that are neither revoked nor deprecated, by ATT&CK id.
	Groups []Group
	// Techniques are the attack patterns that are neither revoked nor deprecated, by id.
	Techniques []Technique
	// Uses are the "uses" relationships from a kept group to a kept technique, sorted by
	// group, technique then relationship id.
	Uses []Use
	// Stats counts what the bundle held and what was left out.
	Stats Stats
}

// Group is one ATT&CK group (a STIX intrusion set).
type Group struct {
	ID          string   // ATT&CK id, "G0007"
	STIXID      string   // "intrusion-set--..."
	Name        string   // "APT28"
	Aliases     []string // every alias ATT&CK gives except the name itself, sorted
	Description string
	URL         string
	Modified    string
}

// Technique is one ATT&CK technique or sub-technique (a STIX attack pattern).
type Technique struct {
	ID          string // "T1566" or "T1566.001"
	STIXID      string
	Name        string
	Description string
	URL         string
	// Parent is the ATT&CK id of the parent technique of a sub-technique (from its
	// subtechnique-of relationship), "" for a technique.
	Parent string
	// Tactics are the ATT&CK tactic shortnames (kill-chain phases), sorted.
	Tactics []string
}

// Use is one "uses" relationship from a group to a technique: the evidence that the group
// uses the technique.
type Use struct {
	Group        string // ATT&CK group id
	Technique    string // ATT&CK technique id
	Relationship string // STIX relationship id
	Description  string
}

// Stats counts the objects of a bundle.
type Stats struct {
	Objects              int
	Relationships        int
	RevokedObjects       int // revoked objects left out (any type)
	DeprecatedObjects    int // deprecated objects left out (any type)
	RelationshipsLeftOut int // relationships to or from a left-out object, or revoked/deprecated themselves
	RevokedGroups        int
	DeprecatedGroups     int
	RevokedTechniques    int
	DeprecatedTechniques int
}

// ParseError says where and why a bundle cannot be used. It wraps ErrInvalid.
type ParseError struct {
	Input string
	// Offset is the byte offset of the problem, -1 when it is not about one place.
	Offset int64
	// Line and Col are 1-based, 0 when unknown.
	Line, Col int
	Msg       string
}

func (e *ParseError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.Input, e.Line, e.Col, e.Msg)
	case e.Offset >= 0:
		return fmt.Sprintf("%s: at byte %d: %s", e.Input, e.Offset, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.Input, e.Msg)
	}
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *ParseError) Unwrap() error { return ErrInvalid }

type extRef struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id"`
	URL        string `json:"url"`
}

type killChainPhase struct {
	KillChainName string `json:"kill_chain_name"`
	PhaseName     string `json:"phase_name"`
}

// rawObject holds the fields of a STIX object atlasgraph reads; encoding/json skips the rest
// without keeping them.
type rawObject struct {
	Type             string           `json:"type"`
	ID               string           `json:"id"`
	SpecVersion      string           `json:"spec_version"`
	Name             string           `json:"name"`
	Description      string           `json:"description"`
	Aliases          []string         `json:"aliases"`
	ExternalRefs     []extRef         `json:"external_references"`
	Revoked          bool             `json:"revoked"`
	Deprecated       bool             `json:"x_mitre_deprecated"`
	RelationshipType string           `json:"relationship_type"`
	SourceRef        string           `json:"source_ref"`
	TargetRef        string           `json:"target_ref"`
	KillChainPhases  []killChainPhase `json:"kill_chain_phases"`
	Modified         string           `json:"modified"`
	Version          string           `json:"x_mitre_version"`
}

type rel struct {
	id, typ, src, tgt, desc string
	left                    bool
}

type parser struct {
	input                            string
	dec                              *json.Decoder
	lines                            *lineTracker
	b                                *Bundle
	objType                          map[string]string // STIX id -> type, for dangling checks
	leftOut                          map[string]bool   // STIX ids of revoked or deprecated objects
	groups                           map[string]*Group // by STIX id
	techs                            map[string]*Technique
	rels                             []rel
	bundleType, bundleID, bundleSpec string
	matrices                         []string
	collectionVersion                string
	collectionName                   string
	valueStart                       int64 // offset where the value being decoded starts
}

// Parse reads an ATT&CK Enterprise STIX 2.1 bundle from r, one object at a time, and
// returns what atlasgraph keeps of it. name names the input in errors (a path or URL).
// Revoked and deprecated objects, and relationships touching them, are left out and counted.
// It fails, with a *ParseError wrapping ErrInvalid, on input that is not JSON, is cut short,
// is not a STIX 2.1 bundle of ATT&CK Enterprise, holds a relationship whose end is not in the
// bundle, or whose version cannot be told.
func Parse(r io.Reader, name string) (*Bundle, error) {
	h := sha256.New()
	lim := &io.LimitedReader{R: r, N: MaxBundleBytes + 1}
	lt := newLineTracker(io.TeeReader(lim, h))
	p := &parser{input: name, dec: json.NewDecoder(lt), lines: lt, b: &Bundle{Source: name},
		objType: map[string]string{}, leftOut: map[string]bool{}, groups: map[string]*Group{}, techs: map[string]*Technique{}}
	if err := p.bundle(); err != nil {
		if lim.N <= 0 {
			return nil, &ParseError{Input: name, Offset: -1, Msg: fmt.Sprintf("the bundle is larger than %d MB, the most atlasgraph reads", MaxBundleBytes>>20)}
		}
		return nil, err
	}
	if _, err := io.Copy(io.Discard, lt); err != nil {
		return nil, &ParseError{Input: name, Offset: -1, Msg: fmt.Sprintf("read: %v", err)}
	}
	p.b.SHA256 = hex.EncodeToString(h.Sum(nil))
	if err := p.finish(); err != nil {
		return nil, err
	}
	return p.b, nil
}

func (p *parser) errAt(off int64, format string, a ...any) error {
	e := &ParseError{Input: p.input, Offset: off, Msg: fmt.Sprintf(format, a...)}
	if off >= 0 {
		e.Line, e.Col = p.lines.position(off)
	}
	return e
}

// syntax turns a decoder error into a ParseError with a place and advice.
func (p *parser) syntax(err error) error {
	off := p.dec.InputOffset()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return p.errAt(off, "the file ends before the bundle does: it is truncated (download it again)")
	case errors.As(err, &se):
		return p.errAt(se.Offset, "not valid JSON: %v", se)
	case errors.As(err, &te):
		// The decoder counts a type error's offset from the start of the value it decoded.
		return p.errAt(p.valueStart+te.Offset, "field %s has a %s where STIX has a %s", te.Field, te.Value, te.Type)
	default:
		var ioErr error = err
		return &ParseError{Input: p.input, Offset: -1, Msg: fmt.Sprintf("read: %v", ioErr)}
	}
}

func (p *parser) expectDelim(want json.Delim, what string) error {
	off := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		return p.syntax(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return p.errAt(off, "expected %s, found %v: this is not a STIX bundle", what, tok)
	}
	return nil
}

func (p *parser) bundle() error {
	if err := p.expectDelim('{', "a JSON object (a STIX bundle)"); err != nil {
		return err
	}
	seenObjects := false
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return p.syntax(err)
		}
		key, _ := tok.(string)
		switch key {
		case "objects":
			seenObjects = true
			if err := p.objects(); err != nil {
				return err
			}
		case "type", "id", "spec_version":
			off := p.dec.InputOffset()
			var s string
			if err := p.dec.Decode(&s); err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					return p.syntax(err)
				}
				return p.errAt(off, "bundle %q is not a string", key)
			}
			switch key {
			case "type":
				p.bundleType = s
			case "id":
				p.bundleID = s
			default:
				p.bundleSpec = s
			}
		default:
			var skip json.RawMessage
			if err := p.dec.Decode(&skip); err != nil {
				return p.syntax(err)
			}
		}
	}
	if _, err := p.dec.Token(); err != nil { // the closing brace
		return p.syntax(err)
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		return p.errAt(p.dec.InputOffset(), "more data after the bundle: one bundle per file")
	}
	if p.bundleType != "bundle" {
		return p.errAt(-1, "the top-level object has type %q, not \"bundle\": this is not a STIX bundle", p.bundleType)
	}
	if p.bundleSpec != "" && p.bundleSpec != "2.1" {
		return p.errAt(-1, "the bundle says spec_version %q: atlasgraph reads STIX 2.1 (use ATT&CK's attack-stix-data releases)", p.bundleSpec)
	}
	if !seenObjects {
		return p.errAt(-1, "the bundle has no objects")
	}
	return nil
}

func (p *parser) objects() error {
	if err := p.expectDelim('[', "the objects array"); err != nil {
		return err
	}
	for p.dec.More() {
		off := p.dec.InputOffset()
		p.valueStart = off
		var o rawObject
		if err := p.dec.Decode(&o); err != nil {
			return p.syntax(err)
		}
		if err := p.object(off, &o); err != nil {
			return err
		}
	}
	_, err := p.dec.Token()
	if err != nil {
		return p.syntax(err)
	}
	return nil
}

func attackID(refs []extRef) (id, url string) {
	for _, r := range refs {
		if r.SourceName == "mitre-attack" && r.ExternalID != "" {
			return r.ExternalID, r.URL
		}
	}
	return "", ""
}

var (
	groupIDRe     = regexp.MustCompile(`^G\d{4}$`)
	techniqueIDRe = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)
)

func (p *parser) object(off int64, o *rawObject) error {
	p.b.Stats.Objects++
	if o.Type == "" || o.ID == "" {
		return p.errAt(off, "object %d has no type or id", p.b.Stats.Objects)
	}
	if !strings.HasPrefix(o.ID, o.Type+"--") {
		return p.errAt(off, "object %s: the id does not start with its type %q", o.ID, o.Type)
	}
	if o.SpecVersion != "" && o.SpecVersion != "2.1" {
		return p.errAt(off, "object %s has spec_version %q: atlasgraph reads STIX 2.1", o.ID, o.SpecVersion)
	}
	if _, dup := p.objType[o.ID]; dup {
		return p.errAt(off, "object %s appears twice", o.ID)
	}
	p.objType[o.ID] = o.Type
	left := o.Revoked || o.Deprecated
	if o.Type != "relationship" && left {
		p.leftOut[o.ID] = true
		if o.Revoked {
			p.b.Stats.RevokedObjects++
		} else {
			p.b.Stats.DeprecatedObjects++
		}
	}
	switch o.Type {
	case "relationship":
		p.b.Stats.Relationships++
		if o.SourceRef == "" || o.TargetRef == "" {
			return p.errAt(off, "relationship %s has no source_ref or target_ref", o.ID)
		}
		r := rel{id: o.ID, typ: o.RelationshipType, src: o.SourceRef, tgt: o.TargetRef, left: left}
		if o.RelationshipType == "uses" && strings.HasPrefix(o.SourceRef, "intrusion-set--") && strings.HasPrefix(o.TargetRef, "attack-pattern--") {
			r.desc = strings.TrimSpace(o.Description)
		}
		p.rels = append(p.rels, r)
	case "intrusion-set":
		switch {
		case o.Revoked:
			p.b.Stats.RevokedGroups++
			return nil
		case o.Deprecated:
			p.b.Stats.DeprecatedGroups++
			return nil
		}
		id, url := attackID(o.ExternalRefs)
		if !groupIDRe.MatchString(id) {
			return p.errAt(off, "intrusion set %s (%s) has no ATT&CK group id G#### (external_references, source_name mitre-attack)", o.ID, o.Name)
		}
		g := &Group{ID: id, STIXID: o.ID, Name: strings.TrimSpace(o.Name), Description: o.Description, URL: url, Modified: o.Modified}
		seen := map[string]bool{g.Name: true}
		for _, a := range o.Aliases {
			a = strings.TrimSpace(a)
			if a != "" && !seen[a] {
				seen[a] = true
				g.Aliases = append(g.Aliases, a)
			}
		}
		sort.Strings(g.Aliases)
		if g.Aliases == nil {
			g.Aliases = []string{}
		}
		p.groups[o.ID] = g
	case "attack-pattern":
		switch {
		case o.Revoked:
			p.b.Stats.RevokedTechniques++
			return nil
		case o.Deprecated:
			p.b.Stats.DeprecatedTechniques++
			return nil
		}
		id, url := attackID(o.ExternalRefs)
		if !techniqueIDRe.MatchString(id) {
			return p.errAt(off, "attack pattern %s (%s) has no ATT&CK technique id T#### (external_references, source_name mitre-attack)", o.ID, o.Name)
		}
		t := &Technique{ID: id, STIXID: o.ID, Name: strings.TrimSpace(o.Name), Description: o.Description, URL: url, Tactics: []string{}}
		for _, k := range o.KillChainPhases {
			if k.KillChainName == "mitre-attack" {
				t.Tactics = append(t.Tactics, k.PhaseName)
			}
		}
		sort.Strings(t.Tactics)
		p.techs[o.ID] = t
	case "x-mitre-matrix":
		if id, _ := attackID(o.ExternalRefs); id != "" {
			p.matrices = append(p.matrices, id)
		}
	case "x-mitre-collection":
		p.collectionVersion, p.collectionName = o.Version, o.Name
	}
	return nil
}

var (
	bundleVersionRe = regexp.MustCompile(`enterprise-attack-(\d+)[-.](\d+)`)
)

// finish checks the whole bundle and assembles the result.
func (p *parser) finish() error {
	var problems []string
	enterprise := false
	for _, m := range p.matrices {
		if m == "enterprise-attack" {
			enterprise = true
		}
	}
	if !enterprise {
		what := "no matrix"
		if len(p.matrices) > 0 {
			what = "the matrix " + strings.Join(p.matrices, ", ")
		}
		return p.errAt(-1, "this is not ATT&CK Enterprise: the bundle has %s, not enterprise-attack (use enterprise-attack.json from mitre-attack/attack-stix-data)", what)
	}
	stixToAttack := map[string]string{}
	for sid, g := range p.groups {
		stixToAttack[sid] = g.ID
	}
	for sid, t := range p.techs {
		stixToAttack[sid] = t.ID
	}
	for _, r := range p.rels {
		for _, ref := range []string{r.src, r.tgt} {
			if _, ok := p.objType[ref]; !ok {
				if len(problems) < 10 {
					problems = append(problems, fmt.Sprintf("relationship %s (%s) points at %s, which is not in the bundle", r.id, r.typ, ref))
				}
			}
		}
	}
	if len(problems) > 0 {
		return p.errAt(-1, "dangling relationships (the bundle is incomplete or was edited): %s", strings.Join(problems, "; "))
	}
	for _, r := range p.rels {
		if r.left || p.leftOut[r.src] || p.leftOut[r.tgt] {
			p.b.Stats.RelationshipsLeftOut++
			continue
		}
		switch r.typ {
		case "subtechnique-of":
			child, parent := p.techs[r.src], p.techs[r.tgt]
			if child != nil && parent != nil {
				child.Parent = parent.ID
			}
		case "uses":
			g, t := p.groups[r.src], p.techs[r.tgt]
			if g != nil && t != nil {
				p.b.Uses = append(p.b.Uses, Use{Group: g.ID, Technique: t.ID, Relationship: r.id, Description: r.desc})
			}
		}
	}
	for _, g := range p.groups {
		p.b.Groups = append(p.b.Groups, *g)
	}
	for _, t := range p.techs {
		p.b.Techniques = append(p.b.Techniques, *t)
	}
	sort.Slice(p.b.Groups, func(i, j int) bool { return p.b.Groups[i].ID < p.b.Groups[j].ID })
	sort.Slice(p.b.Techniques, func(i, j int) bool { return p.b.Techniques[i].ID < p.b.Techniques[j].ID })
	sort.Slice(p.b.Uses, func(i, j int) bool {
		a, b := p.b.Uses[i], p.b.Uses[j]
		if a.Group != b.Group {
			return a.Group < b.Group
		}
		if a.Technique != b.Technique {
			return a.Technique < b.Technique
		}
		return a.Relationship < b.Relationship
	})
	for i := 1; i < len(p.b.Groups); i++ {
		if p.b.Groups[i].ID == p.b.Groups[i-1].ID {
			return p.errAt(-1, "two intrusion sets have the ATT&CK id %s", p.b.Groups[i].ID)
		}
	}
	for i := 1; i < len(p.b.Techniques); i++ {
		if p.b.Techniques[i].ID == p.b.Techniques[i-1].ID {
			return p.errAt(-1, "two attack patterns have the ATT&CK id %s", p.b.Techniques[i].ID)
		}
	}
	if len(p.b.Groups) == 0 || len(p.b.Techniques) == 0 {
		return p.errAt(-1, "the bundle has %d groups and %d techniques; ATT&CK Enterprise has both", len(p.b.Groups), len(p.b.Techniques))
	}
	switch {
	case p.collectionVersion != "":
		p.b.Version = p.collectionVersion
	default:
		for _, s := range []string{p.bundleID, p.input} {
			if m := bundleVersionRe.FindStringSubmatch(s); m != nil {
				p.b.Version = m[1] + "." + m[2]
				break
			}
		}
	}
	if p.b.Version == "" {
		return p.errAt(-1, "cannot tell the ATT&CK version: the bundle has no x-mitre-collection and neither its id nor the file name says enterprise-attack-VERSION (rename the file enterprise-attack-18.1.json, for example)")
	}
	return nil
}

// lineTracker counts lines in what it reads, keeping the newline offsets of a recent window
// only, so that an error's byte offset can be told as line and column with bounded memory.
type lineTracker struct {
	r          io.Reader
	read       int64   // bytes read so far
	linesBase  int     // newlines before the window
	window     []int64 // offsets of newlines in the window, ascending
	windowFrom int64   // offset where the window starts
}

const lineWindow = 8 << 20

func newLineTracker(r io.Reader) *lineTracker { return &lineTracker{r: r} }

func (l *lineTracker) Read(b []byte) (int, error) {
	n, err := l.r.Read(b)
	for i := 0; i < n; i++ {
		if b[i] == '\n' {
			l.window = append(l.window, l.read+int64(i))
		}
	}
	l.read += int64(n)
	if l.read-l.windowFrom > 2*lineWindow {
		cut := l.read - lineWindow
		k := sort.Search(len(l.window), func(i int) bool { return l.window[i] >= cut })
		l.linesBase += k
		l.window = append(l.window[:0], l.window[k:]...)
		l.windowFrom = cut
	}
	return n, err
}

// position gives the 1-based line and column of a byte offset, or 0, 0 when the offset is
// before the window.
func (l *lineTracker) position(off int64) (int, int) {
	if off < l.windowFrom {
		return 0, 0
	}
	k := sort.Search(len(l.window), func(i int) bool { return l.window[i] >= off })
	lineStart := l.windowFrom
	if k > 0 {
		lineStart = l.window[k-1] + 1
	} else if l.linesBase > 0 {
		return 0, 0 // the line began before the window
	}
	return l.linesBase + k + 1, int(off-lineStart) + 1
}
