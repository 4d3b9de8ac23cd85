package config

import (
	"flag"
	"io"
	"os"
	"strings"
	"testing"
)

func parse(t *testing.T, env map[string]string, args ...string) (*Neo4j, error) {
	t.Helper()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := Neo4jFlags(fs, func(k string) string { return env[k] })
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return c, c.Validate()
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	env := map[string]string{EnvURI: "bolt://db:7687", EnvPassword: "secret", EnvDatabase: "atlas"}
	c, err := parse(t, env, "--neo4j-uri", "neo4j+s://other:7687")
	if err != nil {
		t.Fatal(err)
	}
	if c.URI != "neo4j+s://other:7687" || c.Password != "secret" || c.Database != "atlas" || c.Username != "neo4j" {
		t.Errorf("config = %+v", c)
	}
}

func TestValidateNamesTheSetting(t *testing.T) {
	tests := []struct {
		env  map[string]string
		args []string
		want []string
	}{
		{env: map[string]string{}, want: []string{"NEO4J_PASSWORD is empty"}},
		{env: map[string]string{EnvPassword: "p", EnvURI: "http://x:7474"}, want: []string{`NEO4J_URI (or --neo4j-uri) has scheme "http"`}},
		{env: map[string]string{EnvPassword: "p", EnvURI: "localhost"}, want: []string{`NEO4J_URI (or --neo4j-uri) "localhost" is not a URI`}},
		{env: map[string]string{EnvPassword: "p"}, args: []string{"--neo4j-username", " "}, want: []string{"NEO4J_USERNAME (or --neo4j-username) is empty"}},
		{env: map[string]string{EnvPassword: "p", EnvDatabase: " "}, want: []string{"NEO4J_DATABASE (or --neo4j-database) is empty"}},
		{env: map[string]string{EnvPassword: "p", EnvURI: "bolt://u:hunter2@db:7687"}, want: []string{"carries a user or password"}},
		{env: map[string]string{}, args: []string{"--neo4j-password-file", "/nonexistent/pw"}, want: []string{"--neo4j-password-file: cannot read /nonexistent/pw"}},
		{env: map[string]string{EnvPassword: "p"}, args: []string{"--neo4j-connect-timeout", "0s"}, want: []string{"--neo4j-connect-timeout must be positive"}},
		{env: map[string]string{EnvURI: "ftp://x"}, want: []string{"NEO4J_URI", "NEO4J_PASSWORD"}},
	}
	for _, tt := range tests {
		_, err := parse(t, tt.env, tt.args...)
		if err == nil {
			t.Errorf("%v %v: no error", tt.env, tt.args)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v %v: error %q does not contain %q", tt.env, tt.args, err, w)
			}
		}
	}
}

func TestPasswordFile(t *testing.T) {
	f := t.TempDir() + "/pw"
	if err := os.WriteFile(f, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := parse(t, map[string]string{EnvPassword: "from-env"}, "--neo4j-password-file", f)
	if err != nil {
		t.Fatal(err)
	}
	if c.Password != "from-file" {
		t.Errorf("password = %q, want the file's", c.Password)
	}
}

func TestHelpShowsNoEnvironmentValue(t *testing.T) {
	env := map[string]string{EnvURI: "bolt://secret-host:7687", EnvPassword: "s3cr3t-pw", EnvUsername: "secret-user", EnvDatabase: "secretdb"}
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	Neo4jFlags(fs, func(k string) string { return env[k] })
	fs.PrintDefaults()
	for _, v := range env {
		if strings.Contains(out.String(), v) {
			t.Errorf("help shows %q:\n%s", v, out.String())
		}
	}
	if !strings.Contains(out.String(), "env NEO4J_PASSWORD") {
		t.Errorf("help does not name NEO4J_PASSWORD:\n%s", out.String())
	}
}

func TestValidateNeverShowsThePassword(t *testing.T) {
	_, err := parse(t, map[string]string{EnvPassword: "s3cr3t-pw", EnvURI: "bolt://u:s3cr3t-pw@db:7687"})
	if err == nil || strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Errorf("err = %v", err)
	}
}
