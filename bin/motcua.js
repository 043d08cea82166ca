#!/usr/bin/env node
// Bootstrap, plain JavaScript on purpose: installs npm packages when the lockfile changed,
// generates the Prisma client when the schema changed, then runs the TypeScript CLI via tsx.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isCurrent, stamps, write } from './stamps.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, env = process.env) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.status !== 0) {
    console.error(`motcua: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
};
const { install, generate } = stamps(root);

if (!isCurrent(install)) {
  console.error('motcua: installing npm packages from package-lock.json…');
  // Not `npm ci`: npm 11 records only this platform's optional binaries (biome, esbuild) in the
  // lock and then refuses it in `ci`; `install --no-save` installs the locked versions as well.
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund']);
  write(install);
}

if (!isCurrent(generate)) {
  console.error('motcua: generating the Prisma client…');
  // `prisma generate` needs no database; it only insists that a schema-engine path exists.
  const env = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  };
  run(process.execPath, [path.join(root, 'node_modules', 'prisma', 'build', 'index.js'), 'generate'], env);
  write(generate);
}

const { register } = await import('tsx/esm/api');
register();
const { main } = await import(pathToFileURL(path.join(root, 'services', 'cli', 'index.ts')).href);
await main(process.argv);
