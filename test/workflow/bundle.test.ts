import { bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../services/worker';

// Every new (or evicted) dossier workflow evaluates the whole bundle: what it need not hold, it must not.
describe('the workflow bundle', () => {
  it('holds no calendar data, lunar calendar or calendar schemas (classification imports domain/calendar/classify)', async () => {
    const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
    expect(code).toContain('domain/calendar/classify.ts');
    for (const module of [
      'calendar/data/vn-official.ts',
      'calendar/lunar.ts',
      'calendar/calendar.ts',
      'calendar/engine.ts',
    ]) {
      expect(code, module).not.toContain(module);
    }
  }, 120_000);
});
