// Caddy (Debian's, the real binary) in front of a small app, with forward_auth to a real
// Gavel server: the exact Caddyfile docs/gateways.md shows (Caddyfile.template). Skipped with
// its reason when caddy is not installed, required when CI is set.

import { startCaddy } from "./caddy.ts";
import { describeGateway } from "./gateway-assertions.ts";

describeGateway({
	title: "Caddy forward_auth",
	binary: "caddy",
	installHint: "apt-get install caddy; .ci/run does",
	suite: "test/gateways/caddy.test.ts",
	start: startCaddy,
});
