/**
 * `npm run bench`: runs the scenarios of issue 12, each side by side with its baseline in the same
 * run, on one stack started through services/infra, and writes `bench/results/summary.json` (every
 * key of the issue's table; scenarios not measurable yet are `not_implemented`) and
 * `bench/results/README.md` (table + machine). `--help` for the flags.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { alerts } from './alerts.bench';
import { audit } from './audit.bench';
import * as calendarBench from './calendar.bench';
import {
  type Machine,
  machineLine,
  mergeSummary,
  metric,
  parseArgs,
  round,
  runLines,
  type Summary,
  summaryTable,
  UsageError,
  usage,
} from './harness';
import { intake } from './intake.bench';
import { projector } from './projector.bench';
import { rates } from './rates.bench';
import type { Scenario, ScenarioContext, ScenarioResult } from './scenario';
import { type BenchStack, startBenchStack } from './stack';
import { workerMemory } from './worker-memory.bench';

const calendar: Scenario = {
  name: 'calendar',
  description: 'due computations/s: indexed vs naive day walking',
  async run({ quick, at }): Promise<ScenarioResult> {
    const result = await calendarBench.run({ quick });
    const mixed = result.rows.find((r) => r.workingDays.startsWith('1–30')) ?? result.rows[0]!;
    const ok =
      mixed.indexedOpsPerSec >= calendarBench.TARGET_OPS_PER_SEC && result.identicalResults.mismatches === 0;
    return {
      metrics: {
        'calendar.perSecond': metric(
          'calendar.perSecond',
          {
            status: ok ? 'met' : 'missed',
            value: mixed.indexedOpsPerSec,
            baseline: mixed.naiveOpsPerSec,
            note: `1–30 working days mixed, one core; ${mixed.speedup}× the naive day walk; identical results on ${result.identicalResults.checked} requests: ${result.identicalResults.mismatches === 0 ? 'yes' : `NO (${result.identicalResults.mismatches} mismatches)`}`,
          },
          at,
        ),
      },
      details: result,
      text: calendarBench.format(result),
    };
  },
};

export const scenarios: Scenario[] = [intake, projector, alerts, rates, audit, calendar, workerMemory];

function machine(): Machine {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    loadAverage: round(loadavg()[0] ?? 0, 2),
  };
}

type Json = Record<string, any>;

/** Tables of this run's scenario details (intake profile, worker memory) for the README. */
export function detailSections(details: Json): string {
  const out: string[] = [];
  const intakeRows = details.intake?.rows as Json[] | undefined;
  if (intakeRows) {
    out.push(
      '## Intake by concurrency (this run)',
      '',
      '| concurrency | intake/s | p50 ms | p99 ms | bare Temporal/s | bare p99 ms | ratio |',
      '|---|---|---|---|---|---|---|',
      ...intakeRows.map(
        (r) =>
          `| ${r.concurrency} | ${r.intake.perSecond} | ${r.intake.p50Ms} | ${r.intake.p99Ms} | ${r.bareTemporal.perSecond} | ${r.bareTemporal.p99Ms} | ${r.ratio} |`,
      ),
      '',
    );
  }
  const profile = details.intake?.profile as Json | undefined;
  if (profile) {
    const cpuRows = Object.keys(profile.cpuMsPerIntake).map(
      (k) => `| ${k} | ${profile.cpuMsPerIntake[k]} | ${profile.cpuMsPerBareStart?.[k] ?? '—'} |`,
    );
    const h = profile.historyPerIntake as Json;
    const b = profile.historyPerBareStart as Json;
    const acts = (x: Json) =>
      Object.entries(x.activities as Json)
        .map(([n, a]) => `${n} ×${a.count}: queue ${a.queueMs} ms, run ${a.runMs} ms`)
        .join('; ') || 'none';
    out.push(
      `## Intake profile (this run, concurrency ${profile.concurrency})`,
      '',
      `Profiled run: ${profile.run.perSecond} intakes/s (p50 ${profile.run.p50Ms} ms, p99 ${profile.run.p99Ms} ms); bare starts right after: ${profile.bareRun?.perSecond ?? '—'}/s.`,
      '',
      '| CPU ms per operation | per intake | per bare start + update |',
      '|---|---|---|',
      ...cpuRows,
      '',
      `Main thread of the bench process (API, activities, projector; workflow code runs in the SDK's workflow thread and Temporal core in Rust threads, not sampled here): ${profile.mainThreadCpu.busyMsPerIntake ?? '—'} ms busy per intake — ${(
        profile.mainThreadCpu.buckets as Json[]
      )
        .slice(0, 8)
        .map((x) => `${x.bucket} ${x.share}%`)
        .join(', ')}.`,
      '',
      '| inside Temporal, mean per operation (until its Update completed) | intake | bare start |',
      '|---|---|---|',
      `| start → Update completed, ms | ${h.startToUpdateDoneMs} | ${b.startToUpdateDoneMs} |`,
      `| workflow tasks | ${h.workflowTasks} | ${b.workflowTasks} |`,
      `| waiting for a worker (workflow task schedule → start), ms | ${h.workflowTaskQueueMs} | ${b.workflowTaskQueueMs} |`,
      `| running workflow tasks, ms | ${h.workflowTaskRunMs} | ${b.workflowTaskRunMs} |`,
      `| activities | ${acts(h)} | ${acts(b)} |`,
      '',
      `PostgreSQL transactions (autocommitted statements included) per intake: ${profile.postgresTransactionsPerIntake ?? '—'}.`,
      '',
      `Projector: ${profile.projectorLag.projectedTwoSecondsAfterRun} of the last ${profile.projectorLag.lastIntakes} intakes were projected 2 s after the run.`,
      '',
    );
  }
  const alerts = details.alerts as Json | undefined;
  if (alerts?.nats) {
    const st = (alerts.stages ?? {}) as Json;
    const stage = (k: string) => (st[k] ? `${st[k].p50Ms} / ${st[k].p99Ms}` : '—');
    out.push(
      '## Alerts (this run)',
      '',
      `${alerts.dossiers} dossiers with a 1-working-hour deadline fell due over ${alerts.spreadMs / 1000} s; the baseline checker polled every ${alerts.pollIntervalMs / 1000} s.`,
      '',
      '| due instant → seen by a subscriber, ms | p50 | p99 | max | missing |',
      '|---|---|---|---|---|',
      ...(['nats', 'sse', 'polling'] as const).map(
        (k) =>
          `| ${k === 'nats' ? 'NATS `alerts.<agency>.overdue_without_apology`' : k === 'sse' ? 'SSE `GET /v1/alerts/stream`' : 'polling the dossier table (baseline)'} | ${alerts[k].p50Ms} | ${alerts[k].p99Ms} | ${alerts[k].maxMs} | ${alerts[k].missing} |`,
      ),
      '',
      '| stage (p50 / p99 ms) | |',
      '|---|---|',
      `| due instant → the workflow records \`dossier.overdue\` (timer + workflow task) | ${stage('dueToWorkflowRecorded')} |`,
      `| recorded → projected (dossier_event row) | ${stage('workflowRecordedToProjected')} |`,
      `| recorded → alert row (publish activity, alerts consumer) | ${stage('workflowRecordedToAlertRow')} |`,
      `| alert row → seen on NATS | ${stage('alertRowToNats')} |`,
      '',
    );
  }
  const rateRows = details.rates?.rows as Json[] | undefined;
  if (rateRows) {
    out.push(
      `## Rates (this run: province of ${details.rates.communes} communes, ${details.rates.procedures} procedures, ${details.rates.year.from}..${details.rates.year.to})`,
      '',
      '| dossiers | bucket rows | rate query p50 / p99 ms (roll-ups) | same sums from bucket rows p50 / p99 ms | GROUP BY over dossiers p50 / p99 ms | equal numbers | load s |',
      '|---|---|---|---|---|---|---|',
      ...rateRows.map(
        (r) =>
          `| ${r.dossiers.toLocaleString('en-US')} | ${r.buckets.toLocaleString('en-US')} | ${r.query.p50Ms} / ${r.query.p99Ms} | ${r.bucketRowsWithoutRollup.p50Ms} / ${r.bucketRowsWithoutRollup.p99Ms} | ${r.groupBy.p50Ms} / ${r.groupBy.p99Ms} | ${r.sameNumbers ? 'yes' : 'NO'} | ${Math.round(r.loadMs / 1000)} |`,
      ),
      '',
    );
  }
  const auditDetails = details.audit as Json | undefined;
  if (auditDetails?.replay) {
    out.push(
      '## Audit (this run)',
      '',
      `Replay: ${auditDetails.replay.histories} histories in ${auditDetails.replay.ms} ms (${auditDetails.replay.perSecond}/s), bundle built once before in ${auditDetails.replay.bundleMs} ms, ${auditDetails.replay.failures} failures. Rebuild-counters: ${auditDetails.rebuild.events} events in ${auditDetails.rebuild.ms} ms (${auditDetails.rebuild.perSecond}/s), ${auditDetails.rebuild.differences} differences.`,
      '',
    );
  }
  const worker = details.worker?.variants as Json[] | undefined;
  if (worker) {
    out.push(
      '## Worker memory (this run)',
      '',
      '| worker | cache (workflows) | RSS MB by open dossiers | RSS MB after dossiers moved | Temporal dev server RSS MB |',
      '|---|---|---|---|---|',
      ...worker.map(
        (v) =>
          `| ${v.variant} | ${v.maxCachedWorkflows} | ${(v.points as Json[]).map((p) => `${p.open.toLocaleString('en-US')}: ${p.rssMb}`).join(' · ')} | ${((v.moves as Json[] | undefined) ?? []).map((m) => `${m.moved} moved: ${m.rssMb}`).join(' · ') || '—'} | ${(v.points as Json[]).map((p) => p.serverRssMb ?? '?').join(' · ')} |`,
      ),
      '',
    );
  }
  return out.join('\n');
}

export function readme(summary: Summary, analysis: string): string {
  return [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (test/bench/run.ts); issue 12 lists the keys and targets. Each',
    'scenario runs side by side with its baseline in the same run, on a stack started through',
    'services/infra (Temporal dev server, NATS JetStream, embedded PostgreSQL). `summary.json` has',
    'the same keys with more detail; `analysis.md` (below) is written by hand.',
    '',
    ...(summary.runs && Object.keys(summary.runs).length > 0
      ? [
          "**Runs** (each scenario's numbers come from one run; load average at its start):",
          '',
          ...runLines(summary),
        ]
      : [`**Machine:** ${machineLine(summary.machine, summary.generatedAt)}.`]),
    '',
    Object.values(summary.metrics).some((m) => m.quick)
      ? '**Rows marked (quick) come from `--quick` smoke runs (shorter, smaller); they are indicative only. Numbers are only comparable between runs on a quiet machine.**'
      : '**Full runs.** Numbers are only comparable between runs on a quiet machine.',
    '',
    summaryTable(summary),
    '',
    detailSections(summary.details as Json),
    analysis,
    '',
  ].join('\n');
}

/** Loads the last summary (metrics of scenarios not run now are kept). */
async function previousSummary(path: string): Promise<Partial<Summary> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Partial<Summary>;
  } catch {
    return undefined;
  }
}

/** Merges this run's metrics into DIR/summary.json (others keep their values) and renders DIR/README.md. */
async function writeResults(outDir: string, now: Parameters<typeof mergeSummary>[1]): Promise<Summary> {
  const summaryPath = join(outDir, 'summary.json');
  const previous = await previousSummary(summaryPath);
  // The first write of this run starts from the summary as it was before the run.
  previousAtStart.set(outDir, previousAtStart.get(outDir) ?? previous);
  const summary = mergeSummary(previousAtStart.get(outDir), now);
  await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
  const analysis = await readFile(join(outDir, 'analysis.md'), 'utf8').catch(() => '');
  await writeFile(join(outDir, 'README.md'), readme(summary, analysis));
  return summary;
}
const previousAtStart = new Map<string, Partial<Summary> | undefined>();

export async function main(argv: string[]): Promise<number> {
  const names = scenarios.map((s) => s.name);
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv, names);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${usage(names)}`);
    return 2;
  }
  if (args.help) {
    console.log(usage(names));
    return 0;
  }
  if (args.render) {
    const dir = resolve(args.outDir);
    const summary = await previousSummary(join(dir, 'summary.json'));
    if (!summary?.metrics) {
      console.error(`no summary.json in ${dir}: run the benchmarks first`);
      return 1;
    }
    const analysis = await readFile(join(dir, 'analysis.md'), 'utf8').catch(() => '');
    await writeFile(join(dir, 'README.md'), readme(summary as Summary, analysis));
    console.log(`→ ${join(dir, 'README.md')}`);
    return 0;
  }
  const t0 = performance.now();
  const log = (line: string) => {
    const s = ((performance.now() - t0) / 1000).toFixed(0).padStart(4);
    console.log(`[${s}s] ${line}`);
  };
  const selected =
    args.scenarios.length > 0 ? scenarios.filter((s) => args.scenarios.includes(s.name)) : scenarios;
  const startedAt = new Date().toISOString();
  const mach = machine();
  log(
    `bench ${args.quick ? '--quick ' : ''}${selected.map((s) => s.name).join(', ')} on ${mach.cores} cores, ${mach.memoryGb} GB (${round(freemem() / 2 ** 30, 1)} GB free), load ${mach.loadAverage}`,
  );

  let stack: BenchStack | undefined;
  let starting: Promise<BenchStack> | undefined;
  const ctx: ScenarioContext = {
    quick: args.quick,
    log,
    at: { measuredAt: startedAt, quick: args.quick },
    open: args.open,
    outDir: resolve(args.outDir),
    stack: () => {
      starting ??= startBenchStack(log).then((s) => {
        stack = s;
        return s;
      });
      return starting;
    },
  };
  const outDir = resolve(args.outDir);
  await mkdir(outDir, { recursive: true });
  const summaryPath = join(outDir, 'summary.json');
  const metrics: ScenarioResult['metrics'] = {};
  const details: Record<string, unknown> = {};
  const failures: string[] = [];
  try {
    for (const s of selected) {
      log(`── ${s.name}: ${s.description}`);
      try {
        const result = await s.run(ctx);
        Object.assign(metrics, result.metrics);
        details[s.name] = result.details;
        if (result.text) console.log(result.text);
      } catch (err) {
        failures.push(s.name);
        log(`${s.name} FAILED: ${(err as Error)?.stack ?? err}`);
      }
      // Written after every scenario, so a long run stopped half-way keeps what it measured.
      await writeResults(outDir, {
        generatedAt: startedAt,
        machine: mach,
        quick: args.quick,
        scenarios: selected.map((x) => x.name),
        metrics,
        details,
      });
    }
  } finally {
    if (stack) {
      log('stopping the stack…');
      await stack.stop();
    }
  }
  const summary = await writeResults(outDir, {
    generatedAt: startedAt,
    machine: mach,
    quick: args.quick,
    scenarios: selected.map((s) => s.name),
    metrics,
    details,
  });
  log(`→ ${summaryPath}\n→ ${join(outDir, 'README.md')}`);
  console.log(summaryTable(summary));
  return failures.length > 0 ? 1 : 0;
}

const isMain =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
