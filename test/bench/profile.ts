/**
 * Profiling helpers of the intake scenario: where the main thread's CPU goes (V8 CPU profile
 * bucketed by library), and where an intake's wall time goes inside Temporal (its workflow
 * history: task queue waits, workflow tasks, activities, the Update).
 */
import { Session } from 'node:inspector/promises';

// ── CPU profile ───────────────────────────────────────────────────────────────────────────────

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** Which part of the process a sampled function belongs to. */
export function bucketOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'garbage collector';
    if (functionName === '(program)') return 'native (program)';
    return 'native (V8 builtins, addons)';
  }
  const rules: [RegExp, string][] = [
    [/node_modules\/@temporalio\//, 'Temporal SDK (client, worker, core bridge)'],
    [/generated\/prisma|node_modules\/@prisma\/|node_modules\/prisma\//, 'Prisma client'],
    [/node_modules\/(pg|pg-[a-z-]+|postgres-[a-z-]+)\//, 'pg driver'],
    [
      /node_modules\/(fastify|@fastify\/[^/]+|avvio|find-my-way|light-my-request|fast-json-stringify)\//,
      'Fastify',
    ],
    [/node_modules\/(pino|pino-[a-z-]+|sonic-boom|thread-stream)\//, 'pino logging'],
    [/node_modules\/zod\//, 'zod'],
    [/node_modules\/fastify-type-provider-zod\//, 'zod'],
    [/node_modules\/@nats-io\//, 'NATS client'],
    [/node_modules\/(protobufjs|@protobufjs\/[^/]+|long)\//, 'protobuf (Temporal payloads)'],
    [/node_modules\/(undici|tsx|esbuild)\//, 'fetch/tsx (bench driver)'],
    [/\/test\/bench\//, 'bench driver'],
    [/\/(services|domain|activities|workflows)\//, 'motcua code'],
    [/^node:|^internal\//, 'Node.js core'],
  ];
  for (const [re, name] of rules) if (re.test(url)) return name;
  return 'other';
}

/** Share of sampled main-thread time per bucket, largest first (idle excluded from the shares). */
export function summariseCpuProfile(profile: CpuProfile): {
  busyMs: number;
  idleMs: number;
  buckets: { bucket: string; ms: number; share: number }[];
  topFunctions: { fn: string; bucket: string; ms: number }[];
} {
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const totalHits = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
  const msPerHit = totalMs / totalHits;
  const byBucket = new Map<string, number>();
  const byFn = new Map<string, { bucket: string; ms: number }>();
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0) continue;
    const bucket = bucketOf(n.callFrame.url, n.callFrame.functionName);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + hits * msPerHit);
    if (bucket === 'idle') continue;
    const file = n.callFrame.url.replace(/^.*\/(node_modules\/)?/, '');
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${file}`;
    const prev = byFn.get(fn) ?? { bucket, ms: 0 };
    prev.ms += hits * msPerHit;
    byFn.set(fn, prev);
  }
  const idleMs = byBucket.get('idle') ?? 0;
  const busyMs = totalMs - idleMs;
  const buckets = [...byBucket]
    .filter(([b]) => b !== 'idle')
    .map(([bucket, ms]) => ({
      bucket,
      ms: Math.round(ms),
      share: busyMs > 0 ? Math.round((ms / busyMs) * 1000) / 10 : 0,
    }))
    .sort((a, b) => b.ms - a.ms);
  const topFunctions = [...byFn]
    .map(([fn, v]) => ({ fn, bucket: v.bucket, ms: Math.round(v.ms) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 12);
  return { busyMs: Math.round(busyMs), idleMs: Math.round(idleMs), buckets, topFunctions };
}

/** Runs `fn` under the V8 sampling profiler of this (main) thread. */
export async function withCpuProfile<T>(fn: () => Promise<T>): Promise<{ result: T; profile: CpuProfile }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  try {
    const result = await fn();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
    return { result, profile };
  } finally {
    session.disconnect();
  }
}

// ── Workflow histories ────────────────────────────────────────────────────────────────────────

export interface HistoryEventLite {
  type: string;
  /** ms since epoch */
  at: number;
  activityType?: string;
  /** For *_STARTED/*_COMPLETED: the event id of the scheduling event. */
  scheduledEventId?: number;
  id: number;
}

export interface HistoryBreakdown {
  /** Start of the workflow → the intake's Update completed (what the API waits for). */
  startToUpdateDoneMs: number;
  workflowTasks: number;
  /** Sum over workflow tasks of schedule → start (waiting for a worker poller). */
  workflowTaskQueueMs: number;
  /** Sum over workflow tasks of start → complete (worker running workflow code). */
  workflowTaskRunMs: number;
  activities: Record<string, { count: number; queueMs: number; runMs: number }>;
}

function activityEntry(map: HistoryBreakdown['activities'], name: string) {
  let a = map[name];
  if (!a) {
    a = { count: 0, queueMs: 0, runMs: 0 };
    map[name] = a;
  }
  return a;
}

/** Where one workflow's time went, up to its first completed Update. */
export function breakdownHistory(events: readonly HistoryEventLite[]): HistoryBreakdown {
  const start = events[0]?.at ?? 0;
  const done = events.find((e) => e.type === 'WORKFLOW_EXECUTION_UPDATE_COMPLETED');
  const end = done?.at ?? events[events.length - 1]?.at ?? start;
  const byId = new Map(events.map((e) => [e.id, e]));
  const out: HistoryBreakdown = {
    startToUpdateDoneMs: end - start,
    workflowTasks: 0,
    workflowTaskQueueMs: 0,
    workflowTaskRunMs: 0,
    activities: {},
  };
  for (const e of events) {
    if (e.at > end) break;
    const scheduled = e.scheduledEventId === undefined ? undefined : byId.get(e.scheduledEventId);
    if (e.type === 'WORKFLOW_TASK_STARTED' && scheduled) {
      out.workflowTasks += 1;
      out.workflowTaskQueueMs += e.at - scheduled.at;
    } else if (e.type === 'WORKFLOW_TASK_COMPLETED' && scheduled) {
      const started = events.find(
        (x) => x.type === 'WORKFLOW_TASK_STARTED' && x.scheduledEventId === e.scheduledEventId,
      );
      if (started) out.workflowTaskRunMs += e.at - started.at;
    } else if (e.type === 'ACTIVITY_TASK_STARTED' && scheduled) {
      const a = activityEntry(out.activities, scheduled.activityType ?? '?');
      a.count += 1;
      a.queueMs += e.at - scheduled.at;
    } else if (e.type === 'ACTIVITY_TASK_COMPLETED' && scheduled) {
      const started = events.find(
        (x) => x.type === 'ACTIVITY_TASK_STARTED' && x.scheduledEventId === e.scheduledEventId,
      );
      const a = activityEntry(out.activities, scheduled.activityType ?? '?');
      if (started) a.runMs += e.at - started.at;
    }
  }
  return out;
}

/** Mean of several breakdowns (per intake). */
export function meanBreakdown(items: readonly HistoryBreakdown[]): HistoryBreakdown {
  const n = items.length || 1;
  const r = (x: number) => Math.round((x / n) * 10) / 10;
  const activities: HistoryBreakdown['activities'] = {};
  for (const b of items) {
    for (const [k, v] of Object.entries(b.activities)) {
      const a = activityEntry(activities, k);
      a.count += v.count;
      a.queueMs += v.queueMs;
      a.runMs += v.runMs;
    }
  }
  for (const a of Object.values(activities)) {
    a.count = r(a.count);
    a.queueMs = r(a.queueMs);
    a.runMs = r(a.runMs);
  }
  return {
    startToUpdateDoneMs: r(items.reduce((s, b) => s + b.startToUpdateDoneMs, 0)),
    workflowTasks: r(items.reduce((s, b) => s + b.workflowTasks, 0)),
    workflowTaskQueueMs: r(items.reduce((s, b) => s + b.workflowTaskQueueMs, 0)),
    workflowTaskRunMs: r(items.reduce((s, b) => s + b.workflowTaskRunMs, 0)),
    activities,
  };
}
