import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePartitionSet } from '../../domain/partitions';
import { loadConfig, ownedPartitions, projectRoot } from '../../services/config';

/**
 * docker-compose.yml cannot run here (no Docker): these checks read it as compose would (YAML with
 * merge keys, `${VAR:-default}` / `${VAR:?message}` substitution, profiles) and check what the scale
 * profile promises: a 3-node NATS cluster with the same accounts, several workers, projectors and
 * alerts processes whose partitions cover every partition exactly once, and an environment every
 * motcua service's configuration loader accepts.
 */
interface Service {
  profiles?: string[];
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  configs?: Array<{ source: string; target: string }>;
  volumes?: string[];
  depends_on?: Record<string, unknown> | string[];
  deploy?: { replicas?: string | number };
}
interface Compose {
  services: Record<string, Service>;
  configs: Record<string, { content: string }>;
  volumes: Record<string, unknown>;
}

let raw: string;
let compose: Compose;

/** Compose's variable substitution; a missing `:?` variable fails like `docker compose config`. */
function substitute(value: string, env: Record<string, string>): string {
  return value
    .replace(/\$\{([A-Z0-9_]+)(?:(:-|:\?)([^}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (op === ':-') return arg ?? '';
      if (op === ':?') throw new Error(`${name}: ${arg}`);
      return '';
    })
    .replaceAll('$$', '$');
}

const secrets = {
  POSTGRES_PASSWORD: 'pg',
  MOTCUA_APP_DB_PASSWORD: 'app',
  NATS_WORKER_PASSWORD: 'w',
  NATS_PROJECTOR_PASSWORD: 'p',
  NATS_ALERTS_PASSWORD: 'a',
  NATS_API_PASSWORD: 'api',
  NATS_OPS_PASSWORD: 'ops',
  MOTCUA_EVENT_SIGNING_KEYS: `k1:${'s'.repeat(40)}`,
  MOTCUA_PAYLOAD_KEYS: `p1:${Buffer.alloc(32, 7).toString('base64')}`,
};
/** The scale settings of the compose file's header. */
const scaleEnv = {
  ...secrets,
  COMPOSE_PROFILES: 'scale',
  NATS_CONF: 'nats-cluster.conf',
  NATS_STREAM_REPLICAS: '3',
  WORKER_REPLICAS: '3',
  MOTCUA_NATS_URL: 'nats://nats:4222,nats://nats-2:4222,nats://nats-3:4222',
  PROJECTOR_PARTITIONS: '0-3',
  ALERTS_PARTITIONS: '0-3',
};

const active = (profiles: string[]) =>
  Object.entries(compose.services).filter(
    ([, s]) => !s.profiles || s.profiles.some((p) => profiles.includes(p)),
  );
const envOf = (s: Service, env: Record<string, string>) =>
  Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, substitute(String(v), env)]));

beforeAll(async () => {
  raw = await readFile(path.join(projectRoot, 'docker-compose.yml'), 'utf8');
  compose = parse(raw, { merge: true }) as Compose;
});

describe('docker-compose.yml', () => {
  it('references only configs, volumes and services it defines', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const c of s.configs ?? [])
        expect(compose.configs, `${name} → config ${c.source}`).toHaveProperty(c.source);
      for (const v of s.volumes ?? []) {
        const volume = v.split(':')[0]!;
        expect(compose.volumes, `${name} → volume ${volume}`).toHaveProperty(volume);
      }
      for (const d of Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}))
        expect(compose.services, `${name} → ${d}`).toHaveProperty(d);
    }
  });

  it('starts without the scale profile as one NATS server, one worker, one projector and one alerts process owning every partition', () => {
    const names = active([]).map(([n]) => n);
    expect(names).not.toContain('nats-2');
    expect(names).not.toContain('projector-2');
    const nats = compose.services.nats!;
    expect(substitute(nats.command!.join(' '), secrets)).toBe('-c /etc/nats/nats.conf');
    const projector = envOf(compose.services.projector!, secrets);
    expect(projector.PROJECTOR_PARTITIONS).toBe('all');
    expect(projector.NATS_URL).toBe('nats://nats:4222');
    expect(substitute(String(compose.services.worker!.deploy!.replicas), secrets)).toBe('1');
  });

  it('runs with the scale profile a 3-node NATS cluster with the same accounts and JetStream replicas 3', () => {
    const nodes = active(['scale']).filter(([, s]) => s.image?.startsWith('nats:'));
    expect(nodes.map(([n]) => n)).toEqual(['nats', 'nats-2', 'nats-3']);
    for (const [name, s] of nodes) {
      expect(substitute(s.command!.join(' '), scaleEnv), name).toBe('-c /etc/nats/nats-cluster.conf');
      expect(s.configs!.map((c) => c.target)).toEqual(['/etc/nats/nats.conf', '/etc/nats/nats-cluster.conf']);
    }
    expect(new Set(nodes.map(([, s]) => s.environment!.NATS_SERVER_NAME)).size).toBe(3);
    const cluster = substitute(compose.configs['nats-cluster.conf']!.content, {});
    expect(cluster).toContain('include ./nats.conf');
    expect(cluster).toContain('server_name: $NATS_SERVER_NAME');
    for (const host of ['nats', 'nats-2', 'nats-3']) expect(cluster).toContain(`nats-route://${host}:6222`);
    const worker = envOf(compose.services.worker!, scaleEnv);
    expect(worker.NATS_STREAM_REPLICAS).toBe('3');
    expect(worker.NATS_URL?.split(',')).toHaveLength(3);
    expect(substitute(String(compose.services.worker!.deploy!.replicas), scaleEnv)).toBe('3');
  });

  it('splits the partitions of the scale profile between its projectors, and between its alerts processes, each exactly once', () => {
    const services = active(['scale']);
    for (const [role, key] of [
      ['projector', 'PROJECTOR_PARTITIONS'],
      ['alerts', 'ALERTS_PARTITIONS'],
    ] as const) {
      const owners = services.filter(([, s]) => s.command?.[0] === role);
      expect(owners.length, role).toBeGreaterThanOrEqual(2);
      const owned = owners.flatMap(([, s]) => {
        const config = loadConfig(envOf(s, scaleEnv));
        return ownedPartitions(config, key);
      });
      const count = Number(envOf(owners[0]![1], scaleEnv).MOTCUA_EVENT_PARTITIONS);
      expect(
        owned.sort((a, b) => a - b),
        role,
      ).toEqual(parsePartitionSet('all', count));
    }
  });

  it('gives every motcua service an environment its configuration loader accepts, with and without the scale profile', () => {
    for (const env of [secrets, scaleEnv]) {
      for (const [name, s] of active(env === scaleEnv ? ['scale'] : [])) {
        if (!s.build) continue;
        expect(() => loadConfig(envOf(s, env)), name).not.toThrow();
      }
    }
  });

  it('refuses to start without its secrets', () => {
    expect(() => envOf(compose.services.projector!, {})).toThrow(
      /NATS_PROJECTOR_PASSWORD|MOTCUA_APP_DB_PASSWORD/,
    );
  });
});
