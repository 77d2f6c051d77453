// `gavel run --server`'s command line: OPA's address syntax, and OPA flags it does not take
// refused by name before anything starts. (Serving itself: test/package/install.test.ts.)

import { describe, expect, it } from "vitest";
import { UsageError } from "./command.ts";
import { parseAddr, runCommand } from "./run.ts";

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
		[["--server", "--log-level", "debug"], "--log-level"],
		[["--server", "--tls-cert-file=cert.pem"], "--tls-cert-file"],
		[["--server", "--authentication=token"], "--authentication"],
	])("%j names the unsupported OPA flag", async (argv, flag) => {
		const { io: i } = io();
		await expect(runCommand.run(argv, i)).rejects.toThrow(
			`${flag} is an \`opa run\` flag gavel run does not support yet`,
		);
	});

	it("needs --server, one path and one address", async () => {
		const { io: i } = io();
		await expect(runCommand.run(["bundle.tar.gz"], i)).rejects.toThrow("only --server");
		await expect(runCommand.run(["--server", "a", "b"], i)).rejects.toThrow(
			"one bundle or policy folder per server, got 2 paths",
		);
		await expect(runCommand.run(["-s", "-a", ":1", "-a", ":2"], i)).rejects.toThrow(
			"one listen address",
		);
	});

	it("reads -c / --set as OPA's configuration: a bad key is named with the file before anything starts", async () => {
		const { err, io: i } = io();
		expect(await runCommand.run(["--server", "-c", "no-such-opa.yaml"], i)).toBe(2);
		expect(err.join("")).toContain("no-such-opa.yaml: cannot read");
		const second = io();
		expect(
			await runCommand.run(["-s", "--set", "bundles.a.service=nowhere"], second.io),
		).toBe(2);
		expect(second.err.join("")).toContain(
			'--set: bundles.a.service: no service named "nowhere" in services',
		);
	});
});
