// Command synth writes a synthetic ATLAS release in the v6 layout, shaped
// like ATLAS 2026.05 and scale times its size, for benchmarks:
//
//	go run ./bench/synth -scale 10 -seed 1 -o /tmp/atlas-x10.yaml
//
// See package internal/synth for what the release holds.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/atlasgraph/atlasgraph/internal/synth"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "synth:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("synth", flag.ContinueOnError)
	fs.SetOutput(stderr)
	scale := fs.Int("scale", 10, "size as a multiple of ATLAS 2026.05")
	seed := fs.Uint64("seed", 1, "random seed; equal seeds give equal files")
	out := fs.String("o", "", "output file (default: standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q; use -o FILE", fs.Arg(0))
	}
	w := stdout
	var f *os.File
	if *out != "" {
		var err error
		if f, err = os.Create(*out); err != nil {
			return err
		}
		w = f
	}
	c, err := synth.Write(w, synth.Options{Scale: *scale, Seed: *seed})
	if f != nil {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return err
	}
	if *out != "" {
		fmt.Fprintf(stderr, "%s: ATLAS %s: %d tactics, %d techniques (%d sub-techniques), %d mitigations (%d links), %d case studies (%d branching), %d steps, %d actors\n",
			*out, synth.Version(*scale), c.Tactics, c.Techniques, c.SubTechniques, c.Mitigations, c.Mitigates, c.CaseStudies, c.BranchingCaseStudies, c.Steps, c.Actors)
	}
	return nil
}
