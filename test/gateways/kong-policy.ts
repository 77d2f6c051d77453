// The policy docs/gateways.md shows for Kong: a boolean rule and a detailed one, both reading
// Kong's input (input.request.http).

export const KONG_POLICY = `package kong
import rego.v1

default allow := false

allow if input.request.http.headers["x-team"] == "payments"

default decision := {
	"allow": false,
	"status": 418,
	"headers": {"x-gavel-reason": "team"},
	"message": "only the payments team may call /payments",
}

decision := {"allow": true, "headers": {"x-gavel-team": "payments"}} if allow

# No default and never true for these inputs: the Data API answers without a result.
unfinished if input.request.http.method == "BREW"
`;
