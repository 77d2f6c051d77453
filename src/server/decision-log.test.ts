import { describe, expect, it } from "vitest";
import { createJsonLineLogger, type DecisionLogEntry, maskEntry } from "./decision-log.ts";

const entry = (): DecisionLogEntry => ({
	decision_id: "d1",
	timestamp: "2026-01-01T00:00:00Z",
	path: "example/allow",
	input: {
		subject: { sub: "alice", email: "a@example.com" },
		context: { cards: ["1", "2"] },
		"a/b": 1,
	},
	result: true,
	metrics: { timer_server_handler_ns: 10 },
});

describe("decision log", () => {
	it("erases masked JSON pointers and lists them, leaving the original intact", () => {
		const e = entry();
		const masked = maskEntry(e, [
			"/input/subject/email",
			"/input/context/cards/0",
			"/input/a~1b",
			"/input/absent",
		]);
		expect(masked.input).toEqual({ subject: { sub: "alice" }, context: { cards: ["2"] } });
		expect(masked.erased).toEqual([
			"/input/subject/email",
			"/input/context/cards/0",
			"/input/a~1b",
		]);
		expect((e.input as { subject: { email?: string } }).subject.email).toBe("a@example.com");
	});

	it("writes one JSON line per decision", () => {
		const lines: string[] = [];
		const log = createJsonLineLogger((l) => lines.push(l), ["/input/subject/email"]);
		log.log(entry());
		log.log(entry());
		expect(lines).toHaveLength(2);
		expect(lines[0].endsWith("\n")).toBe(true);
		expect(lines[0].trimEnd().includes("\n")).toBe(false);
		expect(JSON.parse(lines[0])).toMatchObject({
			decision_id: "d1",
			path: "example/allow",
			erased: ["/input/subject/email"],
		});
	});
});
