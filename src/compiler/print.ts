// A readable text form of the IR, for `gavel build --ir` and golden tests.

import type { Block, Const, Operand, Policy, Stmt } from "./ir.ts";

function constText(c: Const): string {
	switch (c.type) {
		case "null":
			return "null";
		case "boolean":
			return String(c.value);
		case "number":
			return c.text;
		case "string":
			return JSON.stringify(c.value);
	}
}

export function printIr(policy: Policy): string {
	const op = (o: Operand): string =>
		"local" in o ? `%${o.local}` : constText(policy.consts[o.const]);
	const lines: string[] = [];
	const stmt = (s: Stmt, ind: string): void => {
		const out = (t: string): void => {
			lines.push(ind + t);
		};
		switch (s.op) {
			case "assign":
				out(`%${s.target} = ${op(s.source)}`);
				return;
			case "assignOnce":
				out(`%${s.target} = once ${op(s.source)}`);
				return;
			case "isDefined":
				out(`defined %${s.source}`);
				return;
			case "isUndefined":
				out(`undefined %${s.source}`);
				return;
			case "dot":
				out(`%${s.target} = ${op(s.source)}[${op(s.key)}]`);
				return;
			case "equal":
				out(`${op(s.a)} == ${op(s.b)}`);
				return;
			case "notEqual":
				out(`${op(s.a)} != ${op(s.b)}`);
				return;
			case "notFalse":
				out(`not false ${op(s.source)}`);
				return;
			case "isType":
				out(`is ${s.typeName} ${op(s.source)}`);
				return;
			case "scan":
				out(`scan ${op(s.source)} as %${s.key}, %${s.value}`);
				block(s.block, `${ind}  `);
				return;
			case "not":
				out("not");
				block(s.block, `${ind}  `);
				return;
			case "blocks":
				out("blocks");
				for (const b of s.blocks) {
					lines.push(`${ind}  block`);
					block(b, `${ind}    `);
				}
				return;
			case "break":
				out(`break ${s.levels}`);
				return;
			case "call":
				out(`%${s.target} = call ${s.func}(${s.args.map(op).join(", ")})`);
				return;
			case "makeNull":
				out(`%${s.target} = null`);
				return;
			case "makeArray":
				out(`%${s.target} = []`);
				return;
			case "makeObject":
				out(`%${s.target} = {}`);
				return;
			case "makeSet":
				out(`%${s.target} = set()`);
				return;
			case "arrayAppend":
				out(`append %${s.array} ${op(s.value)}`);
				return;
			case "objectInsert":
				out(`%${s.object}[${op(s.key)}] = ${op(s.value)}`);
				return;
			case "objectInsertOnce":
				out(`%${s.object}[${op(s.key)}] = once ${op(s.value)}`);
				return;
			case "objectMerge":
				out(`%${s.object}[${op(s.key)}] = merge ${op(s.value)}`);
				return;
			case "setAdd":
				out(`add %${s.set} ${op(s.value)}`);
				return;
			case "resultSetAdd":
				out(`result %${s.value}`);
				return;
			case "memoScope":
				out("memo scope");
				block(s.block, `${ind}  `);
				return;
			case "upsert":
				out(`%${s.target} = ${op(s.source)} with [${s.path.map(op).join(", ")}] = ${op(s.value)}`);
				return;
			case "abort":
				out(`abort ${s.code}: ${JSON.stringify(s.message)}`);
				return;
		}
	};
	const block = (b: Block, ind: string): void => {
		for (const s of b.stmts) stmt(s, ind);
	};
	const blocks = (bs: Block[]): void => {
		for (const b of bs) {
			lines.push("  block");
			block(b, "    ");
		}
	};
	for (const p of policy.plans) {
		lines.push(`plan ${p.name}`);
		blocks(p.blocks);
	}
	const preload = new Set(policy.preload ?? []);
	for (const f of policy.funcs) {
		const params = Array.from({ length: f.arity }, (_, i) => `%${i + 2}`).join(", ");
		const mark = f.memo ? " memo" : preload.has(f.name) ? " preload" : "";
		lines.push(`func ${f.name}(${params})${mark} -> %${f.result}`);
		blocks(f.blocks);
	}
	if (policy.builtins.length > 0) {
		lines.push(`builtins ${policy.builtins.map((b) => `${b.name}/${b.arity}`).join(" ")}`);
	}
	return `${lines.join("\n")}\n`;
}
