// Runs one Rego module through Gavel (compiler → Wasm → official SDK with Gavel's host
// builtins) and through OPA's binary, with strict built-in errors, so a test can compare the
// two answers on the same call.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateWasm } from "../../src/cli/query.ts";
import { compile } from "../../src/compiler/index.ts";
import { parseModule } from "../../src/rego/index.ts";
import { emitWasm } from "../../src/wasm/index.ts";

/** A value, or an error's code and message (without OPA's location prefix). */
export type Answer = { value: unknown } | { undefined: true } | { error: string; code: string };

const stripLoc = (m: string) => m.replace(/^[^:]*:\d+: (eval_[a-z_]+: )?/, "");

export async function gavelAnswer(rego: string, input?: unknown): Promise<Answer> {
	const { module, errors } = parseModule(rego, "t.rego");
	if (!module || errors.length > 0) throw new Error(`parse: ${JSON.stringify(errors)}`);
	const { policy, errors: cerr } = compile({
		modules: [module],
		entrypoints: ["t/p"],
		strictBuiltinErrors: true,
	});
	if (!policy || cerr.length > 0) {
		return { error: cerr.map((e) => e.message).join("\n"), code: cerr[0]?.code ?? "?" };
	}
	try {
		const rs = await evaluateWasm(emitWasm(policy), {}, input, {
			strictBuiltinErrors: true,
			entrypoint: "t/p",
		});
		return rs.length === 0 ? { undefined: true } : { value: rs[0] };
	} catch (e) {
		const err = e as { code?: string; message: string };
		return { error: stripLoc(err.message), code: err.code ?? "?" };
	}
}

export function opaAnswer(opa: string, rego: string, input?: unknown): Answer {
	const dir = mkdtempSync(join(tmpdir(), "gavel-oracle-"));
	try {
		writeFileSync(join(dir, "t.rego"), rego);
		const args = ["eval", "--strict-builtin-errors", "--format", "json", "-d", join(dir, "t.rego")];
		if (input !== undefined) {
			writeFileSync(join(dir, "input.json"), JSON.stringify(input));
			args.push("-i", join(dir, "input.json"));
		}
		let out: string;
		try {
			out = execFileSync(opa, [...args, "data.t.p"], { encoding: "utf8" });
		} catch (e) {
			out = String((e as { stdout?: string }).stdout ?? "");
		}
		const parsed = JSON.parse(out) as {
			result?: { expressions: { value: unknown }[] }[];
			errors?: { message: string; code: string }[];
		};
		if (parsed.errors?.length) {
			return { error: parsed.errors[0].message, code: parsed.errors[0].code };
		}
		const v = parsed.result?.[0]?.expressions[0]?.value;
		return v === undefined ? { undefined: true } : { value: v };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
