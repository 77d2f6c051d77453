// nginx (Debian's, the real binary) in front of a small app, with auth_request to a real
// Gavel server: the exact configuration docs/gateways.md shows (nginx.conf.template). The one
// nginx suite: skipped with its reason when nginx is not installed, required when CI is set.

import { describeGateway } from "./gateway-assertions.ts";
import { startNginx } from "./nginx.ts";

describeGateway({
	title: "nginx auth_request",
	binary: "nginx",
	installHint: "apt-get install nginx-light; .ci/run does",
	suite: "test/gateways/nginx.test.ts",
	start: startNginx,
});
