// Is a peer address one of the configured proxies? IPv4 and IPv6 addresses and IPv4 CIDRs;
// IPv4-mapped IPv6 ("::ffff:10.0.0.1") counts as its IPv4 address. Pure, for Workers too.

function ipv4ToInt(ip: string): number | undefined {
	const parts = ip.split(".");
	if (parts.length !== 4) return undefined;
	let n = 0;
	for (const p of parts) {
		if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
		n = n * 256 + Number(p);
	}
	return n;
}

function normalise(ip: string): string {
	const v = ip.trim().toLowerCase();
	const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v);
	return mapped ? mapped[1] : v;
}

export function ipMatches(address: string, rule: string): boolean {
	const ip = normalise(address);
	const [base, bitsText] = rule.split("/");
	const target = normalise(base);
	if (bitsText === undefined) return ip === target;
	const a = ipv4ToInt(ip);
	const b = ipv4ToInt(target);
	const bits = Number(bitsText);
	if (a === undefined || b === undefined || bits < 0 || bits > 32) return false;
	if (bits === 0) return true;
	const shift = 32 - bits;
	return Math.floor(a / 2 ** shift) === Math.floor(b / 2 ** shift);
}

export function isTrusted(address: string | undefined, rules: readonly string[]): boolean {
	return address !== undefined && rules.some((r) => ipMatches(address, r));
}
