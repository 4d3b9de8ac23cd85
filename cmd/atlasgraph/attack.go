package main

import (
	"fmt"
	"os"

	"github.com/atlasgraph/atlasgraph/app"
	"github.com/spf13/cobra"
)

// attackFlags are the load command's ATT&CK flags.
type attackFlags struct {
	source, upstream string
}

func addAttackFlags(cmd *cobra.Command) *attackFlags {
	f := &attackFlags{}
	cmd.Flags().StringVar(&f.source, "attack", "", "also load ATT&CK Enterprise: a STIX 2.1 bundle file, an https URL, or a version such as 18.1 (from mitre-attack/attack-stix-data)")
	cmd.Flags().StringVar(&f.upstream, "attack-upstream", "", "where ATT&CK versions are downloaded from (default "+app.DefaultAttackUpstream+")")
	return f
}

func (c *cli) exportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "export",
		Short:   "Export views of the graph as files",
		GroupID: "ask",
		Args:    noArgs,
		RunE:    func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	cmd.AddCommand(c.exportLayerCmd())
	return cmd
}

func (c *cli) exportLayerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "layer (--actor NAME... | --case-study ID | --technique ID...)",
		Short: "Print an ATLAS Navigator layer of actors, a case study or techniques",
		Long: `Layer prints an ATLAS Navigator layer (layer format 4.3, domain atlas-atlas; --navigator attack writes one for the ATT&CK Navigator 5) as JSON:
open it in the ATLAS Navigator (Open Existing Layer, Upload from local).

--actor takes any name of an actor: its ATLAS name, its ATT&CK name or any ATT&CK alias
("Forest Blizzard" is APT28, G0007). With one actor, techniques are coloured by how the link is
known (case study, ATT&CK, both); with several, each actor has its colour and the techniques two
or more share have their own. Each technique's comment gives the evidence.`,
		Example: `  atlasgraph export layer --actor "Forest Blizzard"
  atlasgraph export layer --actor APT28 --actor "Aquatic Panda" --output apt28-aquatic-panda.json
  atlasgraph export layer --case-study AML.CS0044
  atlasgraph export layer --technique AML.T0051 --technique AML.T0054`,
		Args: noArgs,
	}
	cfg := c.neo4jFlags(cmd)
	names := cmd.Flags().StringArray("actor", nil, "an actor's name or alias (repeat for several)")
	caseStudy := cmd.Flags().String("case-study", "", "a case study id")
	techniques := cmd.Flags().StringArray("technique", nil, "a technique id (repeat for several)")
	release := cmd.Flags().String("release", "", "ATLAS release (default: the current release)")
	attackVersion := cmd.Flags().String("attack-version", "", "ATT&CK version (default: the current one)")
	output := cmd.Flags().StringP("output", "o", "", "write the layer to this file instead of standard output")
	nav := navigatorFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		target, err := nav.output()
		if err != nil {
			return usageError{msg: err.Error(), cmd: cmd.CommandPath()}
		}
		n := 0
		for _, set := range []bool{len(*names) > 0, *caseStudy != "", len(*techniques) > 0} {
			if set {
				n++
			}
		}
		if n != 1 {
			return usageError{msg: "give exactly one of --actor, --case-study or --technique", cmd: cmd.CommandPath()}
		}
		svc, done, err := openService(cmd.Context(), cfg)
		if err != nil {
			return err
		}
		defer done()
		l, err := svc.Layer(cmd.Context(), app.LayerRequest{Release: *release, AttackVersion: *attackVersion,
			Actors: *names, CaseStudy: *caseStudy, Techniques: *techniques})
		if err != nil {
			return err
		}
		js, err := l.Layer.JSONFor(target)
		if err != nil {
			return err
		}
		if *output != "" {
			if err := os.WriteFile(*output, js, 0o644); err != nil {
				return fmt.Errorf("write the layer: %w", err)
			}
			return nil
		}
		_, err = c.stdout.Write(js)
		return err
	}
	return cmd
}
