#!/usr/bin/env bash
# Makes sure Debian's chromium (the browser the web UI tests drive through
# chromedp) is installed, installing it with apt-get when it is missing,
# then prints its path and version on stdout.
#
# Usage: scripts/chromium.sh
#
# Needs root or password-less sudo to install. Set ATLASGRAPH_CHROMIUM to
# use another Chromium-based browser (the tests honour it too).
set -euo pipefail

find_browser() {
	local name
	for name in "${ATLASGRAPH_CHROMIUM:-}" chromium chromium-browser; do
		[[ -n $name ]] && command -v "$name" && return 0
	done
	return 1
}

if ! path=$(find_browser); then
	printf 'chromium.sh: chromium is missing; installing Debian'\''s chromium package...\n' >&2
	sudo=""
	if [[ $(id -u) -ne 0 ]]; then
		command -v sudo >/dev/null || { printf 'chromium.sh: error: not root and no sudo; install chromium yourself (apt-get install chromium)\n' >&2; exit 1; }
		sudo="sudo -n"
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq >&2
	$sudo apt-get install -y -qq --no-install-recommends chromium >&2
	path=$(find_browser) || { printf 'chromium.sh: error: chromium is still missing after apt-get install\n' >&2; exit 1; }
fi
printf '%s: %s\n' "$path" "$("$path" --version 2>/dev/null || echo 'version unknown')"
