// Package config reads atlasgraph's settings from the environment and the
// command line and checks them, naming the setting to fix when one is wrong.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Neo4j holds the settings to reach the database.
type Neo4j struct {
	URI      string
	Username string
	Password string
	Database string
	// ConnectTimeout bounds the start-up connectivity check.
	ConnectTimeout time.Duration
}

// Environment variable names, as Neo4j's own tools use them.
const (
	EnvURI      = "NEO4J_URI"
	EnvUsername = "NEO4J_USERNAME"
	EnvPassword = "NEO4J_PASSWORD"
	EnvDatabase = "NEO4J_DATABASE"
)

// Neo4jFlags registers the Neo4j flags on fs with defaults from the
// environment (getenv), so a flag overrides its variable. Call Validate after
// parsing.
func Neo4jFlags(fs *flag.FlagSet, getenv func(string) string) *Neo4j {
	c := &Neo4j{}
	fs.StringVar(&c.URI, "neo4j-uri", orDefault(getenv(EnvURI), "bolt://127.0.0.1:7687"), "Neo4j Bolt URI (env "+EnvURI+")")
	fs.StringVar(&c.Username, "neo4j-username", orDefault(getenv(EnvUsername), "neo4j"), "Neo4j user (env "+EnvUsername+")")
	fs.StringVar(&c.Password, "neo4j-password", getenv(EnvPassword), "Neo4j password (env "+EnvPassword+"; prefer the variable: flags show in ps)")
	fs.StringVar(&c.Database, "neo4j-database", orDefault(getenv(EnvDatabase), "neo4j"), "Neo4j database (env "+EnvDatabase+")")
	fs.DurationVar(&c.ConnectTimeout, "neo4j-connect-timeout", 15*time.Second, "how long to wait for Neo4j at start-up")
	return c
}

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

// Validate checks the settings and returns every problem, each naming the
// variable or flag to fix.
func (c *Neo4j) Validate() error {
	var errs []error
	u, err := url.Parse(c.URI)
	switch {
	case c.URI == "":
		errs = append(errs, fmt.Errorf("%s (or --neo4j-uri) is empty; set it to e.g. bolt://127.0.0.1:7687", EnvURI))
	case err != nil || u.Host == "":
		errs = append(errs, fmt.Errorf("%s (or --neo4j-uri) %q is not a URI; set it to e.g. bolt://127.0.0.1:7687", EnvURI, c.URI))
	default:
		switch u.Scheme {
		case "bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc":
		default:
			errs = append(errs, fmt.Errorf("%s (or --neo4j-uri) has scheme %q; use bolt:// or neo4j:// (with +s or +ssc for TLS)", EnvURI, u.Scheme))
		}
	}
	if strings.TrimSpace(c.Username) == "" {
		errs = append(errs, fmt.Errorf("%s (or --neo4j-username) is empty; set it to the Neo4j user, usually neo4j", EnvUsername))
	}
	if c.Password == "" {
		errs = append(errs, fmt.Errorf("%s is empty; set it to the Neo4j password (for the local server: eval \"$(scripts/neo4j.sh env)\")", EnvPassword))
	}
	if strings.TrimSpace(c.Database) == "" {
		errs = append(errs, fmt.Errorf("%s (or --neo4j-database) is empty; set it to the database name, usually neo4j", EnvDatabase))
	}
	if c.ConnectTimeout <= 0 {
		errs = append(errs, errors.New("--neo4j-connect-timeout must be positive"))
	}
	return errors.Join(errs...)
}
