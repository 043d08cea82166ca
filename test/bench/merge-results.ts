/**
 * `tsx test/bench/merge-results.ts FROM_DIR [TO_DIR]`: copies the metrics and details of the
 * scenarios a run in FROM_DIR measured into TO_DIR/summary.json (default bench/results), for runs
 * made side by side into another directory; each metric keeps its own measuredAt and quick flag.
 * Then `npm run bench -- --render` writes the README again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Summary } from './harness';

const [from, to = 'bench/results'] = process.argv.slice(2);
if (!from) {
  console.error('usage: tsx test/bench/merge-results.ts FROM_DIR [TO_DIR]');
  process.exit(2);
}
const src = JSON.parse(await readFile(join(from, 'summary.json'), 'utf8')) as Summary;
const dst = JSON.parse(await readFile(join(to, 'summary.json'), 'utf8')) as Summary;
for (const name of src.scenarios) {
  const prefix = name === 'worker' ? 'worker.' : `${name}.`;
  for (const [key, m] of Object.entries(src.metrics)) {
    if (key.startsWith(prefix) && m.status !== 'not_implemented')
      (dst.metrics as Record<string, unknown>)[key] = m;
  }
  if (src.details[name] !== undefined) dst.details[name] = src.details[name];
  dst.runs = {
    ...(dst.runs ?? {}),
    [name]: src.runs?.[name] ?? { generatedAt: src.generatedAt, machine: src.machine, quick: src.quick },
  };
}
await writeFile(join(to, 'summary.json'), `${JSON.stringify(dst, null, 2)}\n`);
console.log(`merged ${src.scenarios.join(', ')} from ${from} into ${to}/summary.json`);
