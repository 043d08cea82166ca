import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { projectRoot } from '../config';

const bin = (name: string) => path.join(projectRoot, 'node_modules', '.bin', name);
const resultsFile = path.join(projectRoot, '.motcua', 'vitest-results.json');

/** Steps of the one test command (README, CI): typecheck, lint, then every vitest suite. */
const steps: { name: string; cmd: string; args: string[] }[] = [
  { name: 'typecheck', cmd: bin('tsc'), args: ['--noEmit', '-p', projectRoot] },
  { name: 'lint', cmd: bin('biome'), args: ['check', projectRoot] },
  {
    name: 'vitest',
    cmd: bin('vitest'),
    args: ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`],
  },
];

function printTotals(): void {
  if (!existsSync(resultsFile)) return;
  const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
  };
  console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
}

export function testCommand(): Command {
  return new Command('test')
    .description('Run the whole test suite: typecheck, lint and vitest (unit + integration on real servers)')
    .argument('[vitestArgs...]', 'extra arguments for vitest, e.g. a file filter')
    .action((vitestArgs: string[]) => {
      rmSync(resultsFile, { force: true });
      for (const step of steps) {
        const started = Date.now();
        console.error(`▶ ${step.name}`);
        const args = step.name === 'vitest' ? [...step.args, ...vitestArgs] : step.args;
        const r = spawnSync(step.cmd, args, { cwd: projectRoot, stdio: 'inherit' });
        if (step.name === 'vitest') printTotals();
        if (r.status !== 0) {
          console.error(`✗ ${step.name} failed (exit ${r.status ?? r.signal})`);
          process.exit(r.status ?? 1);
        }
        console.error(`✓ ${step.name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      }
    });
}
