package main

import (
	"encoding/json"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawatlas"
)

// sentinel is a password no output may ever show.
const sentinel = "pw-S3ntinel-4f9c"

// allCommands lists every command path of the CLI, e.g. ["load"],
// ["releases", "use"].
func allCommands() [][]string {
	c := &cli{getenv: func(string) string { return "" }}
	var out [][]string
	var walk func(cmd *cobra.Command, path []string)
	walk = func(cmd *cobra.Command, path []string) {
		out = append(out, path)
		for _, sub := range cmd.Commands() {
			walk(sub, append(slices.Clone(path), sub.Name()))
		}
	}
	walk(c.rootCmd(), nil)
	return out
}

func TestNoSecretInAnyOutput(t *testing.T) {
	// A known password (also inside a URI, where it does not belong), and
	// a Neo4j that refuses connections.
	env := map[string]string{
		"NEO4J_PASSWORD": sentinel, "NEO4J_URI": "bolt://neo4j:" + sentinel + "@127.0.0.1:1",
		"NEO4J_USERNAME": "neo4j", "ATLASGRAPH_UPSTREAM": "http://127.0.0.1:1/dist/",
	}
	envNoURI := map[string]string{"NEO4J_PASSWORD": sentinel, "NEO4J_URI": "bolt://127.0.0.1:1"}
	cmds := allCommands()
	if len(cmds) < 15 {
		t.Fatalf("only %d commands found: %v", len(cmds), cmds)
	}
	for _, path := range cmds {
		for _, tail := range [][]string{
			{"--help"}, {"--no-such-flag"}, {"--neo4j-connect-timeout"}, {"--neo4j-connect-timeout", "1s"},
			{"x", "y", "z", "--neo4j-connect-timeout", "1s"}, {"AML.T0051", "--neo4j-connect-timeout", "1s"},
		} {
			for _, e := range []map[string]string{env, envNoURI} {
				args := append(slices.Clone(path), tail...)
				out, errOut, err := runCLI(t, e, args...)
				all := out + errOut
				if err != nil {
					all += err.Error()
				}
				if strings.Contains(all, sentinel) {
					t.Errorf("atlasgraph %s shows the password:\n%s", strings.Join(args, " "), all)
				}
				if strings.Contains(all, "Neo.ClientError") || strings.Contains(all, "goroutine ") {
					t.Errorf("atlasgraph %s shows internals:\n%s", strings.Join(args, " "), all)
				}
			}
		}
	}
}

func TestHelpNamesTheEnvironment(t *testing.T) {
	out, _, err := runCLI(t, map[string]string{"NEO4J_PASSWORD": sentinel}, "load", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"load [FILE | URL]", "--neo4j-uri", "env NEO4J_URI", "--neo4j-password-file", "env NEO4J_PASSWORD", "--current", "--no-current", "Examples:"} {
		if !strings.Contains(out, want) {
			t.Errorf("load --help lacks %q:\n%s", want, out)
		}
	}
}

func TestVersion(t *testing.T) {
	out, _, err := runCLI(t, nil, "--version")
	if err != nil || !strings.HasPrefix(out, "atlasgraph ") || !strings.Contains(out, "built with go") {
		t.Errorf("--version: %v %q", err, out)
	}
}

func TestCommandLineMistakes(t *testing.T) {
	env := map[string]string{"NEO4J_PASSWORD": "x", "NEO4J_URI": "bolt://127.0.0.1:1"}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"lod"}, `did you mean load?`},
		{[]string{"releases", "lst"}, `did you mean list`},
		{[]string{"analyze", "chian"}, `did you mean chain?`},
		{[]string{"releases", "use"}, "releases use needs the VERSION of a loaded release"},
		{[]string{"releases", "prune", "a", "b"}, "got 2 arguments"},
		{[]string{"diff", "5.6.0"}, "diff needs two loaded release versions"},
		{[]string{"show"}, "show needs an ID"},
		{[]string{"search"}, "search needs the TEXT"},
		{[]string{"search", "x", "--limit", "0"}, "--limit 0: ask for 1 to"},
		{[]string{"load", "a.yaml", "b.yaml"}, "give one release file or URL, not 2"},
		{[]string{"load", "a.yaml", "--release", "2026.05"}, "not both"},
		{[]string{"load", "--current", "--no-current"}, "[current no-current]"},
		{[]string{"check"}, "check needs a release file or URL"},
		{[]string{"serve", "extra"}, "serve takes no arguments"},
		{[]string{"analyze", "minimal-set", "--budget", "0"}, "budget must be between 1 and"},
		{[]string{"analyze", "choke-points", "--limit", "0"}, "limit must be between 1 and 1000, got 0"},
		{[]string{"analyze", "paths", "--from", "x", "--to", "y", "--max-hops", "9"}, "max hops must be between 1 and 8"},
		{[]string{"analyze", "chain"}, "analyze chain needs --case-study ID or --techniques"},
		{[]string{"analyze", "chian", "--case-study", "AML.CS0000"}, `unknown command "chian" for "atlasgraph analyze"; did you mean chain?`},
		{[]string{"completion", "tcsh"}, `unknown command "tcsh" for "atlasgraph completion"`},
		{[]string{"analyze", "paths", "--max-hops", "x"}, `invalid argument "x" for "--max-hops"`},
	}
	for _, tt := range tests {
		_, _, err := runCLI(t, env, tt.args...)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("atlasgraph %s: got %v (exit %d), want a usage error with %q", strings.Join(tt.args, " "), err, exitCode(err), tt.want)
		}
		if err != nil && !strings.Contains(err.Error(), "--help)") {
			t.Errorf("atlasgraph %s: %v does not point at the help", strings.Join(tt.args, " "), err)
		}
	}
}

func TestWriteJSONStyle(t *testing.T) {
	type inner struct {
		List []string `json:"list"`
	}
	v := struct {
		Name  string           `json:"name"`
		Empty []string         `json:"empty"`
		Ptr   *inner           `json:"ptr"`
		Map   map[string][]int `json:"map"`
		Items []inner          `json:"items"`
	}{Name: "A & B <c>", Ptr: &inner{}, Map: map[string][]int{"k": nil}, Items: []inner{{}}}
	var b strings.Builder
	if err := writeJSON(&b, v); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{`"name": "A & B <c>"`, `"empty": []`, `"list": []`, `"k": []`} {
		if !strings.Contains(got, want) {
			t.Errorf("JSON lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "null") || strings.Contains(got, `\u0026`) {
		t.Errorf("JSON has null or escapes:\n%s", got)
	}
	if v.Ptr.List != nil {
		t.Error("writeJSON changed its input")
	}
}

func TestShowAndSearch(t *testing.T) {
	env := testEnv(t)
	neo4jtest.Store(t)
	path := shared(t, "atlas/v6/ATLAS-2026.05.yaml")
	raw, err := rawatlas.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCLI(t, env, "load", "--quiet", path); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, env, "show", "aml.t0051")
	if err != nil || !strings.Contains(out, "AML.T0051  "+raw.Techniques["AML.T0051"]) || !strings.Contains(out, "Mitigated by (") {
		t.Fatalf("show aml.t0051: %v\n%s", err, out)
	}
	// Every technique: its mitigations and tactics equal the file's.
	for id := range raw.Techniques {
		out, _, err := runCLI(t, env, "show", id, "--json")
		if err != nil {
			t.Fatalf("show %s: %v", id, err)
		}
		var o struct {
			Kind  string `json:"kind"`
			Name  string `json:"name"`
			Links []struct {
				Relation string `json:"relation"`
				Items    []struct {
					ID   string `json:"id"`
					Note string `json:"note"`
				} `json:"items"`
			} `json:"links"`
		}
		if err := json.Unmarshal([]byte(out), &o); err != nil {
			t.Fatalf("show %s --json: %v\n%s", id, err, out)
		}
		if o.Kind != "TECHNIQUE" || o.Name != raw.Techniques[id] {
			t.Errorf("show %s: kind %s name %q", id, o.Kind, o.Name)
		}
		var wantMit, gotMit, wantTac, gotTac []string
		for k, desc := range raw.Mitigates {
			if k[1] == id {
				wantMit = append(wantMit, k[0]+"|"+strings.Join(strings.Fields(desc), " "))
			}
		}
		for k := range raw.Achieves {
			if k[0] == id {
				wantTac = append(wantTac, k[1])
			}
		}
		for _, g := range o.Links {
			for _, it := range g.Items {
				switch g.Relation {
				case "mitigated by":
					gotMit = append(gotMit, it.ID+"|"+strings.Join(strings.Fields(it.Note), " "))
				case "tactics":
					gotTac = append(gotTac, it.ID)
				}
			}
		}
		slices.Sort(wantMit)
		slices.Sort(gotMit)
		slices.Sort(wantTac)
		slices.Sort(gotTac)
		if !slices.Equal(wantMit, gotMit) || !slices.Equal(wantTac, gotTac) {
			t.Errorf("show %s: mitigations %v tactics %v, want %v %v", id, gotMit, gotTac, wantMit, wantTac)
		}
	}
	for id, name := range raw.CaseStudies {
		out, _, err := runCLI(t, env, "show", id, "--json")
		if err != nil || !strings.Contains(out, `"kind": "CASE_STUDY"`) {
			t.Fatalf("show %s: %v", id, err)
		}
		var o struct {
			Name  string `json:"name"`
			Links []struct {
				Relation string            `json:"relation"`
				Items    []json.RawMessage `json:"items"`
			} `json:"links"`
		}
		if err := json.Unmarshal([]byte(out), &o); err != nil || o.Name != name || o.Links[0].Relation != "steps" || len(o.Links[0].Items) != len(raw.Steps[id]) {
			t.Errorf("show %s: %v %+v, want %d steps", id, err, o, len(raw.Steps[id]))
		}
	}
	if _, _, err := runCLI(t, env, "show", "AML.T9999"); err == nil || !strings.Contains(err.Error(), `technique "AML.T9999" is not in release 2026.05`) {
		t.Errorf("show of an unknown id: %v", err)
	}
	out, _, err = runCLI(t, env, "search", "prompt", "injection", "--json")
	var res struct {
		Release string `json:"release"`
		Hits    []struct {
			ID string `json:"id"`
		} `json:"hits"`
	}
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Release != "2026.05" ||
		!slices.ContainsFunc(res.Hits, func(h struct {
			ID string `json:"id"`
		}) bool {
			return h.ID == "AML.T0051"
		}) {
		t.Errorf("search prompt injection: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, env, "search", "zzzyqx")
	if err != nil || !strings.Contains(out, "nothing in release 2026.05 matches") {
		t.Errorf("search with no hit: %v %q", err, out)
	}
	// Mitigations are found by what they do, with their effect.
	out, _, err = runCLI(t, env, "search", "input filtering", "--json")
	var byUse struct {
		Hits []struct{ Kind, ID, Effect string } `json:"hits"`
	}
	if err != nil || json.Unmarshal([]byte(out), &byUse) != nil || len(byUse.Hits) == 0 ||
		byUse.Hits[0].ID != "AML.M0020" || byUse.Hits[0].Kind != "MITIGATION" || byUse.Hits[0].Effect == "" {
		t.Errorf("search input filtering: %v\n%s", err, out)
	}
}

func TestOlderReleaseIsStaged(t *testing.T) {
	env := testEnv(t)
	neo4jtest.Store(t)
	if _, _, err := runCLI(t, env, "load", "--quiet", shared(t, "atlas/v6/ATLAS-2026.05.yaml")); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runCLI(t, env, "load", "--quiet=false", shared(t, "atlas/ATLAS-4.5.0.yaml"))
	if err != nil || !strings.Contains(errOut, "loaded 4.5.0 and staged it: it is older than the current 2026.05") || !strings.Contains(errOut, "atlasgraph releases use 4.5.0") {
		t.Fatalf("older load: %v %q", err, errOut)
	}
	// --quiet prints nothing, notes included.
	if _, errOut, err := runCLI(t, env, "load", "--quiet", shared(t, "atlas/ATLAS-4.5.0.yaml")); err != nil || errOut != "" {
		t.Errorf("quiet load of the staged release again: %v %q", err, errOut)
	}
	out, _, err := runCLI(t, env, "releases", "--json")
	var rels []struct {
		Version  string  `json:"version"`
		Current  bool    `json:"current"`
		LoadedAt *string `json:"loadedAt"`
	}
	if err != nil || json.Unmarshal([]byte(out), &rels) != nil || len(rels) != 2 {
		t.Fatalf("releases --json: %v %s", err, out)
	}
	if rels[0].Version != "2026.05" || !rels[0].Current || rels[1].Version != "4.5.0" || rels[1].Current || rels[0].LoadedAt == nil {
		t.Errorf("releases, newest first, 2026.05 current: %s", out)
	}
	if _, _, err := runCLI(t, env, "load", "--quiet", "--current", shared(t, "atlas/ATLAS-5.5.0.yaml")); err != nil {
		t.Fatal(err)
	}
	out, _, _ = runCLI(t, env, "releases")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.Contains(lines[1], "2026.05") || !strings.HasPrefix(lines[2], "*") || !strings.Contains(lines[2], "5.5.0") {
		t.Errorf("after load --current 5.5.0, releases (newest first):\n%s", out)
	}
}

func TestNeo4jSettingErrors(t *testing.T) {
	env := testEnv(t)
	env["NEO4J_DATABASE"] = "nosuchdb"
	_, _, err := runCLI(t, env, "releases")
	if err == nil || !strings.Contains(err.Error(), `has no database "nosuchdb": set NEO4J_DATABASE`) || strings.Contains(err.Error(), "Neo.") {
		t.Errorf("wrong database: %v", err)
	}
	env = testEnv(t)
	env["NEO4J_PASSWORD"] = sentinel
	_, _, err = runCLI(t, env, "releases")
	if err == nil || !strings.Contains(err.Error(), "check NEO4J_USERNAME and NEO4J_PASSWORD") || strings.Contains(err.Error(), "Neo.") || strings.Contains(err.Error(), sentinel) {
		t.Errorf("wrong password: %v", err)
	}
	env = testEnv(t)
	env["NEO4J_USERNAME"] = "nobody"
	_, _, err = runCLI(t, env, "releases")
	if err == nil || !strings.Contains(err.Error(), `refused user "nobody"`) {
		t.Errorf("wrong user: %v", err)
	}
}

func TestOfflineLoadKeepsTheCurrentRelease(t *testing.T) {
	env := testEnv(t)
	neo4jtest.Store(t)
	if _, _, err := runCLI(t, env, "load", "--quiet", shared(t, "atlas/v6/ATLAS-2026.05.yaml")); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close() // nothing listens there now
	env["ATLASGRAPH_UPSTREAM"] = "http://" + dead + "/dist/"
	_, errOut, err := runCLI(t, env, "load")
	if err != nil || !strings.Contains(errOut, "keeping the current release 2026.05") {
		t.Errorf("offline load with a release loaded: %v %q", err, errOut)
	}
	// Naming a release is explicit: offline, it fails, and says what would work, unless it
	// is the release built in, which is read from the binary (TestOfflineOutOfTheBox).
	if _, _, err := runCLI(t, env, "load", "--release", "2099.01"); err == nil || !strings.Contains(err.Error(), "check the network") ||
		!strings.Contains(err.Error(), "--release embedded") {
		t.Errorf("offline load --release: %v", err)
	}
}

func TestCompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		out, _, err := runCLI(t, nil, "completion", shell)
		if err != nil || !strings.Contains(out, "atlasgraph") || len(out) < 500 {
			t.Errorf("completion %s: %v (%d bytes)", shell, err, len(out))
		}
	}
	env := testEnv(t)
	neo4jtest.Store(t)
	if _, _, err := runCLI(t, env, "load", "--quiet", shared(t, "atlas/ATLAS-4.5.0.yaml")); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, env, "__complete", "releases", "use", "")
	if err != nil || !strings.Contains(out, "4.5.0\tcurrent") {
		t.Errorf("completing releases use: %v %q", err, out)
	}
}

func TestShowAndSearchByAlias(t *testing.T) {
	env := testEnv(t)
	neo4jtest.Store(t)
	if _, _, err := runCLI(t, env, "load", "--quiet", shared(t, "atlas/v6/ATLAS-2026.05.yaml"), "--attack", shared(t, "attack/enterprise-attack-18.1.json")); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCLI(t, env, "show", "Forest Blizzard")
	if err != nil || !strings.Contains(out, "APT28") || !strings.Contains(out, "ATT&CK group: G0007") || !strings.Contains(out, "AML.CS0044") {
		t.Errorf("show Forest Blizzard: %v\n%s", err, out)
	}
	out, _, err = runCLI(t, env, "show", "fancy bear", "--json")
	var o struct {
		Name  string `json:"name"`
		Links []struct {
			Relation string `json:"relation"`
			Items    []struct {
				ID   string `json:"id"`
				Note string `json:"note"`
			} `json:"items"`
		} `json:"links"`
	}
	if err != nil || json.Unmarshal([]byte(out), &o) != nil || o.Name != "APT28" {
		t.Fatalf("show fancy bear: %v\n%s", err, out)
	}
	attackNotes := 0
	for _, g := range o.Links {
		for _, it := range g.Items {
			if g.Relation == "uses techniques" && strings.Contains(it.Note, "ATT&CK: uses T") {
				attackNotes++
			}
		}
	}
	if attackNotes == 0 {
		t.Errorf("APT28 shows no technique known through ATT&CK:\n%s", out)
	}
	out, _, err = runCLI(t, env, "search", "Aquatic Panda", "--json")
	if err != nil || !strings.Contains(out, `"name": "Aquatic Panda"`) {
		t.Errorf("search Aquatic Panda: %v\n%s", err, out)
	}
}
