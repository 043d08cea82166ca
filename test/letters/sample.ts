/**
 * Writes the README's sample letter: docs/letter-mau-04.pdf rendered from the test fixture,
 * and docs/letter-mau-04.png (page 1 at 100 dpi) when poppler's `pdftoppm` is installed
 * (Debian: poppler-utils). Run: npx tsx test/letters/sample.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../services/config';
import { renderLetter } from '../../services/letters/render';
import { apology } from './fixtures';

async function main() {
  const docs = path.join(projectRoot, 'docs');
  mkdirSync(docs, { recursive: true });
  const { bytes, sha256 } = await renderLetter(apology());
  const pdf = path.join(docs, 'letter-mau-04.pdf');
  writeFileSync(pdf, bytes);
  console.log(`${pdf} sha256=${sha256}`);
  try {
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '100',
      '-f',
      '1',
      '-l',
      '1',
      '-singlefile',
      pdf,
      pdf.replace(/\.pdf$/, ''),
    ]);
    console.log(pdf.replace(/\.pdf$/, '.png'));
  } catch (err) {
    console.error(`pdftoppm failed (apt-get install poppler-utils): ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

void main();
