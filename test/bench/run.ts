/**
 * Benchmark runner: runs every `test/bench/*.bench.ts` module (each exports `name`,
 * `run()` and optionally `format(result)`), writes `bench-results/<name>.json` and prints
 * a short table. Usage: `tsx test/bench/run.ts [name…] [--quick] [--out DIR]`.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

interface BenchModule {
  name?: string;
  run: (opts?: { quick?: boolean }) => Promise<unknown>;
  format?: (result: never) => string;
}

export interface RunBenchesOptions {
  only?: string[];
  quick?: boolean;
  outDir?: string;
  log?: (line: string) => void;
}

const here = fileURLToPath(new URL('.', import.meta.url));

export async function runBenches(opts: RunBenchesOptions = {}): Promise<Record<string, unknown>> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const outDir = resolve(opts.outDir ?? 'bench-results');
  const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
  const results: Record<string, unknown> = {};
  await mkdir(outDir, { recursive: true });
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as BenchModule;
    const name = mod.name ?? file.replace(/\.bench\.ts$/, '');
    if (opts.only && opts.only.length > 0 && !opts.only.includes(name)) continue;
    log(`running bench ${name}…`);
    const result = await mod.run({ quick: opts.quick });
    results[name] = result;
    const path = join(outDir, `${name}.json`);
    await writeFile(path, `${JSON.stringify(result, null, 2)}\n`);
    log(mod.format ? mod.format(result as never) : JSON.stringify(result, null, 2));
    log(`→ ${path}`);
  }
  return results;
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  const outIdx = args.indexOf('--out');
  const outDir = outIdx >= 0 ? args[outIdx + 1] : undefined;
  const only = args.filter((a, i) => !a.startsWith('--') && (outIdx < 0 || i !== outIdx + 1));
  runBenches({ only, quick: args.includes('--quick'), outDir }).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
