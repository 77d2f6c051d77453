#!/usr/bin/env bash
# Builds oras v1.3.6 (the OCI registry client the OCI bundle tests push with) with `go install`
# from the Go module proxy into a cache folder outside the clone, as install-opa.sh does for
# OPA. Does nothing when the binary there already reports this version.
set -euo pipefail

version=1.3.6
dir="${GAVEL_ORAS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gavel/oras-$version}"
bin="$dir/oras"

# The version text is read whole before it is matched: `grep -q` or `head` on a pipe would
# close it early, and under pipefail the SIGPIPE that the binary then gets fails the script.
installed_version() { [ -x "$bin" ] && "$bin" version 2>/dev/null || true; }

if grep -q "^Version: *$version\$" <<<"$(installed_version)"; then
	echo "oras $version: $bin (cached)"
	exit 0
fi

if ! command -v go >/dev/null; then
	echo "install-oras: go is not on PATH; oras $version cannot be built here" >&2
	exit 1
fi

mkdir -p "$dir"
started=$SECONDS
echo "install-oras: go install oras.land/oras/cmd/oras@v$version"
# Built from a neutral folder: go install must not read the clone's (absent) go.mod.
(cd "$dir" && GOBIN="$dir" CGO_ENABLED=0 GOFLAGS=-mod=mod go install "oras.land/oras/cmd/oras@v$version")
built=$("$bin" version)
echo "${built%%$'\n'*}"
echo "oras $version: $bin (built in $((SECONDS - started)) s)"
