// net.cidr_contains, net.cidr_intersects (IPv4 and IPv6).

import { bufByte, bufI64, bufNew } from "../buffer";
import { setAdd } from "../collections";
import { builtinError, builtinErrorQuoting, operandError } from "../errors";
import { alloc } from "../memory";
import {
	arrGet,
	arrPush,
	collLen,
	K_ARR,
	K_OBJ,
	K_SET,
	K_STR,
	kind,
	makeArray,
	makeBool,
	makeInt,
	makeSet,
	makeString,
	objKeyAt,
	objValAt,
	strLen,
	strPtr,
} from "../values";
import { isStr } from "./util";

// A parsed address or network: [bytes:16, prefix:i32, v4:u32] (IPv4 mapped into ::ffff:a.b.c.d).

function parseV4(p: usize, n: u32, out: usize): bool {
	let part: u32 = 0;
	let val: u32 = 0;
	let digits: u32 = 0;
	for (let i: u32 = 0; i <= n; i++) {
		const c = i < n ? <u32>load<u8>(p + i) : 46;
		if (c == 46) {
			if (digits == 0 || part > 3 || val > 255) return false;
			store<u8>(out + 12 + part, <u8>val);
			part++;
			val = 0;
			digits = 0;
		} else if (c >= 48 && c <= 57) {
			if (digits > 0 && val == 0) return false; // no leading zeros
			val = val * 10 + (c - 48);
			digits++;
			if (digits > 3) return false;
		} else return false;
	}
	if (part != 4) return false;
	store<u8>(out + 10, 0xff);
	store<u8>(out + 11, 0xff);
	return true;
}

function hexDigit(c: u32): i32 {
	if (c >= 48 && c <= 57) return <i32>(c - 48);
	if (c >= 97 && c <= 102) return <i32>(c - 87);
	if (c >= 65 && c <= 70) return <i32>(c - 55);
	return -1;
}

function parseV6(p: usize, n: u32, out: usize): bool {
	const groups = alloc(16);
	let ng: i32 = 0;
	let gap: i32 = -1;
	let i: u32 = 0;
	if (n >= 2 && load<u8>(p) == 58 && load<u8>(p + 1) == 58) {
		gap = 0;
		i = 2;
		if (n == 2) {
			memory.fill(out, 0, 16);
			return true;
		}
	}
	while (i < n) {
		// An embedded IPv4 tail.
		let j = i;
		let hasDot = false;
		while (j < n && load<u8>(p + j) != 58) {
			if (load<u8>(p + j) == 46) hasDot = true;
			j++;
		}
		if (hasDot) {
			if (j != n || ng > 6) return false;
			const tmp = alloc(16);
			if (!parseV4(p + i, n - i, tmp)) return false;
			store<u16>(
				groups + ((<usize>ng) << 1),
				((<u16>load<u8>(tmp + 12)) << 8) | load<u8>(tmp + 13),
			);
			store<u16>(
				groups + ((<usize>(ng + 1)) << 1),
				((<u16>load<u8>(tmp + 14)) << 8) | load<u8>(tmp + 15),
			);
			ng += 2;
			i = n;
			break;
		}
		if (j == i || j - i > 4 || ng >= 8) return false;
		let v: u32 = 0;
		for (let k = i; k < j; k++) {
			const h = hexDigit(load<u8>(p + k));
			if (h < 0) return false;
			v = (v << 4) | <u32>h;
		}
		store<u16>(groups + ((<usize>ng) << 1), <u16>v);
		ng++;
		i = j;
		if (i < n) {
			i++; // ':'
			if (i < n && load<u8>(p + i) == 58) {
				if (gap >= 0) return false;
				gap = ng;
				i++;
			} else if (i == n) return false;
		}
	}
	if (gap < 0 && ng != 8) return false;
	if (gap >= 0 && ng > 7) return false;
	memory.fill(out, 0, 16);
	const fill = 8 - ng;
	for (let g = 0; g < ng; g++) {
		const at = gap >= 0 && g >= gap ? g + fill : g;
		const v = load<u16>(groups + ((<usize>g) << 1));
		store<u8>(out + ((<usize>at) << 1), <u8>(v >> 8));
		store<u8>(out + ((<usize>at) << 1) + 1, <u8>(v & 0xff));
	}
	return true;
}

/** Parse "addr" or "addr/prefix"; 0 when invalid. An address has prefix = full length. */
function parseNet(s: usize, allowPlain: bool): usize {
	const p = strPtr(s);
	const n = strLen(s);
	const r = alloc(24);
	memory.fill(r, 0, 24);
	let slash = n;
	for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) == 47) slash = i;
	let v4 = true;
	for (let i: u32 = 0; i < slash; i++) if (load<u8>(p + i) == 58) v4 = false;
	if (v4 ? !parseV4(p, slash, r) : !parseV6(p, slash, r)) return 0;
	store<u32>(r, v4 ? 1 : 0, 20);
	const full: i32 = v4 ? 32 : 128;
	let prefix = full;
	if (slash < n) {
		prefix = 0;
		if (slash + 1 == n || n - slash - 1 > 3) return 0;
		for (let i = slash + 1; i < n; i++) {
			const c = <u32>load<u8>(p + i);
			if (c < 48 || c > 57) return 0;
			prefix = prefix * 10 + <i32>(c - 48);
		}
		if (prefix > full) return 0;
	} else if (!allowPlain) return 0;
	store<i32>(r, v4 ? prefix + 96 : prefix, 16);
	return r;
}

/** Do the first `bits` bits of a and b agree? */
function samePrefix(a: usize, b: usize, bits: i32): bool {
	for (let i = 0; i < bits; i++) {
		const byte = i >> 3;
		const mask = <u8>(<u32>0x80 >> <u32>(i & 7));
		if ((load<u8>(a + byte) & mask) != (load<u8>(b + byte) & mask)) return false;
	}
	return true;
}

export function b_net__cidr_contains(c: usize, x: usize): usize {
	if (!isStr(c)) return operandError("net.cidr_contains", 1, "string", c);
	if (!isStr(x)) return operandError("net.cidr_contains", 2, "string", x);
	const net = parseNet(c, false);
	if (net == 0) return builtinError("net.cidr_contains", "invalid CIDR");
	const other = parseNet(x, true);
	if (other == 0) return builtinError("net.cidr_contains", "invalid CIDR or IP");
	if (load<u32>(net, 20) != load<u32>(other, 20)) return makeBool(false);
	const pn = load<i32>(net, 16);
	const po = load<i32>(other, 16);
	return makeBool(po >= pn && samePrefix(net, other, pn));
}

export function b_net__cidr_intersects(a: usize, b: usize): usize {
	if (!isStr(a)) return operandError("net.cidr_intersects", 1, "string", a);
	if (!isStr(b)) return operandError("net.cidr_intersects", 2, "string", b);
	const x = parseNet(a, false);
	const y = parseNet(b, false);
	if (x == 0 || y == 0) return builtinError("net.cidr_intersects", "invalid CIDR");
	if (load<u32>(x, 20) != load<u32>(y, 20)) return makeBool(false);
	const px = load<i32>(x, 16);
	const py = load<i32>(y, 16);
	return makeBool(samePrefix(x, y, px < py ? px : py));
}

export function b_net__cidr_is_valid(c: usize): usize {
	return makeBool(isStr(c) && parseNet(c, false) != 0);
}

/** Deprecated name of net.cidr_contains. */
export function b_net__cidr_overlap(c: usize, x: usize): usize {
	return b_net__cidr_contains(c, x);
}

const MAX_EXPAND: u64 = 1 << 20;

/** Every address of an IPv4 network (or IPv6 network with at most 2^20 addresses). */
export function b_net__cidr_expand(c: usize): usize {
	if (!isStr(c)) return operandError("net.cidr_expand", 1, "string", c);
	const net = parseNet(c, false);
	if (net == 0) return builtinError("net.cidr_expand", "invalid CIDR");
	const v4 = load<u32>(net, 20) != 0;
	const prefix = load<i32>(net, 16);
	const hostBits = 128 - prefix;
	if (hostBits > 20) return builtinError("net.cidr_expand", "network too large to expand");
	const count = (<u64>1) << (<u64>hostBits);
	if (count > MAX_EXPAND) return builtinError("net.cidr_expand", "network too large to expand");
	const out = makeSet(<u32>count);
	const addr = alloc(16);
	memory.copy(addr, net, 16);
	// Clear the host bits, then count through them.
	for (let i = prefix; i < 128; i++) {
		const byte = i >> 3;
		store<u8>(addr + byte, load<u8>(addr + byte) & ~(<u8>(<u32>0x80 >> <u32>(i & 7))));
	}
	for (let n: u64 = 0; n < count; n++) {
		const w = bufNew(40);
		writeAddr(w, addr, v4);
		setAdd(out, makeString(load<u32>(w), load<u32>(w, 4)));
		// Increment the 128-bit address.
		for (let b = 15; b >= 0; b--) {
			const x = <u32>load<u8>(addr + b) + 1;
			store<u8>(addr + b, <u8>x);
			if (x < 256) break;
		}
	}
	return out;
}

const HEXD = "0123456789abcdef";

function writeAddr(w: usize, a: usize, v4: bool): void {
	if (v4) {
		for (let i = 12; i < 16; i++) {
			if (i > 12) bufByte(w, 46);
			bufI64(w, load<u8>(a + i));
		}
		return;
	}
	// Canonical IPv6: lower-case hex groups, the longest run of zero groups as "::".
	let bestStart = -1;
	let bestLen = 0;
	let i = 0;
	while (i < 8) {
		if (load<u16>(a + (i << 1)) == 0) {
			let j = i;
			while (j < 8 && load<u16>(a + (j << 1)) == 0) j++;
			if (j - i > bestLen && j - i > 1) {
				bestStart = i;
				bestLen = j - i;
			}
			i = j;
		} else i++;
	}
	for (let g = 0; g < 8; g++) {
		if (g == bestStart) {
			bufByte(w, 58);
			bufByte(w, 58);
			g += bestLen - 1;
			continue;
		}
		if (g > 0 && g != bestStart + bestLen) bufByte(w, 58);
		const v = ((<u32>load<u8>(a + (g << 1))) << 8) | <u32>load<u8>(a + (g << 1) + 1);
		let started = false;
		for (let s = 12; s >= 0; s -= 4) {
			const d = (v >> <u32>s) & 15;
			if (d != 0 || started || s == 0) {
				bufByte(w, HEXD.charCodeAt(<i32>d));
				started = true;
			}
		}
	}
}

/** matchEntries' answer for a collection holding something other than a network (or tuple). */
const BAD_ELEMENT: usize = 1;

/**
 * Entries of a cidr_contains_matches operand as [key, network] pairs; 0 when the operand is
 * not a string or collection, BAD_ELEMENT when one of its elements is unusable.
 */
function matchEntries(v: usize): usize {
	const out = makeArray(4);
	const k = kind(v);
	if (k == K_STR) {
		pushPair(out, v, v);
		return out;
	}
	if (k != K_ARR && k != K_SET && k != K_OBJ) return 0;
	for (let i: u32 = 0; i < collLen(v); i++) {
		const key = k == K_ARR ? makeInt(i) : k == K_SET ? arrGet(v, i) : objKeyAt(v, i);
		let x = k == K_OBJ ? objValAt(v, i) : arrGet(v, i);
		// An element may be a tuple whose first item is the network.
		if (kind(x) == K_ARR && collLen(x) > 0) x = arrGet(x, 0);
		if (!isStr(x)) return BAD_ELEMENT;
		pushPair(out, key, x);
	}
	return out;
}

function pushPair(out: usize, a: usize, b: usize): void {
	const pair = makeArray(2);
	arrPush(pair, a);
	arrPush(pair, b);
	arrPush(out, pair);
}

/** {[key1, key2]} for every network of operand 1 that contains an entry of operand 2. */
export function b_net__cidr_contains_matches(a: usize, b: usize): usize {
	// As OPA: an operand of another type (number, boolean, null) matches nothing.
	const xs = matchEntries(a);
	if (xs == 0) return makeSet(0);
	if (xs == BAD_ELEMENT) {
		return builtinError(
			"net.cidr_contains_matches",
			"operand 1: element must be string or non-empty array",
		);
	}
	const ys = matchEntries(b);
	if (ys == 0) return makeSet(0);
	if (ys == BAD_ELEMENT) {
		return builtinError(
			"net.cidr_contains_matches",
			"operand 2: element must be string or non-empty array",
		);
	}
	const out = makeSet(0);
	for (let i: u32 = 0; i < collLen(xs); i++) {
		const x = arrGet(xs, i);
		const cidr = arrGet(x, 1);
		const net = parseNet(cidr, false);
		if (net == 0) {
			return builtinErrorQuoting(
				"net.cidr_contains_matches",
				"invalid CIDR address: ",
				strPtr(cidr),
				strLen(cidr),
				"",
			);
		}
		for (let j: u32 = 0; j < collLen(ys); j++) {
			const y = arrGet(ys, j);
			const addr = arrGet(y, 1);
			const other = parseNet(addr, true);
			if (other == 0) {
				return builtinErrorQuoting(
					"net.cidr_contains_matches",
					"not a valid textual representation of an IP address or CIDR: ",
					strPtr(addr),
					strLen(addr),
					"",
				);
			}
			if (load<u32>(net, 20) != load<u32>(other, 20)) continue;
			const pn = load<i32>(net, 16);
			if (load<i32>(other, 16) >= pn && samePrefix(net, other, pn)) {
				const pair = makeArray(2);
				arrPush(pair, arrGet(x, 0));
				arrPush(pair, arrGet(y, 0));
				setAdd(out, pair);
			}
		}
	}
	return out;
}

// net.cidr_merge: the smallest list of networks covering the given addresses and networks.

function clearHostBits(net: usize): void {
	const prefix = load<i32>(net, 16);
	for (let i = prefix; i < 128; i++) {
		const byte = i >> 3;
		store<u8>(net + byte, load<u8>(net + byte) & ~(<u8>(<u32>0x80 >> <u32>(i & 7))));
	}
}

/** Order: IPv6 before IPv4 (v4 flag), then address bytes, then shorter prefix first. */
function netCompare(a: usize, b: usize): i32 {
	const va = load<u32>(a, 20);
	const vb = load<u32>(b, 20);
	if (va != vb) return va < vb ? -1 : 1;
	const c = memory.compare(a, b, 16);
	if (c != 0) return c;
	const pa = load<i32>(a, 16);
	const pb = load<i32>(b, 16);
	return pa < pb ? -1 : pa > pb ? 1 : 0;
}

function contains(outer: usize, inner: usize): bool {
	if (load<u32>(outer, 20) != load<u32>(inner, 20)) return false;
	const p = load<i32>(outer, 16);
	return load<i32>(inner, 16) >= p && samePrefix(outer, inner, p);
}

/** Two halves of one network: same prefix, identical except the last prefix bit. */
function siblings(a: usize, b: usize): bool {
	if (load<u32>(a, 20) != load<u32>(b, 20)) return false;
	const p = load<i32>(a, 16);
	const minPrefix: i32 = load<u32>(a, 20) != 0 ? 96 : 0;
	if (p != load<i32>(b, 16) || p <= minPrefix) return false;
	return samePrefix(a, b, p - 1);
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d), which Go prints as IPv4. */
function isMapped(a: usize): bool {
	for (let i = 0; i < 10; i++) if (load<u8>(a + i) != 0) return false;
	return load<u8>(a + 10) == 0xff && load<u8>(a + 11) == 0xff;
}

/**
 * One element as OPA reads it: `addr/prefix` is a network (host bits cleared, as Go's
 * ParseCIDR); a bare IPv4 address keeps its host bits and takes its classful default mask
 * (/8, /16, /24); a bare IPv6 address is an error. The record is the network (masked, the
 * layout above), then the address as read (16 bytes), then a flag set once it is merged
 * with another. 0 after raising the error.
 */
function mergeElement(x: usize): usize {
	const p = strPtr(x);
	const n = strLen(x);
	let slash = false;
	for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) == 47) slash = true;
	const net = parseNet(x, !slash);
	if (net == 0) return builtinErrorQuoting("net.cidr_merge", "invalid CIDR address: ", p, n, "");
	if (!slash) {
		if (load<u32>(net, 20) == 0) {
			if (!isMapped(net))
				return builtinError("net.cidr_merge", "IPv6 invalid: needs prefix length");
			store<u32>(net, 1, 20);
		}
		const first = load<u8>(net + 12);
		const bits: i32 = first < 0x80 ? 8 : first < 0xc0 ? 16 : 24;
		store<i32>(net, 96 + bits, 16);
	}
	const r = alloc(44);
	memory.copy(r, net, 24);
	memory.copy(r + 24, net, 16);
	store<u32>(r, slash ? 1 : 0, 40);
	clearHostBits(r);
	return r;
}

/** `addr/prefix` as Go's IPNet.String: an IPv4-mapped network of /96 or more prints as IPv4. */
function writeNet(out: usize, r: usize): void {
	const prefix = load<i32>(r, 16);
	const v4 = load<u32>(r, 20) != 0 || (prefix >= 96 && isMapped(r));
	const w = bufNew(48);
	// A network nothing merged with comes back as it was read (a bare 10.0.0.1 as 10.0.0.1/8).
	writeAddr(w, load<u32>(r, 40) != 0 ? r : r + 24, v4);
	bufByte(w, 47);
	bufI64(w, prefix - (v4 ? 96 : 0));
	setAdd(out, makeString(load<u32>(w), load<u32>(w, 4)));
}

export function b_net__cidr_merge(v: usize): usize {
	const k = kind(v);
	if (k != K_ARR && k != K_SET) return builtinError("net.cidr_merge", "operand must be an array");
	const n = collLen(v);
	const nets = alloc((<usize>n) << 2);
	for (let i: u32 = 0; i < n; i++) {
		const x = arrGet(v, i);
		if (!isStr(x)) return builtinError("net.cidr_merge", "element must be string");
		const net = mergeElement(x);
		if (net == 0) return 0;
		store<u32>(nets + (i << 2), net);
	}
	// Insertion sort: merge inputs are small. IPv4 and IPv6 sort apart, so merge apart.
	for (let i: u32 = 1; i < n; i++) {
		const x = load<u32>(nets + (i << 2));
		let j = i;
		while (j > 0 && netCompare(load<u32>(nets + ((j - 1) << 2)), x) > 0) {
			store<u32>(nets + (j << 2), load<u32>(nets + ((j - 1) << 2)));
			j--;
		}
		store<u32>(nets + (j << 2), x);
	}
	const stack = alloc((<usize>(n + 1)) << 2);
	let top: u32 = 0;
	for (let i: u32 = 0; i < n; i++) {
		const x = load<u32>(nets + (i << 2));
		if (top > 0 && contains(load<u32>(stack + ((top - 1) << 2)), x)) {
			store<u32>(load<u32>(stack + ((top - 1) << 2)), 1, 40);
			continue;
		}
		store<u32>(stack + (top << 2), x);
		top++;
		while (
			top >= 2 &&
			siblings(load<u32>(stack + ((top - 2) << 2)), load<u32>(stack + ((top - 1) << 2)))
		) {
			const parent = load<u32>(stack + ((top - 2) << 2));
			store<i32>(parent, load<i32>(parent, 16) - 1, 16);
			store<u32>(parent, 1, 40);
			top--;
		}
	}
	const out = makeSet(top);
	for (let i: u32 = 0; i < top; i++) writeNet(out, load<u32>(stack + (i << 2)));
	return out;
}
