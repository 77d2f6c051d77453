// The query pipeline lives in the engine (the server's /v1/query shares it); re-exported for the CLI.
export * from "../engine/query-eval.ts";
