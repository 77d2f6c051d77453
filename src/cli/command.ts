// What every subcommand module provides, and the shared pieces of argument handling, so each
// command file only says what is special about it.

import { type ParseArgsConfig, parseArgs } from "node:util";

/** Exit codes every command uses: success, a policy or test failure, bad usage or input. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Where a command writes and reads; the real process by default, swappable for tests. */
export interface Io {
	out(text: string): void;
	err(text: string): void;
	readStdin(): Promise<string>;
}

export const processIo: Io = {
	out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
	err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
	readStdin: async () => {
		const chunks: Buffer[] = [];
		for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks).toString("utf8");
	},
};

export interface Command {
	name: string;
	/** One line for the top-level help. */
	summary: string;
	/** The full `--help` text. */
	help: string;
	run(argv: string[], io: Io): Promise<number>;
}

/** A problem with how the command was called (exit 2); the message says what to fix. */
export class UsageError extends Error {
	override name = "UsageError";
}

/** An input that cannot be used: a missing file, unreadable JSON (exit 2). */
export class InputError extends Error {
	override name = "InputError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * node:util parseArgs with `--help`/`-h` always accepted and its errors turned into UsageError
 * (its own messages are clear, but carry a Node error code we do not want users to see).
 */
export function parseCommandArgs<O extends Options>(
	argv: string[],
	options: O,
): {
	values: Record<string, string | boolean | string[] | boolean[] | undefined>;
	positionals: string[];
	help: boolean;
} {
	try {
		const { values, positionals } = parseArgs({
			args: argv,
			options: { ...options, help: { type: "boolean", short: "h" } },
			allowPositionals: true,
			strict: true,
		});
		const all = values as Record<string, string | boolean | string[] | boolean[] | undefined>;
		return { values: all, positionals, help: all.help === true };
	} catch (e) {
		throw new UsageError((e as Error).message);
	}
}

export function stringOption(value: unknown): string | undefined {
	return typeof value === "string" ? value : undefined;
}

export function stringList(value: unknown): string[] {
	if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
	return typeof value === "string" ? [value] : [];
}
