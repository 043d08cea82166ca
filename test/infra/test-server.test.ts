import { execFileSync } from 'node:child_process';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { ensureTemporalTestServer } from '../../services/infra';
import { createLogger } from '../../services/logger';

const logger = createLogger('test-infra', process.env.LOG_LEVEL ?? 'warn');

/** pids of java test servers listening on `port` (started by our wrapper). */
function testServerPids(port: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `io.temporal.testserver.TestServer ${port}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

describe('ensureTemporalTestServer (Maven artifact + wrapper)', () => {
  it('gives a path TestWorkflowEnvironment.createTimeSkipping starts and connects to', async () => {
    const path = await ensureTemporalTestServer({ logger });
    expect(path).toMatch(/temporal-test-server$/);
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path } },
    });
    const port = env.address.split(':').at(-1) ?? '';
    try {
      expect(env.supportsTimeSkipping).toBe(true);
      const info = await env.connection.workflowService.getSystemInfo({});
      expect(info.capabilities).toBeDefined();
      // The test service (time skipping) answers too.
      const testService = env.connection.testService;
      expect(testService).toBeDefined();
      const time = await testService!.getCurrentTime({});
      expect(time.time).toBeDefined();
      expect(testServerPids(port)).toHaveLength(1);
    } finally {
      await env.teardown();
    }
    // The SDK SIGKILLs the wrapper; the wrapper's watcher stops java right after.
    const deadline = Date.now() + 5000;
    while (testServerPids(port).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(testServerPids(port)).toEqual([]);
  });
});
