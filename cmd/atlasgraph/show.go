package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/app"
)

func (c *cli) showCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "show ID",
		Short:   "Show a tactic, technique, mitigation, case study or actor with its links",
		GroupID: "ask",
		Long: `Show looks up any object of a loaded release by id (AML.TA0002, AML.T0051, AML.M0015,
AML.CS0000, in any case) or an actor by id or name, and prints it with what it is linked to.`,
		Example: "  atlasgraph show AML.T0051\n  atlasgraph show \"Embrace the Red\" --json",
		Args:    exactArgs(1, "an ID (e.g. AML.T0051) or an actor's name"),
	}
	cfg := c.neo4jFlags(cmd)
	release := cmd.Flags().String("release", "", "release to look in (default: the current release)")
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		svc, done, err := openService(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer done()
		o, err := svc.Show(cmd.Context(), *release, args[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, o)
		}
		return writeObject(c, o)
	}
	return cmd
}

func writeObject(c *cli, o *app.Object) error {
	w := c.stdout
	fmt.Fprintf(w, "%s  %s  (%s, release %s)\n", o.ID, o.Name, kindLabel(o.Kind), o.Release)
	for _, f := range o.Facts {
		fmt.Fprintf(w, "  %s: %s\n", f.Label, f.Value)
	}
	if d := strings.TrimSpace(o.Description); d != "" {
		fmt.Fprintln(w)
		for _, line := range wrap(d, 92) {
			fmt.Fprintln(w, "  "+line)
		}
	}
	for _, a := range o.Alternatives {
		fmt.Fprintf(w, "  the name also stands for %s %s (atlasgraph show %s)\n", a.ID, a.Name, a.ID)
	}
	for _, g := range o.Links {
		fmt.Fprintf(w, "\n%s (%d)\n", strings.ToUpper(g.Relation[:1])+g.Relation[1:], len(g.Items))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, l := range g.Items {
			note := ""
			if l.Note != "" {
				note = "\t" + shorten(l.Note, 100)
			}
			fmt.Fprintf(tw, "  %s\t%s%s\n", l.ID, l.Name, note)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// kindLabel is a kind as text output reads it: "case study", "technique".
func kindLabel[K ~string](k K) string {
	return strings.ReplaceAll(strings.ToLower(string(k)), "_", " ")
}

func shorten(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}

// wrap breaks text into lines of at most width characters at spaces,
// keeping paragraph breaks.
func wrap(text string, width int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && len([]rune(line))+1+len([]rune(word)) > width {
				out = append(out, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		out = append(out, line)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

func (c *cli) searchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "search TEXT",
		Short:   "Full-text search over names and descriptions",
		GroupID: "ask",
		Long: `Search finds the tactics, techniques, mitigations, case studies and actors of a release whose
name or description holds every word of TEXT. A word ending in * matches words starting with it, a
word starting with - excludes, and "quoted words" are a phrase.`,
		Example: "  atlasgraph search \"prompt injection\"\n  atlasgraph search poison* --limit 5 --json\n  atlasgraph search \"input filtering\" --atlas embedded",
		Args:    cobra.MinimumNArgs(1),
	}
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return usageError{msg: "search needs the TEXT to look for", cmd: cmd.CommandPath()}
		}
		return nil
	}
	cfg := c.neo4jFlags(cmd)
	release := cmd.Flags().String("release", "", "release to search (default: the current release)")
	limit := cmd.Flags().Int("limit", 20, fmt.Sprintf("most results, 1 to %d", app.MaxSearchResults))
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	atlasFile := cmd.Flags().String("atlas", "", "search this ATLAS release file instead of Neo4j ("+app.EmbeddedRelease+": the one built in; ATT&CK groups are then not searched)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if *limit < 1 || *limit > app.MaxSearchResults {
			return usageError{msg: fmt.Sprintf("--limit %d: ask for 1 to %d results", *limit, app.MaxSearchResults), cmd: cmd.CommandPath()}
		}
		var svc *app.Service
		var err error
		done := func() {}
		if *atlasFile != "" {
			svc, err = app.OpenFile(cmd.Context(), *atlasFile)
		} else {
			svc, done, err = openService(cmd.Context(), cfg)
		}
		if err != nil {
			return err
		}
		defer done()
		res, err := svc.Search(cmd.Context(), *release, strings.Join(args, " "), *limit)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(c.stdout, res)
		}
		if len(res.Hits) == 0 {
			fmt.Fprintf(c.stdout, "nothing in release %s matches %q\n", res.Release, res.Text)
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tID\tNAME\tEFFECT")
		for _, h := range res.Hits {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", kindLabel(h.Kind), h.ID, h.Name, h.Effect)
		}
		return tw.Flush()
	}
	return cmd
}
