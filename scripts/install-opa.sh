#!/usr/bin/env bash
# Builds OPA v1.22.3 (the test oracle and a performance peer) with `go install` from the Go
# module proxy into a cache folder outside the clone, so a fresh clone reuses it. Does nothing
# when the binary there already reports this version. Only the binary is used by the project.
set -euo pipefail

version=1.22.3
dir="${GAVEL_OPA_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gavel/opa-$version}"
bin="$dir/opa"

# The version text is read whole before it is matched: `grep -q` or `head` on a pipe would
# close it early, and under pipefail the SIGPIPE that the binary then gets fails the script.
installed_version() { [ -x "$bin" ] && "$bin" version 2>/dev/null || true; }

if grep -q "^Version: $version\$" <<<"$(installed_version)"; then
	echo "opa $version: $bin (cached)"
	exit 0
fi

if ! command -v go >/dev/null; then
	echo "install-opa: go is not on PATH; OPA $version cannot be built here" >&2
	exit 1
fi

mkdir -p "$dir"
started=$SECONDS
echo "install-opa: go install github.com/open-policy-agent/opa@v$version (first build takes a few minutes)"
GOBIN="$dir" CGO_ENABLED=0 GOFLAGS=-mod=mod go install "github.com/open-policy-agent/opa@v$version"
built=$("$bin" version)
echo "${built%%$'\n'*}"
echo "opa $version: $bin (built in $((SECONDS - started)) s)"
