// Package codescan holds the SARIF 2.1.0 objects atlasgraph writes for
// code-scanning tools (GitHub code scanning above all) and the conventions
// those tools need: artifact URIs relative to a source root named in
// originalUriBaseIds, stable partial fingerprints, a one-line tool version,
// rule help. It writes only what it sets: no placeholder values (-1) and no
// empty arrays beyond the required ones (a run's results).
//
// It does not decide what a finding is; the threat-model report and the
// mapping validator do, and build their logs with these types.
package codescan

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Schema is the OASIS SARIF 2.1.0 schema a log names.
const Schema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// RootID is the uriBaseId of every artifact location: the source root
// (--sarif-root), whose absolute URI the run gives in originalUriBaseIds.
const RootID = "SRCROOT"

// FingerprintKey names the partial fingerprint atlasgraph computes.
const FingerprintKey = "atlasgraphFinding/v1"

type (
	// Log is a SARIF log with one run.
	Log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []Run  `json:"runs"`
	}
	// Run is one analysis.
	Run struct {
		Tool               Tool                        `json:"tool"`
		OriginalURIBaseIDs map[string]ArtifactLocation `json:"originalUriBaseIds,omitempty"`
		Results            []Result                    `json:"results"`
		Properties         map[string]any              `json:"properties,omitempty"`
	}
	// Tool is the analysis tool.
	Tool struct {
		Driver Driver `json:"driver"`
	}
	// Driver is atlasgraph: its name, version and rules.
	Driver struct {
		Name            string `json:"name"`
		Version         string `json:"version,omitempty"`
		SemanticVersion string `json:"semanticVersion,omitempty"`
		InformationURI  string `json:"informationUri"`
		Rules           []Rule `json:"rules,omitempty"`
	}
	// Rule describes what a result means; GitHub shows its help with
	// every alert.
	Rule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name,omitempty"`
		ShortDescription     Message        `json:"shortDescription"`
		FullDescription      Message        `json:"fullDescription"`
		Help                 Help           `json:"help"`
		HelpURI              string         `json:"helpUri,omitempty"`
		DefaultConfiguration *Configuration `json:"defaultConfiguration,omitempty"`
		Properties           map[string]any `json:"properties,omitempty"`
	}
	// Configuration is a rule's default level.
	Configuration struct {
		Level string `json:"level"`
	}
	// Message is plain text.
	Message struct {
		Text string `json:"text"`
	}
	// Help is a rule's help as plain text and Markdown.
	Help struct {
		Text     string `json:"text"`
		Markdown string `json:"markdown,omitempty"`
	}
	// Result is one finding.
	Result struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             Message           `json:"message"`
		Locations           []Location        `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints"`
		Suppressions        []Suppression     `json:"suppressions,omitempty"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	// Location is a place in a file.
	Location struct {
		PhysicalLocation PhysicalLocation `json:"physicalLocation"`
	}
	// PhysicalLocation is a file and a region of it.
	PhysicalLocation struct {
		ArtifactLocation ArtifactLocation `json:"artifactLocation"`
		Region           *Region          `json:"region,omitempty"`
	}
	// ArtifactLocation is a URI, relative to a base id when it has one.
	ArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	// Region is a line and column (1-based).
	Region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
	}
	// Suppression says why a result does not count.
	Suppression struct {
		Kind          string `json:"kind"`
		Justification string `json:"justification,omitempty"`
	}
)

// NewLog starts a log of one run of atlasgraph at version, with its source
// root (a Root) when there is one.
func NewLog(version string, root *Root) *Log {
	run := Run{Tool: Tool{Driver: Driver{Name: "atlasgraph", Version: OneLine(version),
		InformationURI: "https://github.com/atlasgraph/atlasgraph"}}, Results: []Result{}}
	if v := run.Tool.Driver.Version; semver(v) {
		run.Tool.Driver.SemanticVersion = v
	}
	if root != nil {
		run.OriginalURIBaseIDs = map[string]ArtifactLocation{RootID: {URI: root.URI}}
	}
	return &Log{Schema: Schema, Version: "2.1.0", Runs: []Run{run}}
}

// AddRule adds a rule once and returns its index.
func (l *Log) AddRule(r Rule) int {
	d := &l.Runs[0].Tool.Driver
	for i, have := range d.Rules {
		if have.ID == r.ID {
			return i
		}
	}
	d.Rules = append(d.Rules, r)
	return len(d.Rules) - 1
}

// Add adds a result; its RuleIndex is looked up from its RuleID.
func (l *Log) Add(res Result) {
	for i, r := range l.Runs[0].Tool.Driver.Rules {
		if r.ID == res.RuleID {
			res.RuleIndex = i
		}
	}
	l.Runs[0].Results = append(l.Runs[0].Results, res)
}

// OneLine makes atlasgraph's --version text a SARIF tool version: one
// line, numeric as code-scanning tools want it. "atlasgraph v1.2.0\ncommit
// 0123456789abcdef..." becomes "1.2.0+0123456789ab"; a build without a
// version ("(devel)") becomes "0.0.0-devel", with the commit when known.
// "" stays "".
func OneLine(version string) string {
	lines := strings.Split(strings.TrimSpace(version), "\n")
	if lines[0] == "" {
		return ""
	}
	v := strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(lines[0], "atlasgraph ")), "v")
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0]
	}
	if v == "" || v[0] < '0' || v[0] > '9' {
		v = "0.0.0-devel"
	}
	for _, l := range lines[1:] {
		if c, ok := strings.CutPrefix(strings.TrimSpace(l), "commit "); ok && !strings.Contains(v, "+") {
			if f := strings.Fields(c); len(f) > 0 {
				v += "+" + f[0]
			}
		}
	}
	return v
}

func semver(v string) bool {
	v = strings.TrimPrefix(v, "v")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts[:2] {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
	}
	return parts[2] != "" && strings.IndexFunc(parts[2], func(r rune) bool { return r == ' ' }) < 0
}

// Fingerprint is a stable partial fingerprint of a finding from the parts
// that identify it (rule, file, what it is about), never from its line: a
// finding keeps its alert when the file around it changes.
func Fingerprint(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Root is the folder artifact URIs are relative to.
type Root struct {
	// Dir is the folder, absolute and clean.
	Dir string
	// URI is its file:// URI, ending in '/'.
	URI string
}

// FindRoot picks the source root for a file: dir when given (the
// --sarif-root flag), else the repository root that holds the file (the
// nearest folder above it with .git), else the working directory wd.
func FindRoot(dir, file, wd string) (*Root, error) {
	if dir == "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return nil, err
		}
		dir = wd
		for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
				dir = d
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("--sarif-root %s is not a folder", dir)
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	s := u.String()
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return &Root{Dir: abs, URI: s}, nil
}

// ErrOutsideRoot is the error of a file that is not under the source root.
var ErrOutsideRoot = errors.New("outside the SARIF root")

// URI is file's URI relative to the root (slashes, percent-encoded), for
// an ArtifactLocation with URIBaseID RootID.
func (r *Root) URIOf(file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(r.Dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%s is %w %s: code scanning cannot place its alerts; pass --sarif-root a folder that holds it (the repository root)", file, ErrOutsideRoot, r.Dir)
	}
	u := url.URL{Path: filepath.ToSlash(rel)}
	return u.EscapedPath(), nil
}
