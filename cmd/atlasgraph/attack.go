package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/actors"
	"github.com/atlasgraph/atlasgraph/attack"
	"github.com/atlasgraph/atlasgraph/internal/config"
	"github.com/atlasgraph/atlasgraph/store"
)

// attackFlags are the load command's ATT&CK flags.
type attackFlags struct {
	source, upstream string
}

func addAttackFlags(cmd *cobra.Command) *attackFlags {
	f := &attackFlags{}
	cmd.Flags().StringVar(&f.source, "attack", "", "also load ATT&CK Enterprise: a STIX 2.1 bundle file, an https URL, or a version such as 18.1 (from mitre-attack/attack-stix-data)")
	cmd.Flags().StringVar(&f.upstream, "attack-upstream", "", "where ATT&CK versions are downloaded from (default "+attack.DefaultUpstream+")")
	return f
}

// parseAttack reads and checks the ATT&CK bundle before anything is written.
func (f *attackFlags) parse(ctx context.Context, timeout time.Duration) (*attack.Bundle, error) {
	return attack.Open(ctx, f.source, f.upstream, &http.Client{Timeout: timeout})
}

// storeAttack writes a parsed ATT&CK bundle and prints one summary line.
func (c *cli) storeAttack(ctx context.Context, st *store.Store, b *attack.Bundle, replace, quiet bool) error {
	res, err := st.LoadAttack(ctx, b, store.LoadOptions{Current: store.CurrentAlways, Replace: replace})
	if err != nil {
		return err
	}
	if !quiet {
		state := "loaded"
		if res.Unchanged {
			state = "already loaded, unchanged"
		}
		s := b.Stats
		fmt.Fprintf(c.stdout, "ATT&CK Enterprise %s %s: %d groups, %d techniques, %d group uses; left out %d revoked and %d deprecated objects and %d relationships; %d ATLAS techniques linked; in %s; current\n",
			b.Version, state, len(b.Groups), len(b.Techniques), len(b.Uses), s.RevokedObjects, s.DeprecatedObjects, s.RelationshipsLeftOut,
			res.Links, res.Duration.Round(time.Millisecond))
	}
	return nil
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
		Long: `Layer prints an ATLAS Navigator layer (layer format 4.5, domain atlas-atlas) as JSON:
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
		l, err := actors.New(svc.Reader()).Layer(cmd.Context(), actors.LayerRequest{Release: *release, AttackVersion: *attackVersion,
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

// loadAttackAlone is `atlasgraph load --attack X` without an ATLAS release.
func (c *cli) loadAttackAlone(ctx context.Context, cfg *config.Neo4j, af *attackFlags, timeout time.Duration, replace, quiet bool) error {
	b, err := af.parse(ctx, timeout)
	if err != nil {
		return err
	}
	svc, done, err := openService(ctx, cfg)
	if err != nil {
		return err
	}
	defer done()
	return c.storeAttack(ctx, svc.Store(), b, replace, quiet)
}
