// A module built by `opa build -t wasm` imports from the host every builtin OPA's Wasm
// compiler does not implement itself. Gavel's host must answer each one (or it is a builtin
// Gavel refuses by design): here OPA builds a module that calls every builtin of its
// capabilities, and the names its builtins() declares are checked against Gavel's host, the
// SDK's table and the catalogue's refusals; then OPA-built modules calling the builtins Gavel
// answers through its native runtime are evaluated by Gavel's engine and compared with
// `opa eval`. Skipped outside CI when OPA is not installed.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { allBuiltins } from "../../src/compiler/builtins.ts";
import { BRIDGED_BUILTINS } from "../../src/engine/builtins/native-bridge.ts";
import { createHostBuiltins } from "../../src/engine/host-builtins.ts";
import { loadActivePolicy, policyBundleFromArchive } from "../../src/engine/index.ts";
import { NATIVE_BUILTINS } from "../../src/wasm/index.ts";
import { opaRequirement } from "../opa.ts";

// Answered by the SDK from its own table before the host is asked.
const SDK_TABLE = new Set([
	"json.is_valid",
	"sprintf",
	"regex.split",
	"yaml.is_valid",
	"yaml.marshal",
	"yaml.unmarshal",
]);

interface Capabilities {
	builtins: { name: string; decl: { args?: unknown[]; variadic?: unknown } }[];
}

// Operators and the names OPA's compiler handles itself are not calls in a module.
const NOT_CALLS = new Set([
	"eq",
	"assign",
	"print",
	"walk",
	"internal.print",
	"internal.template_string",
	"internal.test_case",
]);

function opaBuildWasm(opa: string, rego: string): Uint8Array {
	const dir = mkdtempSync(join(tmpdir(), "gavel-opa-wasm-"));
	try {
		writeFileSync(join(dir, "p.rego"), rego);
		const out = join(dir, "b.tar.gz");
		execFileSync(opa, ["build", "--v0-compatible", "-t", "wasm", "-e", "t", "-o", out, "p.rego"], {
			cwd: dir,
			stdio: "pipe",
		});
		return readFileSync(out);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

interface WasmApi {
	Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
	Module: new (bytes: Uint8Array) => object;
	Instance: new (m: object, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The names a module's builtins() export declares. */
function declaredBuiltins(wasm: Uint8Array): string[] {
	const memory = new WA.Memory({ initial: 8 });
	const nop = () => 0;
	const instance = new WA.Instance(new WA.Module(wasm), {
		env: {
			memory,
			opa_abort: nop,
			opa_println: nop,
			opa_builtin0: nop,
			opa_builtin1: nop,
			opa_builtin2: nop,
			opa_builtin3: nop,
			opa_builtin4: nop,
		},
	});
	const e = instance.exports as {
		builtins(): number;
		opa_json_dump(v: number): number;
	};
	const addr = e.opa_json_dump(e.builtins());
	const mem = new Uint8Array(memory.buffer);
	let end = addr;
	while (mem[end] !== 0) end++;
	return Object.keys(JSON.parse(new TextDecoder().decode(mem.subarray(addr, end)))).sort();
}

async function wasmOf(bundle: Uint8Array): Promise<Uint8Array> {
	return (await policyBundleFromArchive(bundle)).wasm;
}

// Calls Gavel answers through its runtime for an OPA-built module. Literal sets reach the host
// as JSON arrays (the SDK's ABI), which these builtins treat alike.
const ROWS: string[] = [
	"numbers.range_step(1, 10, 3)",
	"numbers.range_step(10, 1, 4)",
	'strings.any_suffix_match("abc.example.com", [".org", ".com"])',
	'strings.any_suffix_match({"a.com", "b.net"}, "net")',
	'strings.any_prefix_match(["abc", "xyz"], "xy")',
	'object.subset({"a": 1, "b": {"c": 2, "d": 3}}, {"b": {"c": 2}})',
	'object.subset({"a": 1}, {"a": 2})',
	"object.subset([1, 2, 3, 4], [2, 3])",
	"object.subset([1, 2, 3, 4], [3, 2])",
	'units.parse("10K")',
	'units.parse("1.5Mi")',
	'units.parse_bytes("1KiB")',
	'net.cidr_merge(["192.0.2.0/25", "192.0.2.128/25", "10.0.0.1"])',
	'net.cidr_expand("10.0.0.0/30")',
	'net.cidr_is_valid("10.0.0.0/33")',
	'net.cidr_contains_matches(["10.0.0.0/8", "192.168.0.0/16"], "10.1.2.3")',
	'semver.compare("1.2.3", "1.10.0")',
	'semver.is_valid("1.2.3-rc.1")',
	'hex.encode("gavel")',
	'hex.decode("6761")',
	'base64url.encode_no_pad("hi?")',
	'urlquery.encode("a b&c")',
	'urlquery.decode("a%20b")',
	'urlquery.encode_object({"a": "1", "b": ["x", "y"]})',
	'urlquery.decode_object("a=1&b=x&b=y")',
	'json.patch({"a": {"b": 1}}, [{"op": "add", "path": "/a/c", "value": 2}, {"op": "remove", "path": "/a/b"}])',
	'json.marshal_with_options({"b": 1, "a": [1]}, {"pretty": true, "indent": "  "})',
	'strings.count("banana", "an")',
	'indexof_n("banana", "an")',
	'strings.split_n("a,b,c", ",", 2)',
	'glob.quote_meta("*.example.com")',
	'graph.reachable_paths({"a": ["b"], "b": ["c"], "c": []}, ["a"])',
	'trace("hello")',
	"numbers.range_step(1, 10, 0)",
	'units.parse("10Q")',
];

describe("builtins an OPA-built Wasm module imports", () => {
	it("every bridged builtin is native in Gavel's runtime", () => {
		expect(BRIDGED_BUILTINS.filter((n) => !NATIVE_BUILTINS.has(n))).toEqual([]);
	});

	const { opa, missing } = opaRequirement("OPA-built Wasm imports");
	it.skipIf(missing === "skip")(
		"Gavel's host answers every builtin OPA's Wasm may import (or refuses it by design)",
		async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const caps = JSON.parse(
				readFileSync(new URL("../../src/compiler/opa-capabilities.json", import.meta.url), "utf8"),
			) as Capabilities;
			const lines = ["package t", ""];
			let i = 0;
			for (const b of caps.builtins) {
				if (NOT_CALLS.has(b.name) || allBuiltins().find((x) => x.name === b.name)?.operator)
					continue;
				const n = b.decl.variadic ? 1 : (b.decl.args?.length ?? 0);
				const args = Array.from({ length: n }, (_, j) => `input.a${j}`).join(", ");
				lines.push(`r${i++} := ${b.name}(${args})`);
			}
			const declared = declaredBuiltins(await wasmOf(opaBuildWasm(opa, `${lines.join("\n")}\n`)));
			expect(declared.length).toBeGreaterThan(50);
			const host = createHostBuiltins();
			const refused = new Map(
				allBuiltins()
					.filter((b) => b.impl === "refused")
					.map((b) => [b.name, b.note] as const),
			);
			const unanswered = declared.filter(
				(n) => !(n in host.raw) && !SDK_TABLE.has(n) && !refused.has(n),
			);
			expect(unanswered).toEqual([]);
		},
		120_000,
	);

	it.skipIf(missing === "skip")(
		`${ROWS.length} calls in an OPA-built module: Gavel's engine answers as opa eval`,
		async () => {
			if (!opa) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const rego = `package t\n\n${ROWS.map((r, i) => `r${i} := ${r}`).join("\n")}\n`;
			const archive = opaBuildWasm(opa, rego);
			const bundle = await policyBundleFromArchive(archive);
			const declared = new Set(declaredBuiltins(bundle.wasm));
			// The rows are host calls in OPA's module, not folded away or compiled natively.
			const bridged = ROWS.map((r) => r.slice(0, r.indexOf("("))).filter((n) => declared.has(n));
			expect(bridged.length).toBe(ROWS.length);
			const dir = mkdtempSync(join(tmpdir(), "gavel-opa-eval-"));
			let want: unknown;
			try {
				writeFileSync(join(dir, "p.rego"), rego);
				const out = execFileSync(opa, ["eval", "--format", "json", "-d", "p.rego", "data.t"], {
					cwd: dir,
					encoding: "utf8",
				});
				want = JSON.parse(out).result[0].expressions[0].value;
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
			const active = await loadActivePolicy(bundle);
			const got = active.evaluate("t", {});
			expect(got).toEqual(want);
		},
		120_000,
	);
});
