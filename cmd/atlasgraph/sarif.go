package main

import (
	"os"

	"github.com/atlasgraph/atlasgraph/codescan"
)

// sarifLocation finds the SARIF source root for file (flag when set) and
// file's URI under it; a file outside the root is an error naming
// --sarif-root.
func sarifLocation(flag, file string) (*codescan.Root, string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, "", err
	}
	root, err := codescan.FindRoot(flag, file, wd)
	if err != nil {
		return nil, "", err
	}
	uri, err := root.URIOf(file)
	if err != nil {
		return nil, "", err
	}
	return root, uri, nil
}
