package main

import (
	"fmt"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/loader"
	"github.com/atlasgraph/atlasgraph/upstream"
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
	cmd.Flags().StringVar(&sf.upstream, "upstream", "", "atlas-data's dist folder: a URL or a local folder (env ATLASGRAPH_UPSTREAM, default "+loader.DefaultUpstream+")")
	timeout := cmd.Flags().Duration("download-timeout", 30*time.Second, "time limit for reading the manifest")
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		svc, done, err := openService(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer done()
		rels, err := svc.Releases(cmd.Context())
		if err != nil {
			return err
		}
		var loaded []string
		current := ""
		for _, r := range rels {
			loaded = append(loaded, r.Version)
			if r.Current {
				current = r.Version
			}
		}
		f := loader.Fetcher{Client: &http.Client{Timeout: *timeout}}
		rep, err := upstream.Check(cmd.Context(), f, sf.upstreamURL(c.getenv), loaded, current)
		if err != nil {
			return err
		}
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
