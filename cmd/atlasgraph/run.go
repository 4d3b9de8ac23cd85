package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/internal/config"
)

// usageError is a mistake on the command line; it exits with status 2.
type usageError struct {
	msg string
	// cmd is the command path whose help to point at, e.g. "atlasgraph load".
	cmd string
}

func (e usageError) Error() string {
	cmd := e.cmd
	if cmd == "" {
		cmd = "atlasgraph"
	}
	return e.msg + " (see " + cmd + " --help)"
}

func exitCode(err error) int {
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	var g gateError
	if errors.As(err, &g) {
		return 3
	}
	return 1
}

// cli is what every command gets from the process: the environment and the
// standard streams. Nothing else is global.
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := &cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := c.rootCmd()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	// A misspelt subcommand followed by its flags ("analyze chian
	// --case-study X") would otherwise be reported as an unknown flag of
	// the parent, and "completion tcsh" would print help and exit 0.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	if err := unknownSubcommand(root, args); err != nil {
		return err
	}
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return nil
	}
	var u usageError
	if errors.As(err, &u) {
		return err
	}
	// Cobra's own messages for unknown commands and bad arguments.
	msg := err.Error()
	if strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand") || strings.Contains(msg, "flag needs an argument") ||
		strings.HasPrefix(msg, "if any flags in the group") || strings.HasPrefix(msg, "required flag") {
		return usageError{msg: strings.TrimSpace(msg), cmd: cmd.CommandPath()}
	}
	return err
}

const rootLong = `atlasgraph turns MITRE ATLAS (the tactics, techniques, mitigations and case
studies of attacks on AI systems) into a Neo4j graph and answers questions over it:
which mitigations break an attack chain, the cheapest controls that break every known
chain, which paths lead from reconnaissance to impact, which actors use which techniques.

Neo4j settings come from NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE
(or the --neo4j-* flags; the password only from the environment or --neo4j-password-file).
For the local Neo4j: eval "$(scripts/neo4j.sh env)".`

func (c *cli) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "atlasgraph",
		Short:         "MITRE ATLAS as a Neo4j graph, with attack-path and mitigation analysis",
		Long:          rootLong,
		Version:       versionString(),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmd.Help()
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
	})
	root.AddGroup(&cobra.Group{ID: "data", Title: "Releases:"}, &cobra.Group{ID: "ask", Title: "Questions:"}, &cobra.Group{ID: "serve", Title: "Serving:"}, &cobra.Group{ID: "other", Title: "Other:"})
	for _, sub := range []*cobra.Command{
		c.loadCmd(), c.checkCmd(), c.releasesCmd(), c.diffCmd(),
		c.showCmd(), c.searchCmd(), c.analyzeCmd(), c.validateCmd(), c.modelCmd(),
		c.serveCmd(), c.mcpCmd(),
		c.exportCmd(),
	} {
		root.AddCommand(sub)
	}
	root.SetHelpCommandGroupID("other")
	root.SetCompletionCommandGroupID("other")
	return root
}

// noArgs refuses positional arguments, suggesting a subcommand when one
// looks like a misspelt command name.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if cmd.HasSubCommands() {
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
	} else {
		msg = fmt.Sprintf("%s takes no arguments, got %q", cmd.CommandPath(), args[0])
	}
	return usageError{msg: msg, cmd: cmd.CommandPath()}
}

// exactArgs wants n arguments, described by what (e.g. "a VERSION").
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) < n:
			return usageError{msg: fmt.Sprintf("%s needs %s", cmd.CommandPath(), what), cmd: cmd.CommandPath()}
		case len(args) > n:
			return usageError{msg: fmt.Sprintf("%s takes %s; got %d arguments (%s)", cmd.CommandPath(), what, len(args), strings.Join(args, " ")), cmd: cmd.CommandPath()}
		}
		return nil
	}
}

// Set at build time with -ldflags "-X main.version=... -X main.revision=...
// -X main.buildDate=..." (the Makefile does): a build with -buildvcs=false,
// as in many CI set-ups, has no VCS stamp of its own.
var version, revision, buildDate string

// versionString is the version with its build information: the first line
// is "atlasgraph VERSION", the second the revision and its date.
func versionString() string {
	v, rev, at, dirty, goVer := "(devel)", "", "", false, ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVer = bi.GoVersion
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if version != "" {
		v = version
	}
	if revision != "" {
		rev, at, dirty = revision, buildDate, false
	}
	var b strings.Builder
	fmt.Fprintf(&b, "atlasgraph %s", v)
	if rev != "" {
		fmt.Fprintf(&b, "\ncommit %.12s", rev)
		if dirty {
			b.WriteString(" (modified)")
		}
		if at != "" {
			fmt.Fprintf(&b, " of %s", at)
		}
	}
	if goVer != "" {
		fmt.Fprintf(&b, "\nbuilt with %s", goVer)
	}
	if e := embeddedRelease(); e != "" {
		fmt.Fprintf(&b, "\nembedded ATLAS release %s", e)
	}
	return b.String()
}

// neo4jFlags adds the Neo4j settings to a command's flags.
func (c *cli) neo4jFlags(cmd *cobra.Command) *config.Neo4j {
	fs := pflag.NewFlagSet("neo4j", pflag.ContinueOnError)
	cfg := config.Neo4jFlags(fs, c.getenv)
	cmd.Flags().AddFlagSet(fs)
	return cfg
}

// openService opens the application layer over Neo4j for one command;
// done closes it.
func openService(ctx context.Context, cfg *config.Neo4j) (svc *app.Service, done func(), err error) {
	svc, err = app.Open(ctx, app.Config{Neo4j: cfg})
	if err != nil {
		return nil, nil, err
	}
	return svc, func() { svc.Close(context.Background()) }, nil
}

// isTerminal reports whether w is a terminal, so progress is shown only to
// a person watching.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// unknownSubcommand refuses a first argument that names no subcommand of a
// command that has subcommands, suggesting the nearest ones or listing
// them.
func unknownSubcommand(root *cobra.Command, args []string) error {
	cmd, rest, err := root.Find(args)
	if err != nil || !cmd.HasSubCommands() {
		return nil
	}
	if len(rest) == 0 || strings.HasPrefix(rest[0], "-") || rest[0] == "help" || strings.HasPrefix(rest[0], "__") {
		return nil // flags, help, and cobra's hidden __complete commands
	}
	word := rest[0]
	msg := fmt.Sprintf("unknown command %q for %q", word, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2
	}
	if sug := cmd.SuggestionsFor(word); len(sug) > 0 {
		msg += "; did you mean " + strings.Join(sug, " or ") + "?"
	} else {
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		msg += "; use one of " + strings.Join(names, ", ")
	}
	return usageError{msg: msg, cmd: cmd.CommandPath()}
}
