import type { JetStreamManager } from '@nats-io/jetstream';
import { inject } from 'vitest';
import { type Config, loadConfig } from '../../services/config';
import { createLogger } from '../../services/logger';

/** Config pointing at the shared test stack; the API listens on a free port. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const stack = inject('stack');
  return loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: stack.databaseUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    NATS_URL: stack.natsUrl,
    NATS_STREAM: stack.natsStream,
    MOTCUA_EVENT_SIGNING_KEYS: stack.eventSigningKeys,
    MOTCUA_PAYLOAD_KEYS: stack.payloadKeys,
    API_PORT: '0',
    // Most integration tests date their actions on a fixed business calendar (2030) rather than
    // the machine's clock: they run with a century of tolerance. Tests of the instant rules
    // themselves pass the production default (15 minutes) explicitly.
    MOTCUA_INSTANT_TOLERANCE_MINUTES: String(100 * 365 * 24 * 60),
    ...overrides,
  });
}

export const testLogger = () => createLogger('test', process.env.LOG_LEVEL ?? 'warn');

/**
 * Polls until `probe` returns a value (not undefined/null) or the time runs out. The default is
 * generous: CI runs the integration files in parallel on 2 cores, and these tests check what
 * happens, not how fast (latency is the benchmarks' business).
 */
export async function eventually<T>(
  probe: () => Promise<T | null | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== null) return v;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

let counter = 0;
/** A dossier code unique to this test run. */
export function uniqueCode(prefix = 'T'): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/**
 * The next sequence of the shared test stream. A consumer group a test file creates starts here:
 * the stream already holds every other file's events, and reading them all first (CI runs the files
 * in parallel) can take longer than the test's patience.
 */
export async function streamTail(jsm: JetStreamManager, stream = testConfig().NATS_STREAM): Promise<number> {
  return (await jsm.streams.info(stream)).state.last_seq + 1;
}
