// Gavel on Cloudflare Workers: the same app as src/node.ts, with the bundle built in.
// `npm run edge:bundle` writes .edge/policy.wasm, .edge/policy.js (which imports it),
// .edge/runtime.js (Gavel's runtime for an OPA-built module, else nothing) and
// .edge/bundle.json from a bundle; wrangler.toml aliases the names below to them.
// See docs/edge.md.

import bundle from "gavel-edge/bundle.json";
import policy from "gavel-edge/policy";
import runtime from "gavel-edge/runtime";
import { edgeWorker } from "./edge/edge-gavel.ts";

export default edgeWorker({ policy, runtime, manifest: bundle.manifest, data: bundle.data });
