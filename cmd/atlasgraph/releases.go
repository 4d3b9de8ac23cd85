package main

import (
	"cmp"
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/atlasgraph/atlasgraph/atlas"
	"github.com/atlasgraph/atlasgraph/internal/config"
)

func (c *cli) releasesCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "releases",
		Short:   "List the loaded releases, newest first; * marks the current one",
		GroupID: "data",
		Args:    noArgs,
	}
	cfg := c.neo4jFlags(cmd)
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	list := func(cmd *cobra.Command, _ []string) error {
		svc, done, err := openService(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer done()
		rels, err := svc.Releases(cmd.Context())
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, rels)
		}
		if len(rels) == 0 {
			fmt.Fprintln(c.stdout, "no releases loaded; load one with: atlasgraph load")
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CURRENT\tVERSION\tSTATUS\tFORMAT\tTACTICS\tTECHNIQUES\tMITIGATIONS\tCASE STUDIES\tSTEPS\tACTORS\tLOADED\tSHA256")
		for _, r := range rels {
			cur, loaded := "", "-"
			if r.Current {
				cur = "*"
			}
			if r.LoadedAt != nil {
				loaded = r.LoadedAt.Format(time.RFC3339)
			}
			if r.Status != app.StatusComplete {
				// What an interrupted operation left: prune removes it.
				fmt.Fprintf(tw, "\t%s\t%s %s %d nodes (atlasgraph releases prune %s)\n", cmp.Or(r.Key, r.Version), r.Status, r.Operation, r.Nodes, r.Version)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%.12s\n", cur, r.Version, r.Status, r.Format, r.Counts.Tactics, r.Counts.Techniques,
				r.Counts.Mitigations, r.Counts.CaseStudies, r.Counts.Steps, r.Counts.Actors, loaded, r.SHA256)
		}
		return tw.Flush()
	}
	cmd.RunE = list

	ls := &cobra.Command{Use: "list", Short: "List the loaded releases (the default)", Args: noArgs, RunE: list}
	ls.Flags().AddFlagSet(cmd.Flags())

	cmd.AddCommand(c.releasesUpstreamCmd())

	use := &cobra.Command{
		Use:     "use VERSION",
		Short:   "Make a loaded release the current one",
		Example: "  atlasgraph releases use 2026.05",
		Args:    exactArgs(1, "the VERSION of a loaded release (atlasgraph releases lists them)"),
	}
	useCfg := c.neo4jFlags(use)
	use.ValidArgsFunction = c.completeVersions(useCfg, 1)
	use.RunE = func(cmd *cobra.Command, args []string) error {
		svc, done, err := openService(cmd.Context(), useCfg)
		if err != nil {
			return err
		}
		defer done()
		if err := svc.UseRelease(cmd.Context(), args[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "release %s is now current\n", args[0])
		return nil
	}

	prune := &cobra.Command{
		Use:     "prune VERSION",
		Short:   "Delete a loaded release that is not current",
		Example: "  atlasgraph releases prune 4.5.0",
		Args:    exactArgs(1, "the VERSION of a loaded release that is not current"),
	}
	pruneCfg := c.neo4jFlags(prune)
	prune.ValidArgsFunction = c.completeVersions(pruneCfg, 1)
	prune.RunE = func(cmd *cobra.Command, args []string) error {
		svc, done, err := openService(cmd.Context(), pruneCfg)
		if err != nil {
			return err
		}
		defer done()
		if err := svc.PruneRelease(cmd.Context(), args[0]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "release %s deleted\n", args[0])
		return nil
	}
	cmd.AddCommand(ls, use, prune)
	return cmd
}

func (c *cli) diffCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "diff FROM TO",
		Short:   "What changed between two loaded releases",
		GroupID: "data",
		Example: "  atlasgraph diff 5.6.0 2026.05\n  atlasgraph diff 5.6.0 2026.05 --json",
		Args:    exactArgs(2, "two loaded release versions, FROM and TO"),
	}
	cfg := c.neo4jFlags(cmd)
	cmd.ValidArgsFunction = c.completeVersions(cfg, 2)
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	layer := cmd.Flags().Bool("navigator", false, "print the diff as an ATLAS Navigator layer (JSON)")
	cmd.MarkFlagsMutuallyExclusive("json", "navigator")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		svc, done, err := openService(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer done()
		d, err := svc.Diff(cmd.Context(), args[0], args[1])
		if err != nil {
			return err
		}
		if *layer {
			js, err := d.NavigatorLayer()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(c.stdout, js)
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, d.Diff)
		}
		return atlas.WriteDiff(c.stdout, d.Diff)
	}
	return cmd
}

// completeVersions completes the first n arguments with the versions of
// the loaded releases; when Neo4j cannot be reached it offers nothing.
func (c *cli) completeVersions(cfg *config.Neo4j, n int) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) >= n {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), 3*time.Second)
		defer cancel()
		cfg.ConnectTimeout = 2 * time.Second
		svc, done, err := openService(ctx, cfg)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		defer done()
		rels, err := svc.Releases(ctx)
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var out []cobra.Completion
		for _, r := range rels {
			desc := r.Status
			if r.Current {
				desc = "current"
			}
			out = append(out, cobra.CompletionWithDesc(r.Version, desc))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}
