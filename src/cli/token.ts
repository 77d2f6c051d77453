// `gavel token`: print a JWT signed with the development key that `gavel serve --dev`
// trusts. For local use only: production tokens come from your identity provider.

import {
	DEV_AUDIENCE,
	DEV_ISSUER,
	loadOrCreateDevKey,
	mintDevToken,
} from "../server/dev-identity.ts";
import {
	type Command,
	EXIT_OK,
	type Io,
	parseCommandArgs,
	stringList,
	stringOption,
	UsageError,
} from "./command.ts";

const help = `Usage: gavel token --sub SUBJECT [--role ROLE]… [--claim NAME=VALUE]… [--ttl SECONDS]

Print a token signed with the development key (created in .gavel/ on first use) that
\`gavel serve --dev\` verifies through its loopback JWKS.

Options:
  --sub SUBJECT        the "sub" claim (required)
  --role ROLE          add ROLE to the "roles" claim, always a list (repeat for more:
                       --role admin --role editor gives ["admin","editor"])
  --claim NAME=VALUE   an extra claim; VALUE is read as JSON when it parses (42, true,
                       ["a","b"]), otherwise as a string; repeat a NAME to make a list
  --ttl SECONDS        lifetime (default 3600)
  --iss ISSUER         issuer (default ${DEV_ISSUER})
  --aud AUDIENCE       audience (default ${DEV_AUDIENCE})
  --state-dir DIR      where the dev key lives (default .gavel, or GAVEL_STATE_DIR)
  -h, --help           show this help`;

/** NAME=VALUE pairs to claims; a repeated NAME collects its values into a list. */
export function parseClaims(pairs: string[]): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	const repeated = new Set<string>();
	for (const pair of pairs) {
		const eq = pair.indexOf("=");
		if (eq <= 0) throw new UsageError(`--claim ${pair}: expected NAME=VALUE`);
		const name = pair.slice(0, eq);
		const raw = pair.slice(eq + 1);
		let value: unknown;
		try {
			value = JSON.parse(raw);
		} catch {
			value = raw;
		}
		if (name in out) {
			if (!repeated.has(name)) out[name] = [out[name]];
			repeated.add(name);
			(out[name] as unknown[]).push(value);
		} else out[name] = value;
	}
	return out;
}

export const tokenCommand: Command = {
	name: "token",
	summary: "print a development token signed with the key `gavel serve --dev` trusts",
	help,
	async run(argv: string[], io: Io) {
		const { values } = parseCommandArgs(argv, {
			sub: { type: "string" },
			claim: { type: "string", multiple: true },
			role: { type: "string", multiple: true },
			ttl: { type: "string" },
			iss: { type: "string" },
			aud: { type: "string" },
			"state-dir": { type: "string" },
		});
		const sub = stringOption(values.sub);
		if (!sub) throw new UsageError("--sub is required");
		const ttl = stringOption(values.ttl);
		if (ttl !== undefined && !/^\d+$/.test(ttl))
			throw new UsageError("--ttl must be a number of seconds");
		const stateDir = stringOption(values["state-dir"]) ?? process.env.GAVEL_STATE_DIR ?? ".gavel";
		const claims = parseClaims(stringList(values.claim));
		const roles = stringList(values.role);
		if (roles.length > 0) {
			if ("roles" in claims)
				throw new UsageError("--role and --claim roles=… both set roles: use --role only");
			// A list even for one role: policies test membership ("admin" in roles).
			claims.roles = roles;
		}
		const key = await loadOrCreateDevKey(stateDir);
		const token = await mintDevToken(key, {
			subject: sub,
			claims,
			ttlSeconds: ttl ? Number(ttl) : undefined,
			issuer: stringOption(values.iss),
			audience: stringOption(values.aud),
		});
		io.out(token);
		return EXIT_OK;
	},
};
