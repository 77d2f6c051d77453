// Gavel on Cloudflare Workers: the same app as src/node.ts, with the bundle built in.
// `npm run edge:bundle` writes .edge/policy.wasm and .edge/bundle.json from a Gavel bundle;
// wrangler.toml aliases the names below to them. See docs/edge.md.

import bundle from "gavel-edge/bundle.json";
import policy from "../.edge/policy.wasm";
import { edgeWorker } from "./edge/edge-gavel.ts";

export default edgeWorker({ policy, manifest: bundle.manifest, data: bundle.data });
