package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/spf13/cobra"
)

func (c *cli) releasesUpstreamCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "upstream",
		Short: "List upstream's releases: dates, which are loaded, which are newer than the current one",
		Long: `Upstream reads atlas-data's dist/manifest.yaml (--upstream: a URL or a local copy of the
dist/ folder) and lists its releases newest first, marking the loaded ones (+), the current
one (*) and those newer than it (new). Load the newest with: atlasgraph load --release latest.`,
		Args: noArgs,
	}
	cfg := c.neo4jFlags(cmd)
	sf := &sourceFlags{}
	cmd.Flags().StringVar(&sf.upstream, "upstream", "", "atlas-data's dist folder: a URL or a local folder (env ATLASGRAPH_UPSTREAM, default "+app.DefaultUpstream+")")
	timeout := cmd.Flags().Duration("download-timeout", 30*time.Second, "time limit for reading the manifest")
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		svc, done, err := openService(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer done()
		rep, err := svc.UpstreamReleases(cmd.Context(), sf.upstreamURL(c.getenv), *timeout)
		if err != nil {
			return err
		}
		current := rep.Current
		if *asJSON {
			return writeJSON(c.stdout, rep)
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "\tRELEASE\tDATE\tFORMAT\t")
		for _, r := range rep.Releases {
			mark := ""
			switch {
			case r.Current:
				mark = "*"
			case r.Loaded:
				mark = "+"
			}
			note := ""
			if r.Newer {
				note = "new"
			}
			if !r.Readable {
				note = strings.TrimSpace(note + " (needs a newer atlasgraph)")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", mark, r.Name, r.Date, strings.Join(r.FormatVersions, " "), note)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		switch {
		case current == "":
			fmt.Fprintln(c.stdout, "no release is loaded; load the newest with: atlasgraph load --release latest")
		case len(rep.NewerThanCurrent) > 0:
			fmt.Fprintf(c.stdout, "%d newer than the current %s; load the newest with: atlasgraph load --release latest\n", len(rep.NewerThanCurrent), current)
		default:
			fmt.Fprintf(c.stdout, "the current release %s is the newest upstream\n", current)
		}
		return nil
	}
	return cmd
}
