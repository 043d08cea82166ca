import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_MAX_CACHED_WORKFLOWS, loadConfig } from '../../services/config';

describe('worker memory bound (issue 12)', () => {
  it('bounds the workflow cache by default and keeps the shared V8 context', () => {
    const config = loadConfig({});
    expect(config.WORKER_MAX_CACHED_WORKFLOWS).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(DEFAULT_MAX_CACHED_WORKFLOWS).toBeLessThanOrEqual(1_000);
    expect(config.WORKER_REUSE_V8_CONTEXT).toBe(true);
  });

  it('takes the cache size and context mode from the environment', () => {
    const config = loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0', WORKER_REUSE_V8_CONTEXT: 'false' });
    expect(config.WORKER_MAX_CACHED_WORKFLOWS).toBe(0);
    expect(config.WORKER_REUSE_V8_CONTEXT).toBe(false);
  });

  it('refuses a negative cache size or a context mode other than true/false', () => {
    expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_REUSE_V8_CONTEXT: 'yes' })).toThrow(ConfigError);
  });
});
