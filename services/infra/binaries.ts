import path from 'node:path';
import type { InfraContext } from './context';
import { formatDuration, isExecutable, which, withLock } from './tools';

/** One way of producing a missing binary (go install, apt-get, mvn, the SDK's download...). */
export interface Provisioner {
  /** Shown in logs and errors, e.g. 'go install github.com/temporalio/cli/cmd/temporal@v1.5.1'. */
  label: string;
  /** Why this step cannot run on this machine (no go, not root, no internet...), or undefined. */
  unavailable?: () => Promise<string | undefined>;
  /** Produces the binary and returns its path (usually `cachePath`). */
  run: () => Promise<string>;
}

export interface BinarySpec {
  /** Short name, e.g. 'temporal'. */
  name: string;
  /** Name of the overriding environment variable, e.g. 'MOTCUA_TEMPORAL_BIN'. */
  envVar: string;
  envValue: string | undefined;
  /** Executable names looked up on PATH (empty: skip PATH). */
  pathNames: string[];
  /** Extra directories searched after PATH (e.g. /usr/sbin, where apt may put daemons). */
  extraDirs?: string[];
  /** Where provisioned copies live under MOTCUA_HOME. */
  cachePath: string;
  provisioners: Provisioner[];
  /** Appended to the final error: what the user can do. */
  help: string;
}

export class BinaryNotFoundError extends Error {
  constructor(
    readonly binary: string,
    readonly attempts: string[],
    help: string,
  ) {
    super(`Could not find or provision ${binary}. Tried, in order:\n  - ${attempts.join('\n  - ')}\n${help}`);
    this.name = 'BinaryNotFoundError';
  }
}

/**
 * The one resolution chain: explicit env var → PATH → project cache → provisioners in order
 * (registries reachable here first, the SDK's own download last) → BinaryNotFoundError naming
 * every option. Provisioning runs under a cross-process lock and re-checks the cache inside it.
 */
export async function resolveBinary(ctx: InfraContext, spec: BinarySpec): Promise<string> {
  const log = ctx.logger.child({ binary: spec.name });
  const attempts: string[] = [];

  if (spec.envValue) {
    const file = path.resolve(spec.envValue);
    if (await isExecutable(file)) {
      log.info({ step: 'env', path: file }, `${spec.name}: using ${spec.envVar}`);
      return file;
    }
    throw new Error(`${spec.envVar}=${spec.envValue} is not an executable file`);
  }
  attempts.push(`${spec.envVar}: not set`);

  for (const name of spec.pathNames) {
    const found = await which(name, ctx.env.PATH ?? '', spec.extraDirs);
    if (found) {
      log.info({ step: 'path', path: found }, `${spec.name}: found on PATH`);
      return found;
    }
  }
  attempts.push(
    spec.pathNames.length ? `PATH: no ${spec.pathNames.join(' / ')}` : 'PATH: not searched for this binary',
  );

  const fromCache = async () => {
    if (!(await isExecutable(spec.cachePath))) return undefined;
    log.info({ step: 'cache', path: spec.cachePath }, `${spec.name}: found in cache`);
    return spec.cachePath;
  };
  const cached = await fromCache();
  if (cached) return cached;

  return withLock(ctx, spec.name, async () => {
    const builtMeanwhile = await fromCache();
    if (builtMeanwhile) return builtMeanwhile;
    attempts.push(`cache: no ${spec.cachePath}`);
    for (const step of spec.provisioners) {
      const why = await step.unavailable?.();
      if (why) {
        log.info({ step: step.label, skipped: why }, `${spec.name}: skipping ${step.label}`);
        attempts.push(`${step.label}: skipped (${why})`);
        continue;
      }
      const started = Date.now();
      log.info({ step: step.label }, `${spec.name}: provisioning with ${step.label}`);
      try {
        const produced = await step.run();
        if (!(await isExecutable(produced))) throw new Error(`no executable at ${produced} afterwards`);
        const took = formatDuration(Date.now() - started);
        log.info({ step: step.label, path: produced, tookMs: Date.now() - started }, `${spec.name}: ready`);
        ctx.progress(`${spec.name} ready at ${produced} (${step.label}, ${took})`);
        return produced;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.warn({ step: step.label, err: message }, `${spec.name}: ${step.label} failed`);
        attempts.push(`${step.label}: failed (${message.split('\n')[0]})`);
      }
    }
    throw new BinaryNotFoundError(spec.name, attempts, spec.help);
  });
}
