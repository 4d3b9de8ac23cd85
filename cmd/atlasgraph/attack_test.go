package main

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atlasgraph/atlasgraph/internal/neo4jtest"
	"github.com/atlasgraph/atlasgraph/internal/rawattack"
	"github.com/atlasgraph/atlasgraph/navigator"
)

func TestLoadAttackAndExportLayers(t *testing.T) {
	env := testEnv(t)
	neo4jtest.Store(t)
	atlasPath := shared(t, "atlas/v6/ATLAS-2026.05.yaml")
	attackPath := shared(t, "attack/enterprise-attack-18.1.json")
	exp, err := rawattack.Read(attackPath, atlasPath)
	if err != nil {
		t.Fatal(err)
	}

	// A bad bundle beside a good release: nothing is written, not even the release.
	raw, err := os.ReadFile(attackPath)
	if err != nil {
		t.Fatal(err)
	}
	truncated := t.TempDir() + "/enterprise-attack-18.1.json"
	if err := os.WriteFile(truncated, raw[:len(raw)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCLI(t, env, "load", atlasPath, "--attack", truncated)
	if err == nil || exitCode(err) != 1 || !regexp.MustCompile(regexp.QuoteMeta(truncated)+`:1:\d+: the file ends before the bundle does`).MatchString(err.Error()) {
		t.Fatalf("truncated bundle: %v", err)
	}
	if out, _, err := runCLI(t, env, "releases", "--json"); err != nil || strings.Contains(out, "2026.05") {
		t.Fatalf("a release was written although the ATT&CK bundle was bad: %v %s", err, out)
	}

	out, _, err := runCLI(t, env, "load", atlasPath, "--attack", attackPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "ATLAS 2026.05") || !strings.Contains(out, "ATT&CK Enterprise 18.1 loaded") || !strings.Contains(out, "revoked") {
		t.Fatalf("load summary:\n%s", out)
	}
	// ATT&CK alone again: unchanged; a truncated one alone: refused, 18.1 stays.
	if out, _, err := runCLI(t, env, "load", "--attack", attackPath); err != nil || !strings.Contains(out, "18.1 already loaded, unchanged") {
		t.Fatalf("reload: %v %s", err, out)
	}
	if _, _, err := runCLI(t, env, "load", "--attack", truncated); err == nil {
		t.Fatal("a truncated bundle alone was accepted")
	}

	sch, err := jsonschema.NewCompiler().Compile("../../navigator/testdata/layer-4.3.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	layer := func(args ...string) navigator.Layer {
		t.Helper()
		out, _, err := runCLI(t, env, append([]string{"export", "layer"}, args...)...)
		if err != nil {
			t.Fatalf("export layer %v: %v", args, err)
		}
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Fatalf("export layer %v does not validate: %v", args, err)
		}
		var l navigator.Layer
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatal(err)
		}
		return l
	}
	techIDs := func(l navigator.Layer) map[string]bool {
		m := map[string]bool{}
		for _, x := range l.Techniques {
			if x.Color != "" {
				m[x.ID] = true
			}
		}
		return m
	}
	fb := layer("--actor", "Forest Blizzard")
	if fb.Name != "APT28" || fb.Domain != "atlas-atlas" {
		t.Errorf("Forest Blizzard layer: %q %q", fb.Name, fb.Domain)
	}
	for id := range exp.Atlas["G0007"] {
		if !techIDs(fb)[id] {
			t.Errorf("Forest Blizzard layer lacks %s, which APT28 uses through ATT&CK", id)
		}
	}
	ap := layer("--actor", "Aquatic Panda")
	if diff := cmp.Diff(exp.Atlas["G0143"], techIDs(ap)); diff != "" {
		t.Errorf("Aquatic Panda layer (-files +layer):\n%s", diff)
	}
	layer("--case-study", "AML.CS0044")
	layer("--technique", "AML.T0051", "--technique", "AML.T0010")
	for _, bad := range [][]string{{}, {"--actor", "APT28", "--case-study", "AML.CS0044"}} {
		if _, _, err := runCLI(t, env, append([]string{"export", "layer"}, bad...)...); err == nil || exitCode(err) != 2 {
			t.Errorf("export layer %v: %v", bad, err)
		}
	}
	if _, _, err := runCLI(t, env, "export", "layer", "--actor", "Nobody Panda"); err == nil || !strings.Contains(err.Error(), `"Nobody Panda"`) {
		t.Errorf("unknown actor: %v", err)
	}
}
