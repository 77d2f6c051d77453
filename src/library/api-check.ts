// Compile-time proof that the library (index.ts) and its published declarations (gavel.d.ts)
// agree: each side must be assignable to the other, so an export added, removed or retyped on
// one side alone fails `tsc --noEmit`. Nothing here runs.

import type * as Published from "./gavel.d.ts";
import type * as Implemented from "./index.ts";

type Exports<T> = { [K in keyof T]: T[K] };
type Same<A, B> = [Exports<A>] extends [Exports<B>]
	? [Exports<B>] extends [Exports<A>]
		? true
		: "gavel.d.ts declares an export that index.ts lacks or types otherwise"
	: "index.ts has an export that gavel.d.ts lacks or types otherwise";

export const libraryMatchesDeclarations: Same<typeof Published, typeof Implemented> = true;
