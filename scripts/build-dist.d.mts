// Types of build-dist.mjs, for the TypeScript that imports it (the benchmarks).
export const RUNTIME_ASSETS: string[];
export function buildDevCli(): Promise<string>;
export function buildSingleFile(entry: string, out: string): Promise<string>;
export function buildPackage(): Promise<string>;
