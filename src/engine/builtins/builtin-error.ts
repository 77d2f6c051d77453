// A host builtin failed on its arguments. OPA turns such failures into `undefined` unless
// strict built-in errors are on, so the error carries OPA's code and the builtin's name and
// the adapter in host-builtins.ts decides which of the two it becomes.

export class BuiltinError extends Error {
	constructor(
		readonly builtin: string,
		detail: string,
		/** OPA reports bad operands (wrong type, missing keys) as type errors. */
		readonly code: "eval_builtin_error" | "eval_type_error" = "eval_builtin_error",
	) {
		// OPA prints builtin errors as `<name>: <detail>`.
		super(`${builtin}: ${detail}`);
		this.name = "BuiltinError";
	}
}

export function expectString(builtin: string, value: unknown, pos: number): string {
	if (typeof value !== "string") throw operandError(builtin, pos, value, "string");
	return value;
}

export function expectNumber(builtin: string, value: unknown, pos: number): number {
	if (typeof value !== "number") throw operandError(builtin, pos, value, "number");
	return value;
}

export function expectInteger(builtin: string, value: unknown, pos: number): number {
	const n = expectNumber(builtin, value, pos);
	if (!Number.isInteger(n)) throw new BuiltinError(builtin, `operand ${pos} must be integer`);
	return n;
}

/** A type error in OPA's words (`eval_type_error`), for operands the catalogue cannot check. */
export function typeError(builtin: string, detail: string): BuiltinError {
	return new BuiltinError(builtin, detail, "eval_type_error");
}

/** OPA's wording for a wrong operand type: `operand 1 must be string but got number`. */
export function operandError(
	builtin: string,
	pos: number,
	value: unknown,
	want: string,
): BuiltinError {
	return new BuiltinError(builtin, `operand ${pos} must be ${want} but got ${typeName(value)}`);
}

export function typeName(value: unknown): string {
	if (value === null) return "null";
	if (Array.isArray(value)) return "array";
	switch (typeof value) {
		case "string":
			return "string";
		case "number":
		case "bigint":
			return "number";
		case "boolean":
			return "boolean";
		default:
			return "object";
	}
}
