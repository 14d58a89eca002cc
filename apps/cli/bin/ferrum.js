#!/usr/bin/env node
// The `ferrum` command. The TypeScript sources are compiled to dist/ by `npm run build`
// (the README's commands do it for you).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    'ferrum: not built yet. Run "npm install && npm run build" in the repository first.\n',
  );
  process.exit(1);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2), process.env);
