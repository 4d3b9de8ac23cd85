package config

import (
	"flag"
	"io"
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
		{env: map[string]string{EnvPassword: "p"}, args: []string{"--neo4j-database", ""}, want: []string{"NEO4J_DATABASE (or --neo4j-database) is empty"}},
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
