#!/usr/bin/env node
// Bootstrap, plain JavaScript on purpose: installs npm packages when the lockfile changed,
// generates the Prisma client when the schema changed, then runs the TypeScript CLI via tsx.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const digest = (...files) => {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(path.join(root, f)));
  return h.digest('hex');
};
const stampIsCurrent = (stamp, value) => existsSync(stamp) && readFileSync(stamp, 'utf8') === value;
const run = (cmd, args, env = process.env) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.status !== 0) {
    console.error(`motcua: \`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
};

const lockHash = digest('package-lock.json');
const installStamp = path.join(root, 'node_modules', '.motcua-lock-sha256');
if (!stampIsCurrent(installStamp, lockHash)) {
  console.error('motcua: installing npm packages from package-lock.json…');
  // Not `npm ci`: npm 11 records only this platform's optional binaries (biome, esbuild) in the
  // lock and then refuses it in `ci`; `install --no-save` installs the locked versions as well.
  run('npm', ['install', '--no-save', '--no-audit', '--no-fund']);
  writeFileSync(installStamp, lockHash);
}

const schemaHash = digest('prisma/schema.prisma', 'package-lock.json');
const generateStamp = path.join(root, 'generated', '.schema-sha256');
if (!stampIsCurrent(generateStamp, schemaHash)) {
  console.error('motcua: generating the Prisma client…');
  // `prisma generate` needs no database; it only insists that a schema-engine path exists.
  const env = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
  };
  run(process.execPath, [path.join(root, 'node_modules', 'prisma', 'build', 'index.js'), 'generate'], env);
  mkdirSync(path.dirname(generateStamp), { recursive: true });
  writeFileSync(generateStamp, schemaHash);
}

const { register } = await import('tsx/esm/api');
register();
const { main } = await import(pathToFileURL(path.join(root, 'services', 'cli', 'index.ts')).href);
await main(process.argv);
