package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/mapping"
)

// errMappingFailed makes `validate` exit 1 after printing its report, for CI.
var errMappingFailed = fmt.Errorf("the mapping has errors (listed above)")

func (c *cli) validateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "validate FILE",
		Short:   "Check a mapping file's ATLAS ids and names against every loaded release",
		GroupID: "ask",
		Long: `Validate reads a CSV, JSON or YAML file of rows with an ATLAS id and the name it was
written with (optionally the release it was written against) and checks every row against
every loaded release: unknown ids, names that differ (and the name the id has), retired ids
(and the last release that had them), ids renamed since, and ids that meant another
technique in an earlier release. The exit status is 1 when any finding is an error.
See docs/releases.md.`,
		Example: "  atlasgraph validate controls.csv\n  atlasgraph validate detections.json --sarif > atlas.sarif",
		Args:    exactArgs(1, "a mapping FILE (CSV, JSON or YAML)"),
	}
	cfg := c.neo4jFlags(cmd)
	format := cmd.Flags().String("format", "", "csv, json or yaml (default: from the file name)")
	asJSON := cmd.Flags().Bool("json", false, "print the report as JSON")
	asSARIF := cmd.Flags().Bool("sarif", false, "print the report as SARIF 2.1.0")
	sarifRoot := cmd.Flags().String("sarif-root", "", "with --sarif: the folder SARIF URIs are relative to (default: the repository root holding FILE, else the working directory)")
	cmd.MarkFlagsMutuallyExclusive("json", "sarif")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var sarifOpts mapping.SARIFOptions
		if *asSARIF {
			root, _, err := sarifLocation(*sarifRoot, args[0])
			if err != nil {
				return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
			}
			sarifOpts = mapping.SARIFOptions{Version: versionString(), Root: root}
		}
		rows, err := mapping.ReadFile(args[0], mapping.Format(*format), 64<<20)
		if err != nil {
			return err
		}
		svc, done, err := openService(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer done()
		rels, err := svc.CompleteReleases(cmd.Context())
		if err != nil {
			return err
		}
		if len(rels) == 0 {
			return fmt.Errorf("no release is loaded to check %s against; load one with: atlasgraph load", args[0])
		}
		rep, err := svc.ValidateMapping(cmd.Context(), rows)
		if err != nil {
			return err
		}
		switch {
		case *asJSON:
			err = mapping.WriteJSON(c.stdout, *rep)
		case *asSARIF:
			err = mapping.WriteSARIF(c.stdout, *rep, sarifOpts)
		default:
			err = mapping.WriteText(c.stdout, *rep)
		}
		if err != nil {
			return err
		}
		if rep.Failed() {
			return errMappingFailed
		}
		return nil
	}
	return cmd
}
