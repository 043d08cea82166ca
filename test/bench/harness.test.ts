import { describe, expect, it } from 'vitest';
import {
  alertLatencies,
  latencyStats,
  mergeSummary,
  metric,
  parseArgs,
  percentile,
  placeholder,
  runLines,
  SUMMARY_KEYS,
  slope,
  summaryTable,
  UsageError,
} from './harness';
import { breakdownHistory, bucketOf, type HistoryEventLite, summariseCpuProfile } from './profile';

const machine = { cores: 2, cpu: 'x', memoryGb: 24, node: 'v20', platform: 'linux/x64', loadAverage: 1 };
const at = { measuredAt: '2026-11-30T12:00:00.000Z', quick: true };

describe('benchmark harness: percentiles', () => {
  it('takes the nearest-rank percentile of unsorted samples', () => {
    const samples = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 99)).toBe(10);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile([42], 99)).toBe(42);
    expect(percentile([], 50)).toBeNaN();
  });

  it('turns latencies of a closed-loop run into throughput, p50 and p99', () => {
    const latencies = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencyStats(latencies, 2_000, 3)).toEqual({
      count: 100,
      perSecond: 50,
      p50Ms: 50,
      p99Ms: 99,
      maxMs: 100,
      errors: 3,
    });
  });

  it('fits MB per 1,000 open dossiers as a least-squares slope', () => {
    expect(
      slope([
        { x: 0, y: 100 },
        { x: 1, y: 110 },
        { x: 10, y: 200 },
      ]),
    ).toBeCloseTo(10, 6);
    expect(slope([{ x: 1, y: 1 }])).toBeNaN();
  });
});

describe('benchmark harness: summary.json', () => {
  it('always holds every key of issue 12, unmeasured ones as not_implemented', () => {
    const summary = mergeSummary(undefined, {
      generatedAt: at.measuredAt,
      machine,
      quick: true,
      scenarios: ['calendar'],
      metrics: {
        'calendar.perSecond': metric('calendar.perSecond', { status: 'met', value: 2_000_000 }, at),
      },
      details: {},
    });
    expect(Object.keys(summary.metrics)).toEqual([...SUMMARY_KEYS]);
    expect(summary.metrics['calendar.perSecond']).toMatchObject({
      status: 'met',
      value: 2_000_000,
      target: '≥ 1000000',
      quick: true,
    });
    expect(summary.metrics['alerts.p99Ms']).toMatchObject({ status: 'not_implemented', value: null });
    expect(summary.metrics['audit.replayHistoriesPerSecond'].status).toBe('not_implemented');
  });

  it('keeps the metrics of scenarios not run this time', () => {
    const first = mergeSummary(undefined, {
      generatedAt: 'a',
      machine,
      quick: true,
      scenarios: ['intake'],
      metrics: { 'intake.p99Ms': metric('intake.p99Ms', { status: 'reported', value: 900 }, at) },
      details: { intake: { rows: [] } },
    });
    const second = mergeSummary(first, {
      generatedAt: 'b',
      machine: { ...machine, loadAverage: 0.1 },
      quick: false,
      scenarios: ['calendar'],
      metrics: { 'calendar.perSecond': metric('calendar.perSecond', { status: 'met', value: 1 }, at) },
      details: { calendar: {} },
    });
    expect(second.metrics['intake.p99Ms'].value).toBe(900);
    expect(second.metrics['calendar.perSecond'].value).toBe(1);
    expect(Object.keys(second.details).sort()).toEqual(['calendar', 'intake']);
    // Each scenario keeps the conditions of the run its numbers come from.
    expect(second.runs).toEqual({
      intake: { generatedAt: 'a', machine, quick: true },
      calendar: { generatedAt: 'b', machine: { ...machine, loadAverage: 0.1 }, quick: false },
    });
    expect(runLines(second)).toEqual([
      '- `calendar`: full run, 2 cores (x), 24 GB memory, Node v20, linux/x64; load average 0.1 at start; b',
      '- `intake`: `--quick` run, 2 cores (x), 24 GB memory, Node v20, linux/x64; load average 1 at start; a',
    ]);
  });

  it('renders one table line per key, named values included', () => {
    const summary = mergeSummary(undefined, {
      generatedAt: 'a',
      machine,
      quick: false,
      scenarios: [],
      metrics: {
        'projector.eventsPerSecond': metric(
          'projector.eventsPerSecond',
          { status: 'partial', value: { '1': 120.5, N: null }, note: 'a | b' },
          at,
        ),
      },
      details: {},
    });
    const table = summaryTable(summary).split('\n');
    expect(table).toHaveLength(2 + SUMMARY_KEYS.length);
    const projector = table.find((l) => l.includes('projector.eventsPerSecond'))!;
    expect(projector).toContain('1: 120.5; N: n/a');
    expect(projector).toContain('a \\| b');
    expect(placeholder('rates.p99MsLargest').target).toBe('≤ 20');
  });
});

describe('benchmark harness: command line', () => {
  const known = ['intake', 'projector', 'calendar', 'worker'];
  it('reads --quick, --scenario (repeated or comma-separated), --out and --open', () => {
    expect(
      parseArgs(
        ['--quick', '--scenario', 'intake,calendar', '-s', 'worker', '--out', 'x', '--open', '1k,10k'],
        known,
      ),
    ).toEqual({
      help: false,
      quick: true,
      render: false,
      scenarios: ['intake', 'calendar', 'worker'],
      outDir: 'x',
      open: [1_000, 10_000],
    });
    expect(parseArgs(['--help'], known).help).toBe(true);
    expect(parseArgs([], known).outDir).toBe('bench/results');
  });

  it('refuses unknown scenarios and options', () => {
    expect(() => parseArgs(['--scenario', 'alerts'], known)).toThrow(UsageError);
    expect(() => parseArgs(['--fast'], known)).toThrow(UsageError);
    expect(() => parseArgs(['--scenario'], known)).toThrow(UsageError);
  });
});

describe('benchmark harness: profile', () => {
  it('buckets sampled functions by library', () => {
    expect(bucketOf('file:///w/node_modules/@temporalio/client/lib/x.js', 'f')).toMatch(/Temporal/);
    expect(bucketOf('file:///w/generated/prisma/internal/class.ts', 'f')).toBe('Prisma client');
    expect(bucketOf('file:///w/services/api/auth.ts', 'f')).toBe('motcua code');
    expect(bucketOf('node:internal/streams', 'f')).toBe('Node.js core');
    expect(bucketOf('', '(garbage collector)')).toBe('garbage collector');
  });

  it('shares busy main-thread time among buckets, idle left out', () => {
    const s = summariseCpuProfile({
      startTime: 0,
      endTime: 1_000_000, // 1 s in µs
      nodes: [
        { id: 1, callFrame: { functionName: '(idle)', url: '' }, hitCount: 500 },
        { id: 2, callFrame: { functionName: 'q', url: 'file:///w/generated/prisma/c.ts' }, hitCount: 300 },
        { id: 3, callFrame: { functionName: 'h', url: 'file:///w/services/api/x.ts' }, hitCount: 200 },
      ],
    });
    expect(s.idleMs).toBe(500);
    expect(s.busyMs).toBe(500);
    expect(s.buckets).toEqual([
      { bucket: 'Prisma client', ms: 300, share: 60 },
      { bucket: 'motcua code', ms: 200, share: 40 },
    ]);
  });

  it('splits an intake history into task-queue waits, workflow tasks and activities', () => {
    const e = (id: number, type: string, at: number, extra: Partial<HistoryEventLite> = {}) => ({
      id,
      type,
      at,
      ...extra,
    });
    const history: HistoryEventLite[] = [
      e(1, 'WORKFLOW_EXECUTION_STARTED', 0),
      e(2, 'WORKFLOW_TASK_SCHEDULED', 0),
      e(3, 'WORKFLOW_TASK_STARTED', 10, { scheduledEventId: 2 }),
      e(4, 'WORKFLOW_TASK_COMPLETED', 30, { scheduledEventId: 2 }),
      e(5, 'ACTIVITY_TASK_SCHEDULED', 30, { activityType: 'planDossier' }),
      e(6, 'ACTIVITY_TASK_STARTED', 35, { scheduledEventId: 5 }),
      e(7, 'ACTIVITY_TASK_COMPLETED', 60, { scheduledEventId: 5 }),
      e(8, 'WORKFLOW_TASK_SCHEDULED', 60),
      e(9, 'WORKFLOW_TASK_STARTED', 70, { scheduledEventId: 8 }),
      e(10, 'WORKFLOW_TASK_COMPLETED', 80, { scheduledEventId: 8 }),
      e(11, 'WORKFLOW_EXECUTION_UPDATE_COMPLETED', 80),
      e(12, 'ACTIVITY_TASK_SCHEDULED', 80, { activityType: 'publishDossierEvent' }),
    ];
    expect(breakdownHistory(history)).toEqual({
      startToUpdateDoneMs: 80,
      workflowTasks: 2,
      workflowTaskQueueMs: 20,
      workflowTaskRunMs: 30,
      activities: { planDossier: { count: 1, queueMs: 5, runMs: 25 } },
    });
  });
});

describe('alert latency (due instant → first sighting)', () => {
  it('measures each dossier from its due instant and counts the ones never seen', () => {
    const due = new Map([
      ['A', 1_000],
      ['B', 2_000],
      ['C', 3_000],
    ]);
    const seen = new Map([
      ['A', 1_250],
      ['B', 1_900], // seen before its due instant: 0 ms, never negative
    ]);
    expect(alertLatencies(due, seen)).toEqual({ count: 2, p50Ms: 0, p99Ms: 250, maxMs: 250, missing: 1 });
  });
});
