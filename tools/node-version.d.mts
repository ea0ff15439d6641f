/** Types of tools/node-version.mjs (plain JavaScript, so that an older Node reads it). */
export function nodeTooOld(version: string): boolean;
export function tooOldMessage(version: string): string;
