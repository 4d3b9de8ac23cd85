package main

import (
	"errors"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/atlasgraph/atlasgraph/app"
)

const analyzeLong = `Analyze answers attack-path and mitigation questions over one loaded release.

A chain is a case study's steps along leads-to links, or the technique list you give. A set of
mitigations breaks a chain when every route through it has a step whose technique one of them
mitigates. Every command takes --release VERSION (default: the current release),
--inherit-from-parent (a mitigation of a parent technique also covers its sub-techniques) and
--json. The definitions, exactly as implemented, are in docs/analysis.md.`

func (c *cli) analyzeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "analyze",
		Short:   "Chains, minimal mitigation sets, attack paths, choke points, gaps",
		Long:    analyzeLong,
		GroupID: "ask",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	type sub struct {
		use, short, example string
		make                func(fs *pflag.FlagSet) func(io.Writer, *analyzeRun) (any, error)
	}
	for _, s := range []sub{
		{"chain", "Which mitigations break one attack chain, where, and which steps nothing covers",
			"  atlasgraph analyze chain --case-study AML.CS0000\n  atlasgraph analyze chain --techniques AML.T0000,AML.T0043,AML.T0015", chainCommand},
		{"minimal-set", "The least-cost set of mitigations that breaks every breakable chain",
			"  atlasgraph analyze minimal-set\n  atlasgraph analyze minimal-set --cost AML.M0015=3 --require AML.M0004 --alternatives 2", minimalSetCommand},
		{"paths", "The best-evidenced attack paths over observed transitions",
			"  atlasgraph analyze paths --from AML.TA0002 --to AML.TA0011 --max-hops 5", pathsCommand},
		{"choke-points", "The techniques and mitigations on the most case studies and attack paths",
			"  atlasgraph analyze choke-points --limit 10", chokePointsCommand},
		{"gaps", "Techniques no mitigation covers, by maturity and by case-study use",
			"  atlasgraph analyze gaps --limit 20", gapsCommand},
	} {
		sc := &cobra.Command{Use: s.use, Short: s.short, Example: s.example, Args: noArgs}
		af := addAnalyzeFlags(sc.Flags(), c.getenv)
		do := s.make(sc.Flags())
		sc.RunE = func(cmd *cobra.Command, _ []string) error {
			// Check the flags that need no data before connecting.
			if _, err := do(nil, nil); err != nil {
				if app.ErrorCode(err) == app.BadInput {
					return usageError{msg: app.ErrorMessage(err), cmd: cmd.CommandPath()}
				}
				return withCmd(err, cmd)
			}
			svc, done, err := openService(cmd.Context(), af.cfg)
			if err != nil {
				return err
			}
			defer done()
			var text strings.Builder
			res, err := do(&text, &analyzeRun{ctx: cmd.Context(), svc: svc, release: af.release, inherit: af.inherit, prevent: af.prevent, stderr: c.stderr})
			if app.ErrorCode(err) == app.BadInput {
				// What the flag checks cannot see, e.g. a mitigation both
				// required and excluded, or a value out of range.
				return usageError{msg: app.ErrorMessage(err), cmd: cmd.CommandPath()}
			}
			if err != nil {
				return withCmd(err, cmd)
			}
			if af.json {
				return writeJSON(c.stdout, res)
			}
			_, err = io.WriteString(c.stdout, text.String())
			return err
		}
		cmd.AddCommand(sc)
	}
	return cmd
}

// withCmd points a usage error at the command's help.
func withCmd(err error, cmd *cobra.Command) error {
	var u usageError
	if errors.As(err, &u) && u.cmd == "" {
		u.cmd = cmd.CommandPath()
		return u
	}
	return err
}
