// time.* builtins. Rego times are nanoseconds since the Unix epoch (int64). Results are
// bigint so no precision is lost on the way out (host-builtins.ts serialises them exactly);
// arguments arrive through the SDK's JSON.parse, so a nanosecond argument beyond 2^53 is
// already rounded to ~256 ns before we see it — harmless at the second resolution these
// functions work at, and documented.

import {
	BuiltinError,
	expectInteger,
	expectString,
	operandError,
	typeError,
	typeName,
} from "./builtin-error.ts";
import { formatGoLayout, NAMED_LAYOUTS, parseGoLayout, type WallClock } from "./go-time-layout.ts";

const NS_PER_MS = 1_000_000n;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export interface Clock {
	/** Nanoseconds since the epoch, fixed for the whole evaluation as OPA requires. */
	nowNs(): bigint;
}

function toNs(builtin: string, value: unknown, pos: number): bigint {
	if (typeof value === "bigint") return value;
	if (typeof value !== "number") throw operandError(builtin, pos, value, "number");
	if (!Number.isFinite(value)) throw new BuiltinError(builtin, "timestamp too big");
	const ns = BigInt(Math.trunc(value));
	if (ns > INT64_MAX || ns < INT64_MIN) throw new BuiltinError(builtin, "timestamp too big");
	return ns;
}

/** The wall-clock fields of an instant in a time zone ("" and "UTC" are UTC, "Local" the host's). */
interface Fields {
	year: number;
	month: number; // 1..12
	day: number;
	hour: number;
	minute: number;
	second: number;
	weekday: number; // 0 = Sunday
}

function floorDiv(a: bigint, b: bigint): bigint {
	const q = a / b;
	return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function fieldsOf(builtin: string, ns: bigint, tz: string): Fields {
	const ms = Number(floorDiv(ns, NS_PER_MS));
	if (tz === "" || tz === "UTC") {
		const d = new Date(ms);
		if (Number.isNaN(d.getTime())) throw new BuiltinError(builtin, "timestamp too big");
		return {
			year: d.getUTCFullYear(),
			month: d.getUTCMonth() + 1,
			day: d.getUTCDate(),
			hour: d.getUTCHours(),
			minute: d.getUTCMinutes(),
			second: d.getUTCSeconds(),
			weekday: d.getUTCDay(),
		};
	}
	let fmt: Intl.DateTimeFormat;
	try {
		fmt = new Intl.DateTimeFormat("en-US", {
			timeZone: tz === "Local" ? undefined : tz,
			hourCycle: "h23",
			year: "numeric",
			month: "numeric",
			day: "numeric",
			hour: "numeric",
			minute: "numeric",
			second: "numeric",
			weekday: "long",
			era: "short",
		});
	} catch {
		throw new BuiltinError(builtin, `unknown time zone ${tz}`);
	}
	const parts = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
	const year = Number(parts.year);
	return {
		year: parts.era === "BC" ? 1 - year : year,
		month: Number(parts.month),
		day: Number(parts.day),
		hour: Number(parts.hour),
		minute: Number(parts.minute),
		second: Number(parts.second),
		weekday: WEEKDAYS.indexOf(parts.weekday),
	};
}

/** Arguments are `ns` or `[ns, "Zone/Name"]`. */
function instant(builtin: string, x: unknown): Fields {
	if (Array.isArray(x)) {
		if (x.length !== 2) throw new BuiltinError(builtin, "array argument must have two elements");
		return fieldsOf(builtin, toNs(builtin, x[0], 1), expectString(builtin, x[1], 1));
	}
	return fieldsOf(builtin, toNs(builtin, x, 1), "UTC");
}

/** The zone's abbreviation as Go prints it for MST: Intl's short name, or Go's "+04" form. */
function zoneAbbrev(tz: string, ms: number, offsetSec: number): string {
	if (tz === "" || tz === "UTC") return "UTC";
	const name =
		new Intl.DateTimeFormat("en-US", {
			timeZone: tz === "Local" ? undefined : tz,
			timeZoneName: "short",
		})
			.formatToParts(new Date(ms))
			.find((p) => p.type === "timeZoneName")?.value ?? "";
	if (!/^GMT[+-]/.test(name)) return name;
	// IANA zones without a letter abbreviation are named by their offset, which Go prints so.
	const a = Math.abs(offsetSec);
	const hh = String(Math.floor(a / 3600)).padStart(2, "0");
	const mm = Math.floor((a % 3600) / 60);
	return `${offsetSec < 0 ? "-" : "+"}${hh}${mm === 0 ? "" : String(mm).padStart(2, "0")}`;
}

/** Everything time.format prints about an instant in a zone. */
function wallClock(builtin: string, ns: bigint, tz: string): WallClock {
	const f = fieldsOf(builtin, ns, tz);
	const secs = floorDiv(ns, 1_000_000_000n);
	const offsetSec = Number(
		utcNs(f.year, f.month, f.day, f.hour, f.minute, f.second) / 1_000_000_000n - secs,
	);
	const yday =
		Number(utcNs(f.year, f.month, f.day, 0, 0, 0) - utcNs(f.year, 1, 1, 0, 0, 0)) / 86_400e9 + 1;
	return {
		...f,
		yday,
		nanos: Number(ns - secs * 1_000_000_000n),
		offsetSec,
		abbrev: zoneAbbrev(tz, Number(secs) * 1000, offsetSec),
	};
}

function daysIn(year: number, month: number): number {
	return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function utcNs(y: number, mo: number, d: number, h: number, mi: number, s: number): bigint {
	const date = new Date(0);
	date.setUTCFullYear(y, mo - 1, d);
	date.setUTCHours(h, mi, s, 0);
	return BigInt(date.getTime()) * NS_PER_MS;
}

const DURATION_UNITS: Record<string, bigint> = {
	ns: 1n,
	us: 1_000n,
	µs: 1_000n,
	μs: 1_000n,
	ms: 1_000_000n,
	s: 1_000_000_000n,
	m: 60_000_000_000n,
	h: 3_600_000_000_000n,
};

/** Go's time.ParseDuration: "1h30m", "-1.5h", "300ms"; exact to the nanosecond. */
export function parseDurationNs(builtin: string, s: string): bigint {
	const bad = () => new BuiltinError(builtin, `time: invalid duration "${s}"`);
	let rest = s;
	let sign = 1n;
	if (rest.startsWith("-") || rest.startsWith("+")) {
		if (rest[0] === "-") sign = -1n;
		rest = rest.slice(1);
	}
	if (rest === "0") return 0n;
	if (rest === "") throw bad();
	let total = 0n;
	while (rest !== "") {
		const m = /^(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/.exec(rest);
		if (!m || (m[1] === "" && (m[2] ?? "") === "")) {
			if (m === null && /^[\d.]+$/.test(rest)) {
				throw new BuiltinError(builtin, `time: missing unit in duration "${s}"`);
			}
			throw bad();
		}
		const unit = DURATION_UNITS[m[3]];
		const whole = BigInt(m[1] || "0") * unit;
		const fracDigits = m[2] ?? "";
		const frac =
			fracDigits === "" ? 0n : (BigInt(fracDigits) * unit) / 10n ** BigInt(fracDigits.length);
		total += whole + frac;
		rest = rest.slice(m[0].length);
	}
	total *= sign;
	if (total > INT64_MAX || total < INT64_MIN) throw bad();
	return total;
}

/** RFC 3339 with optional fraction (up to 9 digits) and Z or a numeric offset. */
export function parseRfc3339Ns(builtin: string, s: string): bigint {
	const m =
		/^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/.exec(
			s,
		);
	if (!m) {
		throw new BuiltinError(
			builtin,
			`parsing time "${s}" as "2006-01-02T15:04:05Z07:00": cannot parse`,
		);
	}
	const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number);
	if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59) {
		throw new BuiltinError(builtin, `parsing time "${s}": field out of range`);
	}
	let ns = utcNs(y, mo, d, h, mi, sec);
	if (m[7]) ns += BigInt(m[7].padEnd(9, "0"));
	if (m[8] !== "Z" && m[8] !== "z") {
		const off = (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60;
		ns -= BigInt(m[8][0] === "-" ? -off : off) * 1_000_000_000n;
	}
	return ns;
}

export function timeBuiltins(clock: Clock) {
	return {
		"time.now_ns"(): bigint {
			return clock.nowNs();
		},
		"time.parse_rfc3339_ns"(value: unknown): bigint {
			return parseRfc3339Ns(
				"time.parse_rfc3339_ns",
				expectString("time.parse_rfc3339_ns", value, 1),
			);
		},
		"time.parse_ns"(layout: unknown, value: unknown): bigint {
			const l = expectString("time.parse_ns", layout, 1);
			const v = expectString("time.parse_ns", value, 2);
			return parseGoLayout("time.parse_ns", l, v);
		},
		"time.parse_duration_ns"(value: unknown): bigint {
			return parseDurationNs(
				"time.parse_duration_ns",
				expectString("time.parse_duration_ns", value, 1),
			);
		},
		"time.format"(x: unknown): string {
			const name = "time.format";
			const shapeError = () =>
				typeError(
					name,
					`operand 1 must be either number (ns) or [number (ns), string (tz)] but got ${typeName(x)}`,
				);
			const operand = (v: unknown, want: "number" | "string") => {
				if (typeof v === want || (want === "number" && typeof v === "bigint")) return v;
				throw typeError(name, `operand 1 must be ${want} but got ${typeName(v)}`);
			};
			let ns: unknown = x;
			let tz = "UTC";
			let layout = NAMED_LAYOUTS.RFC3339Nano;
			if (Array.isArray(x)) {
				// OPA reads the first three elements and ignores any more.
				if (x.length === 0) throw shapeError();
				ns = operand(x[0], "number");
				if (x.length > 1) tz = operand(x[1], "string") as string;
				if (x.length > 2) {
					const l = operand(x[2], "string") as string;
					layout = NAMED_LAYOUTS[l] ?? l;
				}
			} else if (typeof x !== "number" && typeof x !== "bigint") {
				throw shapeError();
			}
			return formatGoLayout(layout, wallClock(name, toNs(name, ns, 1), tz));
		},
		"time.date"(x: unknown): number[] {
			const f = instant("time.date", x);
			return [f.year, f.month, f.day];
		},
		"time.clock"(x: unknown): number[] {
			const f = instant("time.clock", x);
			return [f.hour, f.minute, f.second];
		},
		"time.weekday"(x: unknown): string {
			return WEEKDAYS[instant("time.weekday", x).weekday];
		},
		"time.add_date"(ns: unknown, years: unknown, months: unknown, days: unknown): bigint {
			const name = "time.add_date";
			const t = toNs(name, ns, 1);
			const f = fieldsOf(name, t, "UTC");
			// Date.UTC normalises overflowing months and days the way Go's AddDate does.
			const base = utcNs(
				f.year + expectInteger(name, years, 2),
				f.month + expectInteger(name, months, 3),
				f.day + expectInteger(name, days, 4),
				f.hour,
				f.minute,
				f.second,
			);
			const out = base + (((t % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n);
			if (out > INT64_MAX || out < INT64_MIN) {
				throw new BuiltinError(name, "time outside of valid range");
			}
			return out;
		},
		"time.diff"(ns1: unknown, ns2: unknown): number[] {
			let a = instant("time.diff", ns1);
			let b = instant("time.diff", ns2);
			const key = (f: Fields) => [f.year, f.month, f.day, f.hour, f.minute, f.second];
			const ka = key(a);
			const kb = key(b);
			const idx = ka.findIndex((v, i) => v !== kb[i]);
			if (idx >= 0 && ka[idx] > kb[idx]) [a, b] = [b, a];
			let year = b.year - a.year;
			let month = b.month - a.month;
			let day = b.day - a.day;
			let hour = b.hour - a.hour;
			let minute = b.minute - a.minute;
			let second = b.second - a.second;
			if (second < 0) {
				second += 60;
				minute--;
			}
			if (minute < 0) {
				minute += 60;
				hour--;
			}
			if (hour < 0) {
				hour += 24;
				day--;
			}
			if (day < 0) {
				// Borrow the length of the earlier instant's month.
				day += daysIn(a.year, a.month);
				month--;
			}
			if (month < 0) {
				month += 12;
				year--;
			}
			return [year, month, day, hour, minute, second];
		},
	};
}
