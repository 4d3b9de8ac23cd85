package main

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/atlasgraph/atlasgraph/navigator"
)

// navFlags are --navigator and --navigator-data: which Navigator a layer is written for.
type navFlags struct{ target, data *string }

func navigatorFlags(cmd *cobra.Command) navFlags {
	return navFlags{
		target: cmd.Flags().String("navigator", "atlas", "the Navigator the layer is for: atlas (MITRE's ATLAS Navigator, layer format 4.3) or attack (the ATT&CK Navigator 5 loading the ATLAS STIX bundle)"),
		data:   cmd.Flags().String("navigator-data", "", "with --navigator attack: the URL of the ATLAS STIX bundle the Navigator loads (default: the one MITRE published for the release)"),
	}
}

func (f navFlags) output() (navigator.Output, error) {
	t, err := navigator.ParseTarget(*f.target)
	if err != nil {
		return navigator.Output{}, err
	}
	if *f.data != "" {
		u, err := url.Parse(*f.data)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return navigator.Output{}, fmt.Errorf("--navigator-data %q: give an http(s) URL the Navigator can fetch", *f.data)
		}
		if t != navigator.ATTACKNavigator {
			return navigator.Output{}, errors.New("--navigator-data is for --navigator attack")
		}
	}
	return navigator.Output{Target: t, DataURL: *f.data}, nil
}
