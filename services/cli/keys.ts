/**
 * `motcua keys …` — API keys (khóa truy cập) in PostgreSQL (DATABASE_URL).
 *
 *   keys create --role ROLE --agency CODE --name NAME [--json]   prints the token once
 *   keys list [--agency CODE] [--all] [--json]
 *   keys revoke <id>
 *
 * Bad input (unknown role or agency, unknown key id) prints a message on stderr and exits with
 * code 2, like the other commands.
 */
import { userInfo } from 'node:os';
import { Command, Option } from 'commander';
import { formatVietnamInstant } from '../../domain/calendar';
import { roleSchema } from '../../domain/commands';
import { createPrisma, type PrismaClient } from '../db';
import { type ApiKeyInfo, ApiKeyInputError, createApiKey, listApiKeys, revokeApiKey } from '../keys';
import { cliDatabaseUrl } from './dev-stack';
import { cliIo } from './io';

export interface KeysCommandOptions {
  /** Opens the database (default: DATABASE_URL); the command disconnects it when done. */
  prisma?: () => PrismaClient;
  /** Recorded as `createdBy` (default `cli:<os user>`). */
  createdBy?: string;
  out?: (s: string) => void;
  err?: (s: string) => void;
}

function defaultPrisma(): PrismaClient {
  const url = cliDatabaseUrl();
  if (!url) {
    throw new Error('DATABASE_URL is not set and no `motcua dev` is running on this machine');
  }
  return createPrisma(url);
}

const vn = (d: Date | null) => (d ? formatVietnamInstant(d) : null);
const json = (k: ApiKeyInfo) => ({
  ...k,
  createdAt: vn(k.createdAt),
  revokedAt: vn(k.revokedAt),
  lastUsedAt: vn(k.lastUsedAt),
});

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c + ' '.repeat(widths[i]! - [...c].length))
        .join('  ')
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join('');
}

export function keysCommand(opts: KeysCommandOptions = {}): Command {
  const { out, err, configure, fail } = cliIo('keys', opts);
  const openPrisma = opts.prisma ?? defaultPrisma;
  const createdBy = opts.createdBy ?? `cli:${userInfo().username}`;

  const withPrisma = async <T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T> => {
    const prisma = openPrisma();
    try {
      return await fn(prisma);
    } catch (e) {
      if (e instanceof ApiKeyInputError) return fail(e.message);
      throw e;
    } finally {
      await prisma.$disconnect();
    }
  };

  const root = configure(
    new Command('keys').description(
      'API keys: each carries a role (intake, officer, supervisor, auditor, admin) and an agency scope.\n' +
        'Only a hash is stored; the token is printed once at creation. Needs DATABASE_URL.',
    ),
  );

  configure(
    root
      .command('create')
      .description('create a key; its token is printed once, alone on stdout (details on stderr)')
      .addOption(
        new Option('--role <role>', 'what the key may do').choices(roleSchema.options).makeOptionMandatory(),
      )
      .requiredOption(
        '--agency <code>',
        "agency scope (an agency code; '*' = all, for admin and auditor keys only)",
      )
      .requiredOption('--name <name>', 'who uses the key, e.g. "Phần mềm một cửa xã An Bình"')
      .option('--expires-in-days <n>', 'the key stops working after this many days', (v) => Number(v))
      .option('--json', 'print the key and its token as JSON')
      .addHelpText(
        'after',
        '\nThe token is not stored anywhere: keep it now (TOKEN=$(motcua keys create …) works).\n' +
          '\nExamples:\n' +
          '  motcua keys create --role intake --agency X-AN-BINH --name "Một cửa xã An Bình"\n' +
          '  motcua keys create --role supervisor --agency T-MAU --name "Văn phòng UBND tỉnh" --json\n' +
          '  motcua keys create --role auditor --agency \'*\' --name "Thanh tra"',
      ),
  ).action(
    async (o: { role: string; agency: string; name: string; expiresInDays?: number; json?: boolean }) => {
      if (o.expiresInDays !== undefined && !(o.expiresInDays > 0))
        return fail('--expires-in-days must be a positive number');
      const expiresAt =
        o.expiresInDays === undefined ? undefined : new Date(Date.now() + o.expiresInDays * 86_400_000);
      const { key, token } = await withPrisma((prisma) =>
        createApiKey(prisma, {
          role: o.role,
          agencyCode: o.agency,
          name: o.name,
          createdBy,
          ...(expiresAt && { expiresAt }),
        }),
      );
      if (o.json) {
        out(`${JSON.stringify({ ...json(key), token })}\n`);
        return;
      }
      err(
        `API key ${key.id} created: role ${key.role}, agency ${key.agencyCode}, name "${key.name}".\n` +
          'The token below is shown only now; send it as "Authorization: Bearer <token>".\n',
      );
      out(`${token}\n`);
    },
  );

  configure(
    root
      .command('list')
      .description('list keys (never their secrets), newest first')
      .option('--agency <code>', 'only the keys of this agency scope')
      .option('--all', 'include revoked keys')
      .option('--json', 'print JSON'),
  ).action(async (o: { agency?: string; all?: boolean; json?: boolean }) => {
    const keys = await withPrisma((prisma) =>
      listApiKeys(prisma, { agencyCode: o.agency, includeRevoked: o.all ?? false }),
    );
    if (o.json) {
      out(`${JSON.stringify(keys.map(json), null, 2)}\n`);
      return;
    }
    if (keys.length === 0) {
      out('no API keys\n');
      return;
    }
    const header = ['id', 'role', 'agency', 'name', 'created', 'last used', 'revoked'];
    out(
      table([
        header,
        ...keys.map((k) => [
          k.id,
          k.role,
          k.agencyCode,
          k.name,
          vn(k.createdAt)!,
          vn(k.lastUsedAt) ?? '-',
          vn(k.revokedAt) ?? '-',
        ]),
      ]),
    );
  });

  configure(
    root
      .command('revoke')
      .description('revoke a key at once (its requests answer 401 from now on)')
      .argument('<id>', 'key id, as shown by `motcua keys list` (the part after mck_)'),
  ).action(async (id: string) => {
    const key = await withPrisma((prisma) => revokeApiKey(prisma, id));
    if (!key) return fail(`no API key '${id}'`);
    out(`revoked ${key.id} (${key.role}, ${key.agencyCode}, "${key.name}") at ${vn(key.revokedAt)}\n`);
  });

  return root;
}
