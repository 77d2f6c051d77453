#!/usr/bin/env bash
# Installs Cerbos 0.55.0 (a performance peer for npm run bench:peers, never used by the product)
# from its npm package @cerbos/cerbos-linux-x64 into a cache folder outside the clone, with
# `npm install --prefix`, so `npm ci` never downloads it and a fresh clone reuses it. Does
# nothing when the binary there already reports this version.
set -euo pipefail

version=0.55.0
dir="${GAVEL_CERBOS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/gavel/cerbos-$version}"
bin="$dir/node_modules/@cerbos/cerbos-linux-x64/cerbos-linux-x64"

# Read whole before matching: grep -q closing the pipe early would SIGPIPE the binary (pipefail).
if [ -x "$bin" ] && grep -q "$version" <<<"$("$bin" --version 2>/dev/null || true)"; then
	echo "cerbos $version: $bin (cached)"
	exit 0
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
	echo "install-cerbos: the npm package holds a linux-x64 binary only; this is $(uname -s)-$(uname -m)" >&2
	exit 1
fi

mkdir -p "$dir"
npm install --prefix "$dir" --no-save --no-audit --no-fund "@cerbos/cerbos-linux-x64@$version"
"$bin" --version
echo "cerbos $version: $bin"
