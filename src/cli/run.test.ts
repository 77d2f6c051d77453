// `gavel run --server`'s command line: OPA's address syntax, and OPA flags it does not take
// refused by name before anything starts. (Serving itself: test/package/install.test.ts.)

import { describe, expect, it } from "vitest";
import { UsageError } from "./command.ts";
import { opaFlagOverrides, parseAddr, runCommand } from "./run.ts";

const io = () => {
	const err: string[] = [];
	return { err, io: { out: () => {}, err: (t: string) => err.push(t), readStdin: async () => "" } };
};

describe("gavel run --server", () => {
	it.each([
		["localhost:8181", { host: "localhost", port: "8181" }],
		[":8181", { host: "0.0.0.0", port: "8181" }],
		["127.0.0.1:0", { host: "127.0.0.1", port: "0" }],
		["[::1]:9000", { host: "::1", port: "9000" }],
	])("--addr %s", (addr, want) => {
		expect(parseAddr(addr)).toEqual(want);
	});

	it.each(["8181", "localhost", "host:99999", "unix:///tmp/opa.sock", "a:1,b:2"])(
		"--addr %s is refused",
		(addr) => {
			expect(() => parseAddr(addr)).toThrow(UsageError);
		},
	);

	it.each([
		[["--server", "--pprof"], "--pprof"],
		[["--server", "--tls-cipher-suites=TLS_AES_128_GCM_SHA256"], "--tls-cipher-suites"],
		[["--server", "-H", "history"], "--history"],
	])("%j names the unsupported OPA flag", async (argv, flag) => {
		const { io: i } = io();
		await expect(runCommand.run(argv, i)).rejects.toThrow(
			`${flag} is an \`opa run\` flag gavel run does not support yet`,
		);
	});

	it("maps OPA's server flags onto Gavel's configuration", () => {
		expect(
			opaFlagOverrides({
				"tls-cert-file": "c.pem",
				"tls-private-key-file": "k.pem",
				"tls-ca-cert-file": "ca.pem",
				authentication: "tls",
				"diagnostic-addr": [":8282"],
				"shutdown-grace-period": "30",
			}),
		).toEqual({
			callerAuth: { mode: "mtls" },
			server: {
				tls: {
					cert: "c.pem",
					key: "k.pem",
					ca: "ca.pem",
					requireClientCert: true,
					minVersion: "TLSv1.2",
				},
				diagnostic: { host: "0.0.0.0", port: 8282 },
				shutdownGraceSeconds: 30,
			},
		});
		expect(opaFlagOverrides({ authentication: "token", authorization: "basic" })).toEqual({
			callerAuth: { systemAuthz: true, systemAuthzIdentity: "token" },
		});
		expect(opaFlagOverrides({ authorization: "basic" })).toEqual({
			callerAuth: { systemAuthz: true, systemAuthzIdentity: "none" },
		});
		expect(
			opaFlagOverrides({
				"verification-key": "pub.pem",
				scope: "write",
				"exclude-files-verify": ["a.json,b.json"],
			}),
		).toEqual({
			bundle: {
				signing: {
					keys: [{ id: "default", algorithm: "RS256", keyFile: "pub.pem" }],
					keyId: "default",
					scope: "write",
					excludeFiles: ["a.json", "b.json"],
				},
			},
		});
		expect(
			opaFlagOverrides({
				"verification-key": "s3cret",
				"signing-alg": "HS256",
				"verification-key-id": "k",
			}),
		).toEqual({
			bundle: {
				signing: { keys: [{ id: "k", algorithm: "HS256", secret: "s3cret" }], keyId: "k" },
			},
		});
		expect(opaFlagOverrides({ "skip-verify": true, "verification-key": "pub.pem" })).toEqual({
			bundle: { signing: { keys: [], skip: true } },
		});
		expect(() => opaFlagOverrides({ scope: "write" })).toThrow("--scope needs --verification-key");
		// token alone changes nothing, as in OPA: the identity only feeds the authz policy.
		expect(opaFlagOverrides({ authentication: "token", authorization: "off" })).toEqual({});
	});

	it.each([
		[{ "tls-private-key-file": "k.pem" }, "go together"],
		[{ "tls-ca-cert-file": "ca.pem" }, "--tls-ca-cert-file needs --tls-cert-file"],
		[
			{ "tls-cert-file": "c", "tls-private-key-file": "k", authentication: "tls" },
			"--authentication=tls needs --tls-ca-cert-file",
		],
		[
			{
				"tls-cert-file": "c",
				"tls-private-key-file": "k",
				"tls-ca-cert-file": "ca",
				authentication: "tls",
				authorization: "basic",
			},
			"does not put client certificates into data.system.authz's input",
		],
		[{ authentication: "jwt" }, '--authentication "jwt": must be one of token, tls, off'],
		[{ authorization: "rbac" }, '--authorization "rbac": must be one of basic, off'],
		[{ "diagnostic-addr": [":1", ":2"] }, "one diagnostic address"],
		[{ "diagnostic-addr": ["8282"] }, "expected [HOST]:PORT"],
		[{ "shutdown-grace-period": "-1" }, "whole seconds"],
		[{ "min-tls-version": "1.3" }, "--min-tls-version needs --tls-cert-file"],
		[
			{ "tls-cert-file": "c", "tls-private-key-file": "k", "min-tls-version": "1.4" },
			'--min-tls-version "1.4": must be one of 1.0, 1.1, 1.2, 1.3',
		],
	])("%j is refused: %s", (values, message) => {
		expect(() => opaFlagOverrides(values)).toThrow(message);
	});

	it("takes --skip-version-check (Gavel checks no version) and still refuses what it does not do", async () => {
		const { io: i } = io();
		// Parsed, then refused for the missing --server: the flag itself is known.
		await expect(runCommand.run(["--skip-version-check"], i)).rejects.toThrow("only --server");
	});

	it("refuses a --shutdown-wait-period that is not whole seconds", async () => {
		const { io: i } = io();
		await expect(runCommand.run(["-s", "--shutdown-wait-period", "2m"], i)).rejects.toThrow(
			'--shutdown-wait-period "2m": whole seconds',
		);
	});

	it("needs --server and one address", async () => {
		const { io: i } = io();
		await expect(runCommand.run(["bundle.tar.gz"], i)).rejects.toThrow("only --server");
		await expect(runCommand.run(["-s", "-a", ":1", "-a", ":2"], i)).rejects.toThrow(
			"one listen address",
		);
	});

	it("reads -c / --set as OPA's configuration: a bad key is named with the file before anything starts", async () => {
		const { err, io: i } = io();
		expect(await runCommand.run(["--server", "-c", "no-such-opa.yaml"], i)).toBe(2);
		expect(err.join("")).toContain("no-such-opa.yaml: cannot read");
		const second = io();
		expect(await runCommand.run(["-s", "--set", "bundles.a.service=nowhere"], second.io)).toBe(2);
		expect(second.err.join("")).toContain(
			'--set: bundles.a.service: no service named "nowhere" in services',
		);
		const third = io();
		expect(
			await runCommand.run(
				["-s", "b.tar.gz", "--set", "services.s.url=http://127.0.0.1:1,bundles.a.service=s"],
				third.io,
			),
		).toBe(2);
		expect(third.err.join("")).toContain("Gavel serves one bundle (OPA would load both)");
	});
});
