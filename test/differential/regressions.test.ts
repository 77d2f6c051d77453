// Every regression case (regressions.ts): Gavel must give the answer OPA recorded (for a known
// disagreement, the answer Gavel gave when it was recorded); with OPA installed the recorded
// OPA answer is checked against OPA itself, so none is invented.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opaRequirement } from "../opa.ts";
import { OpaServer } from "./opa-server.ts";
import { agree, fromOpa, gavelAnswer } from "./programs.ts";
import { REGRESSIONS } from "./regressions.ts";

const program = (r: (typeof REGRESSIONS)[number]) => ({
	source: r.source,
	data: r.data ?? {},
	input: r.input ?? {},
});

describe("programs part regressions: Gavel answers as OPA did", () => {
	for (const r of REGRESSIONS) {
		// A known disagreement: Gavel must still give the answer recorded for it (not OPA's).
		const title = r.known ? `[known disagreement] ${r.name}` : r.name;
		it(title, async () => {
			const g = await gavelAnswer(program(r));
			expect(agree(r.known ? r.known.gavel : r.opa, g), JSON.stringify(g)).toBe(true);
		});
	}
});

describe("programs part regressions: OPA still gives the recorded answer", () => {
	const { opa, missing } = opaRequirement("differential regressions (OPA's answers)");
	let server: OpaServer | undefined;
	beforeAll(async () => {
		if (opa) server = await OpaServer.start(opa);
	});
	afterAll(async () => {
		await server?.stop();
	});
	REGRESSIONS.forEach((r, i) => {
		it.skipIf(missing === "skip")(r.name, async () => {
			if (!server) throw new Error("OPA 1.22.3 is required in CI (npm run opa:install)");
			const p = program(r);
			const o = fromOpa(await server.evaluate(`reg${i}`, p.source, p.data, p.input, ["t"]));
			expect(agree(r.opa, o), JSON.stringify(o)).toBe(true);
		});
	});
});
