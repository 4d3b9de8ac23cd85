// Package config reads atlasgraph's settings from the environment and the
// command line and checks them, naming the setting to fix when one is wrong.
//
// Secrets are never flag defaults: help output and flag errors print flag
// defaults, so a value taken from the environment would end up on terminals
// and in CI logs. The Neo4j password comes from NEO4J_PASSWORD or from a file
// (--neo4j-password-file), never from a flag value, which `ps` would show.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Neo4j holds the settings to reach the database.
type Neo4j struct {
	URI      string
	Username string
	Password string
	Database string
	// PasswordFile, when set, is read for the password (first line).
	PasswordFile string
	// ConnectTimeout bounds the start-up connectivity check.
	ConnectTimeout time.Duration

	getenv   func(string) string
	resolved bool
}

// Environment variable names, as Neo4j's own tools use them.
const (
	EnvURI      = "NEO4J_URI"
	EnvUsername = "NEO4J_USERNAME"
	EnvPassword = "NEO4J_PASSWORD"
	EnvDatabase = "NEO4J_DATABASE"
)

// Built-in defaults, used when neither a flag nor the environment sets a value.
const (
	DefaultURI      = "bolt://127.0.0.1:7687"
	DefaultUsername = "neo4j"
	DefaultDatabase = "neo4j"
)

// FlagSet is what Neo4jFlags needs of a flag set; both the standard
// library's flag.FlagSet and spf13/pflag's FlagSet have it.
type FlagSet interface {
	StringVar(p *string, name, value, usage string)
	DurationVar(p *time.Duration, name string, value time.Duration, usage string)
}

// Neo4jFlags registers the Neo4j flags on fs. The flags have no defaults of
// their own: after parsing, Validate fills each one left empty from its
// environment variable (getenv), then from the built-in default, so a flag
// overrides its variable and help never prints a value from the environment.
func Neo4jFlags(fs FlagSet, getenv func(string) string) *Neo4j {
	c := &Neo4j{getenv: getenv}
	fs.StringVar(&c.URI, "neo4j-uri", "", "Neo4j Bolt URI (env "+EnvURI+", default "+DefaultURI+")")
	fs.StringVar(&c.Username, "neo4j-username", "", "Neo4j user (env "+EnvUsername+", default "+DefaultUsername+")")
	fs.StringVar(&c.PasswordFile, "neo4j-password-file", "", "file holding the Neo4j password (default: env "+EnvPassword+")")
	fs.StringVar(&c.Database, "neo4j-database", "", "Neo4j database (env "+EnvDatabase+", default "+DefaultDatabase+")")
	fs.DurationVar(&c.ConnectTimeout, "neo4j-connect-timeout", 15*time.Second, "how long to wait for Neo4j at start-up")
	return c
}

// FromEnv returns the settings from the environment alone.
func FromEnv(getenv func(string) string) *Neo4j {
	return &Neo4j{getenv: getenv, ConnectTimeout: 15 * time.Second}
}

func (c *Neo4j) resolve() error {
	if c.resolved {
		return nil
	}
	c.resolved = true
	getenv := c.getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	pick := func(v *string, env, def string) {
		if *v == "" {
			*v = getenv(env)
		}
		if *v == "" {
			*v = def
		}
	}
	pick(&c.URI, EnvURI, DefaultURI)
	pick(&c.Username, EnvUsername, DefaultUsername)
	pick(&c.Database, EnvDatabase, DefaultDatabase)
	if c.PasswordFile != "" {
		b, err := os.ReadFile(c.PasswordFile)
		if err != nil {
			return fmt.Errorf("--neo4j-password-file: cannot read %s: %v", c.PasswordFile, unwrapPath(err))
		}
		line, _, _ := strings.Cut(string(b), "\n")
		c.Password = strings.TrimRight(line, "\r")
	} else if c.Password == "" {
		c.Password = getenv(EnvPassword)
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Validate fills the settings left empty (see Neo4jFlags), checks them and
// returns every problem, each naming the variable or flag to fix. It never
// includes the password in a message.
func (c *Neo4j) Validate() error {
	if err := c.resolve(); err != nil {
		return err
	}
	var errs []error
	u, err := url.Parse(c.URI)
	switch {
	case err != nil || u.Host == "":
		errs = append(errs, fmt.Errorf("%s (or --neo4j-uri) %q is not a URI; set it to e.g. %s", EnvURI, redactURI(c.URI), DefaultURI))
	default:
		switch u.Scheme {
		case "bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc":
		default:
			errs = append(errs, fmt.Errorf("%s (or --neo4j-uri) has scheme %q; use bolt:// or neo4j:// (with +s or +ssc for TLS)", EnvURI, u.Scheme))
		}
		if u.User != nil {
			errs = append(errs, fmt.Errorf("%s (or --neo4j-uri) carries a user or password; put the user in %s and the password in %s instead", EnvURI, EnvUsername, EnvPassword))
		}
	}
	if strings.TrimSpace(c.Username) == "" {
		errs = append(errs, fmt.Errorf("%s (or --neo4j-username) is empty; set it to the Neo4j user, usually neo4j", EnvUsername))
	}
	if c.Password == "" {
		errs = append(errs, fmt.Errorf("%s is empty; set it to the Neo4j password (for the local server: eval \"$(scripts/neo4j.sh env)\"), or give --neo4j-password-file", EnvPassword))
	}
	if strings.TrimSpace(c.Database) == "" {
		errs = append(errs, fmt.Errorf("%s (or --neo4j-database) is empty; set it to the database name, usually neo4j", EnvDatabase))
	}
	if c.ConnectTimeout <= 0 {
		errs = append(errs, errors.New("--neo4j-connect-timeout must be positive"))
	}
	return errors.Join(errs...)
}

// RedactedURI is the URI with any user information removed, for messages.
func (c *Neo4j) RedactedURI() string { return redactURI(c.URI) }

func redactURI(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		if i := strings.LastIndex(s, "@"); i >= 0 {
			return "…@" + s[i+1:]
		}
		return s
	}
	u.User = nil
	return u.String()
}
