// What the bootstrap (bin/motcua.js) checks before it runs: the npm packages installed for this
// package-lock.json and the Prisma client generated for this schema. Shared with the image build
// (bin/build-image-tree.sh), which installs and generates at build time and writes the stamps, so a
// container never installs or generates at start. Plain JavaScript, no dependencies.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const digest = (root, ...files) => {
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(path.join(root, f)));
  return h.digest('hex');
};

export const stamps = (root) => ({
  install: {
    file: path.join(root, 'node_modules', '.motcua-lock-sha256'),
    value: digest(root, 'package-lock.json'),
  },
  generate: {
    file: path.join(root, 'generated', '.schema-sha256'),
    value: digest(root, 'prisma/schema.prisma', 'package-lock.json'),
  },
});

export const isCurrent = (stamp) =>
  existsSync(stamp.file) && readFileSync(stamp.file, 'utf8') === stamp.value;

export const write = (stamp) => {
  mkdirSync(path.dirname(stamp.file), { recursive: true });
  writeFileSync(stamp.file, stamp.value);
};

// `node bin/stamps.js write`: mark the tree as installed and generated (image build).
if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) &&
  process.argv[2] === 'write'
) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const s = stamps(root);
  write(s.install);
  write(s.generate);
}
