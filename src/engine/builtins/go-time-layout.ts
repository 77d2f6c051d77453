// time.parse_ns takes a layout in Go's reference-time notation ("2006-01-02T15:04:05Z07:00").
// This parser covers Go's layout elements; named zone abbreviations other than UTC/GMT parse
// as offset zero, which is also what Go does for an abbreviation it does not know.

import { BuiltinError } from "./builtin-error.ts";

const MONTHS = [
	"January",
	"February",
	"March",
	"April",
	"May",
	"June",
	"July",
	"August",
	"September",
	"October",
	"November",
	"December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

type Token =
	| { kind: "lit"; text: string }
	| { kind: "std"; name: string }
	| { kind: "frac"; digits: number; optional: boolean; sep: string };

// Longest-first so "January" wins over "Jan", "2006" over "2", "-07:00:00" over "-07".
const STD = [
	"January",
	"Monday",
	"-07:00:00",
	"Z07:00:00",
	"-070000",
	"Z070000",
	"-07:00",
	"Z07:00",
	"-0700",
	"Z0700",
	"2006",
	"Jan",
	"Mon",
	"MST",
	"002",
	"-07",
	"Z07",
	"__2",
	"_2",
	"01",
	"02",
	"03",
	"04",
	"05",
	"06",
	"15",
	"PM",
	"pm",
	"1",
	"2",
	"3",
	"4",
	"5",
];

/**
 * Go's layout chunks. Parsing takes ".000" as a fraction only after a digit (what this parser
 * has always done); formatting takes it anywhere, as Go's formatter does.
 */
function tokenize(layout: string, fractionAnywhere = false): Token[] {
	const out: Token[] = [];
	let lit = "";
	let i = 0;
	const flush = () => {
		if (lit) out.push({ kind: "lit", text: lit });
		lit = "";
	};
	while (i < layout.length) {
		const frac = /^[.,](0+|9+)(?!\d)/.exec(layout.slice(i));
		if (frac && (fractionAnywhere || (i > 0 && /\d/.test(layout[i - 1])))) {
			flush();
			out.push({
				kind: "frac",
				digits: frac[1].length,
				optional: frac[1][0] === "9",
				sep: layout[i],
			});
			i += frac[0].length;
			continue;
		}
		const std = STD.find((s) => layout.startsWith(s, i));
		// "_2006" is a literal underscore then a year, as in Go.
		if (std && !(std === "_2" && layout.startsWith("_2006", i))) {
			flush();
			out.push({ kind: "std", name: std });
			i += std.length;
			continue;
		}
		lit += layout[i];
		i++;
	}
	flush();
	return out;
}

export function parseGoLayout(builtin: string, layout: string, value: string): bigint {
	const fail = (why: string) =>
		new BuiltinError(builtin, `parsing time "${value}" as "${layout}": ${why}`);
	let year = 1;
	let month = 1;
	let day = 1;
	let yday = -1;
	let hour = 0;
	let minute = 0;
	let second = 0;
	let nanos = 0n;
	let pm: boolean | undefined;
	let offsetSec = 0;
	let v = value;

	const num = (min: number, max: number, what: string): number => {
		const m = new RegExp(`^\\d{${min},${max}}`).exec(v);
		if (!m) throw fail(`cannot parse "${v}" as "${what}"`);
		v = v.slice(m[0].length);
		return Number(m[0]);
	};
	const name = (names: string[], len: number | undefined, what: string): number => {
		for (let k = 0; k < names.length; k++) {
			const n = len ? names[k].slice(0, len) : names[k];
			if (v.slice(0, n.length).toLowerCase() === n.toLowerCase()) {
				v = v.slice(n.length);
				return k;
			}
		}
		throw fail(`cannot parse "${v}" as "${what}"`);
	};
	const offset = (std: string) => {
		if (std.startsWith("Z") && v.startsWith("Z")) {
			v = v.slice(1);
			offsetSec = 0;
			return;
		}
		const colon = std.includes(":");
		const shape = std.replace(/^Z/, "-");
		const digits = shape.replace(/[-:]/g, "").length; // 2, 4 or 6
		const m = /^[+-]/.exec(v);
		if (!m) throw fail(`cannot parse "${v}" as "${std}"`);
		const sign = v[0] === "-" ? -1 : 1;
		v = v.slice(1);
		const hh = num(2, 2, std);
		let mm = 0;
		let ss = 0;
		if (digits >= 4) {
			if (colon && !v.startsWith(":")) throw fail(`cannot parse "${v}" as "${std}"`);
			if (colon) v = v.slice(1);
			mm = num(2, 2, std);
		}
		if (digits >= 6) {
			if (colon) v = v.slice(1);
			ss = num(2, 2, std);
		}
		offsetSec = sign * (hh * 3600 + mm * 60 + ss);
	};
	const fraction = (digits: number | undefined) => {
		// digits undefined: any number of digits after the separator.
		const m = /^[.,](\d+)/.exec(v);
		if (!m) {
			if (digits === undefined) return;
			throw fail(`cannot parse "${v}" as fractional seconds`);
		}
		if (digits !== undefined && m[1].length !== digits) {
			throw fail(`cannot parse "${v}" as fractional seconds`);
		}
		nanos = BigInt(m[1].slice(0, 9).padEnd(9, "0"));
		v = v.slice(m[0].length);
	};

	const tokens = tokenize(layout);
	for (let t = 0; t < tokens.length; t++) {
		const tok = tokens[t];
		if (tok.kind === "lit") {
			if (!v.startsWith(tok.text)) throw fail(`cannot parse "${v}" as "${tok.text}"`);
			v = v.slice(tok.text.length);
			continue;
		}
		if (tok.kind === "frac") {
			fraction(tok.optional ? undefined : tok.digits);
			continue;
		}
		switch (tok.name) {
			case "2006":
				year = num(4, 4, "2006");
				break;
			case "06": {
				const yy = num(2, 2, "06");
				year = yy >= 69 ? 1900 + yy : 2000 + yy;
				break;
			}
			case "01":
				month = num(2, 2, "01");
				break;
			case "1":
				month = num(1, 2, "1");
				break;
			case "Jan":
				month = name(MONTHS, 3, "Jan") + 1;
				break;
			case "January":
				month = name(MONTHS, undefined, "January") + 1;
				break;
			case "Mon":
				name(DAYS, 3, "Mon");
				break;
			case "Monday":
				name(DAYS, undefined, "Monday");
				break;
			case "02":
				day = num(2, 2, "02");
				break;
			case "_2":
			case "__2":
				v = v.replace(/^ +/, "");
				if (tok.name === "__2") yday = num(1, 3, "__2");
				else day = num(1, 2, "_2");
				break;
			case "2":
				day = num(1, 2, "2");
				break;
			case "002":
				yday = num(3, 3, "002");
				break;
			case "15":
				hour = num(1, 2, "15");
				break;
			case "03":
				hour = num(2, 2, "03");
				break;
			case "3":
				hour = num(1, 2, "3");
				break;
			case "04":
				minute = num(2, 2, "04");
				break;
			case "4":
				minute = num(1, 2, "4");
				break;
			case "05":
			case "5": {
				second = tok.name === "05" ? num(2, 2, "05") : num(1, 2, "5");
				// Go accepts a fraction after the seconds even when the layout has none.
				if (tokens[t + 1]?.kind !== "frac") fraction(undefined);
				break;
			}
			case "PM":
			case "pm": {
				const ap = v.slice(0, 2).toUpperCase();
				if (ap !== "AM" && ap !== "PM") throw fail(`cannot parse "${v}" as "PM"`);
				pm = ap === "PM";
				v = v.slice(2);
				break;
			}
			case "MST": {
				const m = /^(UTC|GMT|[A-Z]{3,5})/.exec(v);
				if (!m) throw fail(`cannot parse "${v}" as "MST"`);
				v = v.slice(m[0].length);
				offsetSec = 0;
				break;
			}
			default:
				offset(tok.name);
		}
	}
	if (v !== "") throw fail(`extra text: "${v}"`);
	if (pm !== undefined) {
		if (hour < 1 || hour > 12) throw fail("hour out of range");
		if (pm && hour < 12) hour += 12;
		if (!pm && hour === 12) hour = 0;
	}
	if (yday >= 0) {
		const d = new Date(Date.UTC(2000, 0, 1));
		d.setUTCFullYear(year, 0, yday);
		month = d.getUTCMonth() + 1;
		day = d.getUTCDate();
	}
	const maxDay = new Date(Date.UTC(2000, month, 0));
	maxDay.setUTCFullYear(year, month, 0);
	if (month < 1 || month > 12) throw fail("month out of range");
	if (day < 1 || day > maxDay.getUTCDate()) throw fail("day out of range");
	if (hour > 23 || minute > 59 || second > 59) throw fail("time out of range");
	const date = new Date(0);
	date.setUTCFullYear(year, month - 1, day);
	date.setUTCHours(hour, minute, second, 0);
	return (BigInt(date.getTime()) - BigInt(offsetSec) * 1000n) * 1_000_000n + nanos;
}

/** Go's named layouts that time.format accepts in place of a layout. */
export const NAMED_LAYOUTS: Readonly<Record<string, string>> = {
	ANSIC: "Mon Jan _2 15:04:05 2006",
	UnixDate: "Mon Jan _2 15:04:05 MST 2006",
	RubyDate: "Mon Jan 02 15:04:05 -0700 2006",
	RFC822: "02 Jan 06 15:04 MST",
	RFC822Z: "02 Jan 06 15:04 -0700",
	RFC850: "Monday, 02-Jan-06 15:04:05 MST",
	RFC1123: "Mon, 02 Jan 2006 15:04:05 MST",
	RFC1123Z: "Mon, 02 Jan 2006 15:04:05 -0700",
	RFC3339: "2006-01-02T15:04:05Z07:00",
	RFC3339Nano: "2006-01-02T15:04:05.999999999Z07:00",
};

/** An instant's wall clock in some zone, what formatGoLayout prints. */
export interface WallClock {
	year: number;
	month: number; // 1..12
	day: number;
	yday: number; // 1..366
	hour: number;
	minute: number;
	second: number;
	nanos: number;
	weekday: number; // 0 = Sunday
	offsetSec: number;
	/** The zone's abbreviation ("UTC", "PST", or Go's numeric "+04" where none is known). */
	abbrev: string;
}

const pad = (n: number, w: number, c = "0") => String(n).padStart(w, c);

function offsetText(std: string, off: number): string {
	if (std.startsWith("Z") && off === 0) return "Z";
	const sign = off < 0 ? "-" : "+";
	const a = Math.abs(off);
	const hh = pad(Math.floor(a / 3600), 2);
	const mm = pad(Math.floor((a % 3600) / 60), 2);
	const ss = pad(a % 60, 2);
	const shape = std.replace(/^Z/, "-");
	switch (shape) {
		case "-07":
			return sign + hh;
		case "-0700":
			return sign + hh + mm;
		case "-07:00":
			return `${sign}${hh}:${mm}`;
		case "-070000":
			return sign + hh + mm + ss;
		default:
			return `${sign}${hh}:${mm}:${ss}`;
	}
}

/** Go's Time.Format for a layout in reference-time notation. */
export function formatGoLayout(layout: string, t: WallClock): string {
	let out = "";
	for (const tok of tokenize(layout, true)) {
		if (tok.kind === "lit") {
			out += tok.text;
			continue;
		}
		if (tok.kind === "frac") {
			const digits = pad(t.nanos, 9).slice(0, tok.digits);
			if (!tok.optional) out += tok.sep + digits;
			else {
				const trimmed = digits.replace(/0+$/, "");
				if (trimmed !== "") out += tok.sep + trimmed;
			}
			continue;
		}
		const h12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
		switch (tok.name) {
			case "2006":
				out += pad(t.year, 4);
				break;
			case "06":
				out += pad(((t.year % 100) + 100) % 100, 2);
				break;
			case "01":
				out += pad(t.month, 2);
				break;
			case "1":
				out += String(t.month);
				break;
			case "Jan":
				out += MONTHS[t.month - 1].slice(0, 3);
				break;
			case "January":
				out += MONTHS[t.month - 1];
				break;
			case "Mon":
				out += DAYS[t.weekday].slice(0, 3);
				break;
			case "Monday":
				out += DAYS[t.weekday];
				break;
			case "02":
				out += pad(t.day, 2);
				break;
			case "_2":
				out += pad(t.day, 2, " ");
				break;
			case "2":
				out += String(t.day);
				break;
			case "__2":
				out += pad(t.yday, 3, " ");
				break;
			case "002":
				out += pad(t.yday, 3);
				break;
			case "15":
				out += pad(t.hour, 2);
				break;
			case "03":
				out += pad(h12, 2);
				break;
			case "3":
				out += String(h12);
				break;
			case "04":
				out += pad(t.minute, 2);
				break;
			case "4":
				out += String(t.minute);
				break;
			case "05":
				out += pad(t.second, 2);
				break;
			case "5":
				out += String(t.second);
				break;
			case "PM":
				out += t.hour >= 12 ? "PM" : "AM";
				break;
			case "pm":
				out += t.hour >= 12 ? "pm" : "am";
				break;
			case "MST":
				out += t.abbrev;
				break;
			default:
				out += offsetText(tok.name, t.offsetSec);
		}
	}
	return out;
}
