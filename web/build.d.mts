// Types of web/build.mjs for the TypeScript callers (tests and scripts).
export function isFresh(): boolean;
export function ensureBuilt(options?: { force?: boolean; quiet?: boolean }): Promise<boolean>;
