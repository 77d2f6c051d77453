// `gavel run`'s --log-level and --log-format: the server's operational lines written as OPA
// writes its own (json: one object per line with level, msg and time; json-pretty: the same
// indented; text: "[LEVEL] msg"). Each line's level is read from what it says: a rejected
// bundle or a failure is an error, a WARNING line a warning, the rest info.

export const OPA_LOG_LEVELS = ["debug", "info", "error"] as const;
export const OPA_LOG_FORMATS = ["text", "json", "json-pretty"] as const;
export type OpaLogLevel = (typeof OPA_LOG_LEVELS)[number];
export type OpaLogFormat = (typeof OPA_LOG_FORMATS)[number];

/** The level a Gavel server line is at. */
export function lineLevel(message: string): "error" | "warning" | "info" {
	if (/\bWARNING\b/.test(message)) return "warning";
	if (/\b(rejected|failed|error|cannot|refused|dropped|not writable)\b/i.test(message))
		return "error";
	return "info";
}

/** A writer of operational lines in OPA's format, dropping those below the level. */
export function opaLogWriter(
	level: OpaLogLevel,
	format: OpaLogFormat,
	write: (line: string) => void,
	now: () => Date = () => new Date(),
): (message: string) => void {
	return (message) => {
		const lvl = lineLevel(message);
		if (level === "error" && lvl !== "error") return;
		const msg = message.replace(/^gavel: /, "");
		if (format === "text") {
			write(`[${lvl.toUpperCase()}] ${msg}`);
			return;
		}
		// OPA's fields come sorted by name; time to the second in UTC, as OPA writes it.
		const entry = {
			level: lvl,
			msg,
			time: now()
				.toISOString()
				.replace(/\.\d+Z$/, "Z"),
		};
		write(format === "json" ? JSON.stringify(entry) : JSON.stringify(entry, null, 2));
	};
}
