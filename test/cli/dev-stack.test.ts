import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDevStack, removeDevStack, writeDevStack } from '../../services/cli/dev-stack';

const info = (pid: number) => ({
  pid,
  databaseUrl: 'postgresql://motcua:dev@127.0.0.1:5432/motcua',
  apiUrl: 'http://127.0.0.1:8080',
  temporalAddress: '127.0.0.1:7233',
  natsUrl: 'nats://127.0.0.1:4222',
});

describe('the running dev stack, as other CLI commands find it', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'motcua-dev-stack-'));
  afterEach(() => removeDevStack(home));

  it('is found while the motcua dev process lives', () => {
    writeDevStack(home, info(process.pid));
    expect(readDevStack(home)?.databaseUrl).toBe(info(process.pid).databaseUrl);
  });

  it('is ignored when the process that wrote it is gone (killed without cleanup)', () => {
    writeDevStack(home, info(2 ** 22 + 12345));
    expect(readDevStack(home)).toBeUndefined();
  });

  it('is ignored when the file is unreadable', () => {
    writeFileSync(path.join(home, 'dev-stack.json'), '{not json');
    expect(readDevStack(home)).toBeUndefined();
  });

  it('is gone once motcua dev stopped', () => {
    writeDevStack(home, info(process.pid));
    removeDevStack(home);
    expect(readDevStack(home)).toBeUndefined();
  });
});
