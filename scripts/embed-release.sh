#!/usr/bin/env bash
# Replaces the ATLAS release embedded in the binary (loader/embedded/) with a
# newer one: the offline default of `atlasgraph load --release embedded`.
#
# Usage: scripts/embed-release.sh FILE      (or: make embed-release FILE=...)
#
# FILE is an upstream release as published, e.g. ATLAS-2026.06.yaml from
# atlas-data's dist/v6/; its name is kept, since it carries the version. The
# file is checked with `atlasgraph check` first; nothing changes if it fails.
# Then the old copy is removed, FILE is gzip-compressed (-9 -n: the same
# input gives the same bytes) and its sha256 recorded beside it. Commit
# loader/embedded/ afterwards. The package test compares the embedded copy
# with the file of the same name under ../shared/data/atlas/v6, so add the
# release there too.
set -euo pipefail

die() {
	printf 'embed-release.sh: error: %s\n' "$*" >&2
	exit 1
}

[[ $# -eq 1 ]] || die "give one release file, e.g. scripts/embed-release.sh ATLAS-2026.06.yaml"
file=$1
[[ -f $file ]] || die "$file: no such file"
name=$(basename "$file")
[[ $name =~ ^ATLAS-[0-9][0-9A-Za-z.-]*\.yaml$ ]] || die "$name: the file name must be upstream's, ATLAS-VERSION.yaml (the version is read from it)"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir=loader/embedded
file=$(cd "$(dirname "$1")" && pwd)/$name

go run ./cmd/atlasgraph check "$file" >&2 || die "$file is not a valid ATLAS release (see above); the embedded copy is unchanged"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gzip -9 -n -c "$file" >"$tmp/$name.gz"
(cd "$(dirname "$file")" && sha256sum "$name") >"$tmp/$name.sha256"

rm -f "$dir"/*.yaml.gz "$dir"/*.sha256
mv "$tmp/$name.gz" "$tmp/$name.sha256" "$dir/"
printf 'embed-release.sh: embedded %s (%s bytes compressed, sha256 %s)\n' \
	"$name" "$(wc -c <"$dir/$name.gz")" "$(cut -d' ' -f1 "$dir/$name.sha256")" >&2
printf 'embed-release.sh: now run: go test ./loader/embedded && git add %s\n' "$dir" >&2
