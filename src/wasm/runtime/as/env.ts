// Host imports. AssemblyScript names an ambient function's import module after its file,
// so this file being `env.ts` gives exactly OPA's `env.*` imports without decorators.

export declare function opa_abort(addr: usize): void;
export declare function opa_println(addr: usize): void;
export declare function opa_builtin0(id: i32, ctx: usize): usize;
export declare function opa_builtin1(id: i32, ctx: usize, a: usize): usize;
export declare function opa_builtin2(id: i32, ctx: usize, a: usize, b: usize): usize;
export declare function opa_builtin3(id: i32, ctx: usize, a: usize, b: usize, c: usize): usize;
export declare function opa_builtin4(
	id: i32,
	ctx: usize,
	a: usize,
	b: usize,
	c: usize,
	d: usize,
): usize;
