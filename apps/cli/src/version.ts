import { readFileSync } from 'node:fs';

/** Ferrum's version, from the CLI package's package.json. */
export const ferrumVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
