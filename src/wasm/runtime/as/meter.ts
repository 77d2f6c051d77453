// The evaluation budget. Emitted code decrements gavel_fuel on every scan iteration and every
// function call; the allocator and the heavy builtins charge by size. Past the budget the
// evaluation aborts with OPA's eval_cancel_error, so no policy can hold the host's one thread.
// Outside an evaluation (the host loading data) nothing is metered.

import { bufAscii, bufFinish, bufI64, bufNew } from "./buffer";
import { opa_abort } from "./env";

const UNLIMITED: i32 = 0x7fffffff;

/** Steps one evaluation may take; 0 means unlimited. The host may set it before each call. */
export let gavel_budget: i32 = 20_000_000;
/** Steps left in this evaluation (emitted code reads and writes it directly). */
export let gavel_fuel: i32 = 0x7fffffff;
let metering = false;

export function meterStart(): void {
	metering = true;
	gavel_fuel = gavel_budget > 0 ? gavel_budget : UNLIMITED;
}

export function meterStop(): void {
	metering = false;
	gavel_fuel = UNLIMITED;
}

/** Charge a few steps (the allocator's per-call charge). */
export function tick(units: i32): void {
	gavel_fuel -= units;
	if (gavel_fuel < 0) rt_out_of_fuel();
}

/** Charge `units` steps at once (work proportional to a size). */
export function charge(units: i64): void {
	if (units < <i64>gavel_fuel) {
		gavel_fuel -= <i32>units;
		return;
	}
	gavel_fuel = -1;
	rt_out_of_fuel();
}

/** Called when gavel_fuel went below zero: abort when metering, else refill. */
export function rt_out_of_fuel(): void {
	if (!metering || gavel_budget <= 0) {
		gavel_fuel = UNLIMITED;
		return;
	}
	// Building the message allocates, which charges again: stop metering first.
	meterStop();
	const w = bufNew(96);
	bufAscii(w, "eval_cancel_error: evaluation exceeded its budget of ");
	bufI64(w, gavel_budget);
	bufAscii(w, " steps");
	opa_abort(bufFinish(w));
}
