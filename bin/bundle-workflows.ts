// Image build: bundles the workflow code once, so the worker in the container loads it
// (`workflowBundle`, services/worker.ts) instead of running webpack at every start.
// Usage: node --import tsx bin/bundle-workflows.ts <output file>
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { failureConverterPath } from '../services/payload-codec';
import { workflowsPath } from '../services/worker';

const out = process.argv[2];
if (!out) {
  console.error('usage: bundle-workflows.ts <output file>');
  process.exit(2);
}
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error: console.error };
// The deployment's failure converter (failure messages encrypted with the payload codec).
const { code } = await bundleWorkflowCode({ workflowsPath, failureConverterPath, logger: quiet });
await mkdir(path.dirname(path.resolve(out)), { recursive: true });
await writeFile(out, code);
console.error(`workflow bundle written to ${out} (${Math.round(code.length / 1024)} KiB)`);
