import { bundleWorkflowCode } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowsPath } from '../../services/worker';

// Every new (or evicted) dossier workflow evaluates the whole bundle: what it need not hold, it must not.
describe('the workflow bundle', () => {
  let code: string;
  beforeAll(async () => {
    const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
    ({ code } = await bundleWorkflowCode({ workflowsPath, logger: quiet }));
  }, 120_000);

  it('holds no calendar data, lunar calendar or calendar schemas (classification imports domain/calendar/classify)', () => {
    expect(code).toContain('domain/calendar/classify.ts');
    for (const module of [
      'calendar/data/vn-official.ts',
      'calendar/lunar.ts',
      'calendar/calendar.ts',
      'calendar/engine.ts',
    ]) {
      expect(code, module).not.toContain(module);
    }
  });

  it('holds no zod and no schema module: events are checked by domain/event-check.ts, bodies live in domain/actions/bodies.ts', () => {
    expect(code).toContain('domain/event-check.ts');
    expect(code).not.toMatch(/node_modules\/zod\//);
    for (const module of [
      'domain/events.ts',
      'domain/dossier.ts',
      'domain/instant-schema.ts',
      'domain/actions/bodies.ts',
      'domain/rulesets.ts',
      'domain/text.ts',
      'domain/commands.ts',
    ]) {
      expect(code, module).not.toContain(`"./${module}"`);
    }
  });
});
