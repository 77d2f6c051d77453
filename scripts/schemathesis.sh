#!/usr/bin/env bash
# Fuzz the live HTTP API against its own OpenAPI document with schemathesis (a fuzzer nobody
# here wrote): a real `gavel serve --dev` on loopback with the example policies, a dev token
# for the routes that need one, bounded examples per operation. Fails on any server error or
# any response that breaks /openapi.json. The venv lives in ~/.cache/gavel (PyPI, once).
#   bash scripts/schemathesis.sh [extra schemathesis args]
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${GAVEL_SCHEMATHESIS_VENV:-$HOME/.cache/gavel/schemathesis-venv}"
if [ ! -x "$venv/bin/schemathesis" ]; then
	python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check schemathesis
fi
"$venv/bin/schemathesis" --version

state=$(mktemp -d)
log="$state/serve.log"
server_pid=""
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
	rm -rf "$state"
}
trap cleanup EXIT

# The decision log would fill the terminal with one line per generated request.
GAVEL_STATE_DIR="$state" GAVEL_DECISION_LOG=false \
	node bin/gavel.js serve --dev --bundle policies --host 127.0.0.1 --port 0 2>"$log" &
server_pid=$!
url=""
for _ in $(seq 1 300); do
	url=$(sed -n 's/.*serving on \(http:\/\/127\.0\.0\.1:[0-9]*\).*/\1/p;T;q' "$log")
	[ -n "$url" ] && break
	kill -0 "$server_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
	sleep 0.1
done
[ -n "$url" ] || { echo "gavel serve did not start:" >&2; cat "$log" >&2; exit 1; }
echo "fuzzing $url"
token=$(node bin/gavel.js token --sub alice --role admin --state-dir "$state")

# The checks (no 5xx; status, content type and body as documented) are in schemathesis.toml.
"$venv/bin/schemathesis" --config-file "${GAVEL_SCHEMATHESIS_CONFIG:-scripts/schemathesis.toml}" run "$url/openapi.json" \
	--header "Authorization: Bearer $token" \
	--max-examples "${GAVEL_SCHEMATHESIS_EXAMPLES:-25}" \
	--seed "${GAVEL_SCHEMATHESIS_SEED:-20261202}" \
	--workers 2 \
	--generation-database none \
	--request-timeout 10 \
	"$@" |
	# Schemathesis closes with a pytest-style banner ("=== 2 warnings in 13.2s ==="), which log
	# readers take for a pytest run that executed no test. Its counts stay; the banner goes.
	sed -u -E 's/^=+ (.*[^=]) =+$/schemathesis: \1/'

