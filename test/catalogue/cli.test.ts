import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { catalogueCommand } from '../../services/cli/catalogue';
import { projectRoot } from '../../services/config';

const dir = mkdtempSync(path.join(tmpdir(), 'motcua-catalogue-'));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** Runs `motcua catalogue …` with no database (DATABASE_URL unset). */
async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const cmd = catalogueCommand({
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    database: () => undefined,
  });
  let exitCode = 0;
  try {
    await cmd.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    exitCode = e.exitCode;
  }
  return { stdout, stderr, exitCode };
}

describe('motcua catalogue import --dry-run without a database', () => {
  it('checks the file alone and says references were not checked', async () => {
    const r = await run([
      'import',
      path.join(projectRoot, 'prisma', 'catalogue', 'example.json'),
      '--dry-run',
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(
      'Tệp hợp lệ (chưa đối chiếu cơ sở dữ liệu): 1 cơ quan, 1 nhóm liên thông, 2 thủ tục.\n',
    );
    expect(r.stderr).toContain('chưa kiểm tra cơ sở dữ liệu');
  });

  it('exits with code 2 and prints the first errors of a bad file, row and field first', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `P-${i},Thủ tục ${i},commune,1,abc`);
    const p = file('bad.csv', ['code,name,level,deadlineWorkingDays,feeVnd', ...rows].join('\n'));
    const r = await run(['import', p, '--dry-run']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Danh mục không hợp lệ: 25 lỗi.');
    expect(r.stderr).toContain("lỗi (dòng 2, P-0, feeVnd): 'abc' không phải số nguyên không âm");
    expect(r.stderr).toContain('… và 5 lỗi khác');
    expect(r.stderr).not.toContain('P-24,');
  });

  it('prints machine-readable errors with --json, still exiting with code 2', async () => {
    const p = file('bad.json', JSON.stringify({ procedures: [{ code: 'P', name: 'n', level: 'xã' }] }));
    const r = await run(['import', p, '--dry-run', '--json']);
    expect(r.exitCode).toBe(2);
    const body = JSON.parse(r.stdout);
    expect(body).toMatchObject({ ok: false, format: 'json', offline: true });
    expect(body.errors[0]).toMatchObject({ severity: 'error', field: 'procedures.0.level', record: 'P' });
  });

  it('refuses to import for real without DATABASE_URL', async () => {
    const r = await run(['import', path.join(projectRoot, 'prisma', 'catalogue', 'example.csv')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('DATABASE_URL is not set');
  });

  it('exits with code 2 when the format cannot be told or the file is missing', async () => {
    expect((await run(['import', file('danh-muc.txt', 'x'), '--dry-run'])).exitCode).toBe(2);
    expect((await run(['import', path.join(dir, 'missing.json'), '--dry-run'])).stderr).toContain(
      'cannot read',
    );
    expect((await run(['import', 'x.json', '--format', 'xlsx'])).exitCode).toBe(2);
  });

  it('reads a file with another extension when --format says what it is', async () => {
    const p = file(
      'danh-muc.txt',
      'code,name,level,deadlineWorkingDays,steps\nP,Thủ tục,commune,1,a:A:officer:-:8\n',
    );
    const r = await run(['import', p, '--format', 'csv', '--dry-run']);
    expect(r).toMatchObject({ exitCode: 0, stdout: expect.stringContaining('1 thủ tục') });
  });
});
