/**
 * Intake: dossiers/s through `POST /v1/dossiers` (worker, projector and API in this process, as
 * `motcua dev` runs them) at concurrency 1/4/8/16/32, side by side with the bare-Temporal
 * baseline on the same server: an empty workflow started and updated once, as the API does.
 * Then a profiled run at the best concurrency: CPU per process, the main thread's CPU profile by
 * library, and where each intake's time goes in its workflow history.
 */
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { workflowIdFor } from '../../domain/dossier';
import { startServices } from '../../services/app';
import { createApiKey } from '../../services/keys';
import { metric, round } from './harness';
import {
  breakdownHistory,
  type HistoryEventLite,
  meanBreakdown,
  summariseCpuProfile,
  withCpuProfile,
} from './profile';
import { closedLoop, type Scenario, sleep } from './scenario';
import { cpuMsOfTree, scenarioConfig } from './stack';
import { pingUpdate } from './workflows/baseline';

const CONCURRENCY = [1, 4, 8, 16, 32];
const baselineWorkflowsPath = fileURLToPath(new URL('./workflows/baseline.ts', import.meta.url));

const eventTypeName = (n: number | null | undefined) =>
  (protos.temporal.api.enums.v1.EventType[n ?? 0] ?? String(n)).replace(/^EVENT_TYPE_/, '');
const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;

async function historyOf(client: Client, workflowId: string): Promise<HistoryEventLite[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => {
    const attrs =
      e.workflowTaskStartedEventAttributes ??
      e.workflowTaskCompletedEventAttributes ??
      e.activityTaskStartedEventAttributes ??
      e.activityTaskCompletedEventAttributes;
    return {
      id: Number(e.eventId),
      type: eventTypeName(e.eventType),
      at: ms(e.eventTime),
      activityType: e.activityTaskScheduledEventAttributes?.activityType?.name ?? undefined,
      scheduledEventId: attrs?.scheduledEventId == null ? undefined : Number(attrs.scheduledEventId),
    };
  });
}

export const intake: Scenario = {
  name: 'intake',
  description: 'POST /v1/dossiers vs bare Temporal start + update, concurrency 1–32',
  async run({ quick, log, stack, at }) {
    const bench = await stack();
    const config = scenarioConfig(bench.config, 'intake');
    const baselineQueue = `${config.TEMPORAL_TASK_QUEUE}-baseline`;
    const durationMs = quick ? 4_000 : 20_000;
    const levels = CONCURRENCY;

    log('intake: starting worker, projector and API in this process, and the baseline worker…');
    const services = await startServices(config, bench.logger, { worker: true, projector: true, api: true });
    const baselineWorker = await Worker.create({
      connection: await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS }),
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: baselineQueue,
      workflowsPath: baselineWorkflowsPath,
    });
    const baselineRun = baselineWorker.run();
    const client = services.temporal!;
    const { token } = await createApiKey(services.prisma, {
      role: 'intake',
      agencyCode: 'X-AN-BINH',
      name: `bench ${process.pid}`,
      createdBy: 'bench',
    });
    const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
    const codeOf = (kind: string, i: number) => `B${kind}-${tag}-${i}`;
    let seq = 0;
    const intakeCodes: string[] = [];

    const intakeOnce = async () => {
      const code = codeOf('I', seq++);
      const res = await fetch(`${services.apiUrl}/v1/dossiers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          code,
          procedureCode: 'MAU-DANG-KY-KET-HON',
          agencyCode: 'X-AN-BINH',
          channel: 'direct',
          applicant: { name: 'Nguyễn Văn An' },
          receivedAt: new Date(Date.now() - 1_000).toISOString(),
        }),
      });
      const text = await res.text();
      if (res.status !== 201)
        throw new Error(`POST /v1/dossiers answered ${res.status}: ${text.slice(0, 200)}`);
      intakeCodes.push(code);
    };
    const baselineCodes: string[] = [];
    const bareOnce = async () => {
      const workflowId = codeOf('E', seq++);
      const handle = await client.workflow.start('benchEmptyWorkflow', {
        workflowId,
        taskQueue: baselineQueue,
      });
      await handle.executeUpdate(pingUpdate);
      baselineCodes.push(workflowId);
    };

    try {
      // Warm-up: bundles loaded, connections and prepared statements in place.
      for (let i = 0; i < 5; i++) {
        await bareOnce();
        await intakeOnce();
      }
      const rows: {
        concurrency: number;
        intake: Omit<Awaited<ReturnType<typeof closedLoop>>, 'latencies'>;
        bareTemporal: Omit<Awaited<ReturnType<typeof closedLoop>>, 'latencies'>;
        ratio: number;
      }[] = [];
      for (const c of levels) {
        log(`intake: concurrency ${c}: bare Temporal for ${durationMs / 1000} s…`);
        const { latencies: _b, ...bare } = await closedLoop(c, durationMs, bareOnce);
        log(
          `  bare Temporal ${bare.perSecond}/s p50 ${bare.p50Ms} ms p99 ${bare.p99Ms} ms (${bare.errors} errors)`,
        );
        await sleep(500);
        log(`intake: concurrency ${c}: POST /v1/dossiers for ${durationMs / 1000} s…`);
        const { latencies: _i, ...mine } = await closedLoop(c, durationMs, intakeOnce);
        log(`  intake ${mine.perSecond}/s p50 ${mine.p50Ms} ms p99 ${mine.p99Ms} ms (${mine.errors} errors)`);
        if (mine.firstError) log(`  first intake error: ${mine.firstError}`);
        rows.push({
          concurrency: c,
          intake: mine,
          bareTemporal: bare,
          ratio: round(bare.perSecond > 0 ? mine.perSecond / bare.perSecond : 0, 2),
        });
        await sleep(500);
      }
      const best = rows.reduce((a, b) => (b.intake.perSecond > a.intake.perSecond ? b : a));
      const bestBare = rows.reduce((a, b) => (b.bareTemporal.perSecond > a.bareTemporal.perSecond ? b : a));

      // ── Profile at the best concurrency: intake, then bare starts, CPU per operation ──
      const pids = Object.fromEntries(bench.stack.processes.map((p) => [p.name, p.pid]));
      const cpuPerOp = async <T extends { count: number }>(run: () => Promise<T>) => {
        const self = process.cpuUsage();
        const servers = Object.fromEntries(
          await Promise.all(
            Object.entries(pids).map(async ([n, pid]) => [n, await cpuMsOfTree(pid)] as const),
          ),
        );
        const result = await run();
        const used = process.cpuUsage(self);
        const n = Math.max(1, result.count);
        const perOp: Record<string, number> = {
          'bench process (all threads)': round((used.user + used.system) / 1000 / n, 2),
        };
        for (const [name, pid] of Object.entries(pids)) {
          perOp[name] = round(((await cpuMsOfTree(pid)) - servers[name]!) / n, 2);
        }
        return { result, perOp };
      };
      const pgCommits = async () =>
        Number(
          (
            await services.prisma.$queryRawUnsafe<{ n: bigint }[]>(
              'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
            )
          )[0]?.n ?? 0,
        );
      await sleep(1_500); // let the projector catch up so its transactions count where they belong
      const commitsBefore = await pgCommits();
      log(`intake: profiling ${durationMs / 1000} s at concurrency ${best.concurrency}…`);
      const firstProfiled = intakeCodes.length;
      const {
        result: { result: profiled, profile },
        perOp: cpuPerIntakeMs,
      } = await cpuPerOp(async () => {
        const r = await withCpuProfile(() => closedLoop(best.concurrency, durationMs, intakeOnce));
        return { ...r, count: r.result.count };
      });
      const cpu = summariseCpuProfile(profile);
      // PostgreSQL statistics reach pg_stat_database within about a second.
      await sleep(2_000);
      const pgCommitsPerIntake = round(
        ((await pgCommits()) - commitsBefore) / Math.max(1, profiled.count),
        1,
      );
      log(`intake: bare Temporal ${durationMs / 1000} s at concurrency ${best.concurrency} for comparison…`);
      const firstBare = baselineCodes.length;
      const { result: bareProfiled, perOp: cpuPerBareMs } = await cpuPerOp(() =>
        closedLoop(best.concurrency, durationMs, bareOnce),
      );

      const sample = intakeCodes.slice(firstProfiled, firstProfiled + 200).filter((_, i) => i % 10 === 0);
      const intakeHistory = meanBreakdown(
        await Promise.all(
          sample.map(async (code) => breakdownHistory(await historyOf(client, workflowIdFor(code)))),
        ),
      );
      const bareSample = baselineCodes.slice(firstBare, firstBare + 200).filter((_, i) => i % 10 === 0);
      const bareHistory = meanBreakdown(
        await Promise.all(bareSample.map(async (id) => breakdownHistory(await historyOf(client, id)))),
      );
      // Projector: one transaction per event, serially; how far behind is it after the run?
      await sleep(2_000);
      const projected = await services.prisma.dossier.count({
        where: { code: { in: intakeCodes.slice(-500) } },
      });

      const profileDetails = {
        concurrency: best.concurrency,
        run: {
          perSecond: profiled.perSecond,
          p50Ms: profiled.p50Ms,
          p99Ms: profiled.p99Ms,
          count: profiled.count,
        },
        bareRun: {
          perSecond: bareProfiled.perSecond,
          p50Ms: bareProfiled.p50Ms,
          p99Ms: bareProfiled.p99Ms,
          count: bareProfiled.count,
        },
        cpuMsPerIntake: cpuPerIntakeMs,
        cpuMsPerBareStart: cpuPerBareMs,
        postgresTransactionsPerIntake: pgCommitsPerIntake,
        mainThreadCpu: { ...cpu, busyMsPerIntake: round(cpu.busyMs / Math.max(1, profiled.count), 2) },
        historyPerIntake: intakeHistory,
        historyPerBareStart: bareHistory,
        projectorLag: {
          lastIntakes: Math.min(500, intakeCodes.length),
          projectedTwoSecondsAfterRun: projected,
        },
      };

      // Best against best: the intake at its best concurrency against the bare start + update at
      // its own (the bare run's throughput wanders between levels; the same-concurrency ratio can
      // flatter the intake when the bare run dips, so it is only reported).
      const ratio = round(best.intake.perSecond / Math.max(1e-9, bestBare.bareTemporal.perSecond), 2);
      const note =
        `best intake ${best.intake.perSecond}/s (concurrency ${best.concurrency}) ÷ best bare Temporal start + update ${bestBare.bareTemporal.perSecond}/s (concurrency ${bestBare.concurrency}); ` +
        `at the intake's best concurrency the bare run gave ${best.bareTemporal.perSecond}/s (ratio ${best.ratio})` +
        (ratio < 0.7
          ? `; MISSED: per intake ${intakeHistory.workflowTasks} workflow task(s) and ${Object.values(intakeHistory.activities).reduce((s, a) => s + a.count, 0)} activity task(s) before its Update completes (bare: ${bareHistory.workflowTasks}), then the event's publication; CPU per operation in the profile below and "What dominates" in bench/results/README.md`
          : '');
      return {
        metrics: {
          'intake.ratioToBareTemporal': metric(
            'intake.ratioToBareTemporal',
            {
              status: ratio >= 0.7 ? 'met' : 'missed',
              value: ratio,
              baseline: {
                bareStartsPerSecond: bestBare.bareTemporal.perSecond,
                intakesPerSecond: best.intake.perSecond,
              },
              note,
            },
            at,
          ),
          'intake.p99Ms': metric(
            'intake.p99Ms',
            {
              status: 'reported',
              value: best.intake.p99Ms,
              baseline: best.bareTemporal.p99Ms,
              note: `at concurrency ${best.concurrency} (p50 ${best.intake.p50Ms} ms); baseline = bare start + update p99`,
            },
            at,
          ),
        },
        details: { durationMsPerLevel: durationMs, rows, profile: profileDetails },
        text: [
          'intake — dossiers/s (POST /v1/dossiers) vs bare Temporal start + update, same server',
          `${'conc'.padStart(5)}${'intake/s'.padStart(10)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'bare/s'.padStart(9)}${'p99'.padStart(8)}${'ratio'.padStart(7)}`,
          ...rows.map(
            (r) =>
              `${String(r.concurrency).padStart(5)}${String(r.intake.perSecond).padStart(10)}${String(r.intake.p50Ms).padStart(8)}${String(r.intake.p99Ms).padStart(8)}${String(r.bareTemporal.perSecond).padStart(9)}${String(r.bareTemporal.p99Ms).padStart(8)}${String(r.ratio).padStart(7)}`,
          ),
          `CPU ms per intake: ${JSON.stringify(cpuPerIntakeMs)}`,
          `CPU ms per bare start: ${JSON.stringify(cpuPerBareMs)}`,
          `main thread CPU by library: ${cpu.buckets.map((b) => `${b.bucket} ${b.share}%`).join(', ')}`,
          `per intake in Temporal: ${JSON.stringify(intakeHistory)}`,
          `per bare start: ${JSON.stringify(bareHistory)}`,
        ].join('\n'),
      };
    } finally {
      baselineWorker.shutdown();
      await baselineRun.catch(() => {});
      // Streams of one server may not share subjects: the next scenario makes its own.
      await services.nats.jsm.streams.delete(config.NATS_STREAM).catch(() => {});
      await services.stop();
    }
  },
};
