// `npm run bench -- NAME`: runs bench/NAME.ts, which starts and stops what it
// measures itself. Its progress goes to stdout; the last line is one JSON object.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const name = process.argv[2];
const available = fs.readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'stats.ts', 'echo-server.ts', 'failover-component.ts'].includes(f))
  .filter((f) => !f.startsWith('ring-')) // bench/ring's helpers (ring-token.ts: the bare token ring baseline)
  .map((f) => f.replace(/\.ts$/, ''));
if (name === undefined || !available.includes(name)) {
  console.error(`usage: npm run bench -- NAME   (NAME: ${available.join(', ')})`);
  process.exit(2);
}
const mod = (await import(`./${name}.ts`)) as { run: () => Promise<Record<string, unknown>> };
const result = await mod.run();
console.log(JSON.stringify(result));
