/**
 * Audit: `motcua audit replay`'s code path (services/rates/replay.ts: every run of each dossier
 * workflow fetched from Temporal and replayed against the current workflow bundle) over N real
 * histories, and `motcua audit rebuild-counters`' code path (services/rates/audit.ts: the whole event
 * log folded again into buckets and diffed with the live ones) over their events.
 *
 * The histories are made through the real stack in this process (API, worker, projector): a third
 * of the dossiers only received, a third handed to processing, a third handed to processing and then withdrawn.
 */
import { type ReplayHistoriesIterable, type ReplayWorkerOptions, Worker } from '@temporalio/worker';
import { workflowIdFor } from '../../domain/dossier';
import { createMotcuaClient } from '../../services/api/client';
import { startServices } from '../../services/app';
import { createApiKey } from '../../services/keys';
import { rebuildCounters } from '../../services/rates/audit';
import {
  replayDossiers,
  replayDossiersInProcesses,
  replayProcessesFor,
  workflowBundleFor,
} from '../../services/rates/replay';
import { metric, round } from './harness';
import { type Scenario, sleep } from './scenario';

const sdkReplayer = (options: ReplayWorkerOptions, histories: ReplayHistoriesIterable) =>
  Worker.runReplayHistories(options, histories);

import { scenarioConfig } from './stack';

export const audit: Scenario = {
  name: 'audit',
  description: 'audit replay (histories/s) and rebuild-counters (events/s) over real histories',
  async run({ quick, log, stack, at }) {
    const bench = await stack();
    const config = scenarioConfig(bench.config, 'audit');
    // Enough histories for the replayer processes to pay for their start (MIN_HISTORIES_PER_PROCESS each).
    const dossiers = quick ? 45 : 1_000;
    log('audit: starting worker, projector and API in this process…');
    const services = await startServices(config, bench.logger, { worker: true, projector: true, api: true });
    const { prisma } = services;
    try {
      const key = async (role: 'intake' | 'officer') =>
        createMotcuaClient({
          baseUrl: services.apiUrl!,
          token: (
            await createApiKey(prisma, {
              role,
              agencyCode: 'X-AN-BINH',
              name: `bench audit ${role} ${process.pid}`,
              createdBy: 'bench',
            })
          ).token,
        });
      const desk = await key('intake');
      const officer = await key('officer');
      const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
      const codes: string[] = [];
      let errors = 0;
      let firstError: string | undefined;
      log(`audit: making ${dossiers} dossier histories through the API…`);
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < dossiers) {
            const i = next++;
            const code = `BAU-${tag}-${i}`;
            try {
              await desk.receive({
                code,
                procedureCode: 'MAU-DANG-KY-KET-HON',
                agencyCode: 'X-AN-BINH',
                channel: 'direct',
                applicant: { name: 'Lê Thị Cúc' },
                receivedAt: new Date(Date.now() - 1_000).toISOString(),
              });
              codes.push(code);
              if (i % 3 >= 1) await officer.handOff(code, {});
              if (i % 3 === 2) await desk.withdraw(code, { reason: 'Người nộp rút hồ sơ' });
            } catch (err) {
              errors += 1;
              firstError ??= String((err as Error)?.message ?? err);
            }
          }
        }),
      );
      if (firstError) log(`audit: ${errors} errors making histories, first: ${firstError}`);

      const t0 = performance.now();
      const workflowBundle = await workflowBundleFor();
      const bundleMs = round(performance.now() - t0);
      const targets = codes.map((code) => ({ workflowId: workflowIdFor(code), runId: '' }));
      // Every run of each workflow id, as replayTargets lists them (a run id, not "latest").
      const resolved = await Promise.all(
        targets.map(async (t) => ({
          workflowId: t.workflowId,
          runId: (await services.temporal!.workflow.getHandle(t.workflowId).describe()).runId,
        })),
      );
      // CPU of this process (replayer, history fetches, idle services) per history: steadier than
      // wall time on a shared machine.
      const timed = async (bundle: typeof workflowBundle, replayer?: typeof sdkReplayer) => {
        const t = performance.now();
        const cpu0 = process.cpuUsage();
        const result = await replayDossiers(services.temporal!, resolved, {
          workflowBundle: bundle,
          ...(replayer && { replayer }),
        });
        const ms = performance.now() - t;
        const cpu = process.cpuUsage(cpu0);
        return {
          outcome: result,
          ms,
          cpuMsPerHistory: round((cpu.user + cpu.system) / 1000 / Math.max(1, result.replayed), 1),
        };
      };
      // Optional side-by-side baseline: the same histories replayed with another checkout's workflows
      // (e.g. the code before a change), MOTCUA_BENCH_AUDIT_BASELINE_WORKFLOWS=<path to its workflows/>.
      const baselinePath = process.env.MOTCUA_BENCH_AUDIT_BASELINE_WORKFLOWS;
      let baseline: { perSecond: number; cpuMsPerHistory: number; failures: number } | undefined;
      if (baselinePath) {
        const b = await timed(await workflowBundleFor(baselinePath));
        baseline = {
          perSecond: round((b.outcome.replayed / b.ms) * 1000, 1),
          cpuMsPerHistory: b.cpuMsPerHistory,
          failures: b.outcome.failures.length,
        };
        log(
          `audit: baseline workflows (${baselinePath}): ${baseline.perSecond}/s, ${baseline.cpuMsPerHistory} ms CPU each, ${baseline.failures} failures`,
        );
      }
      // The side-by-side baseline: the same histories through the SDK's stock replayer
      // (`Worker.runReplayHistories`, watchdog and stack-trace hook on), run first.
      const stock = await timed(workflowBundle, sdkReplayer);
      const sdk = {
        perSecond: round((stock.outcome.replayed / stock.ms) * 1000, 1),
        cpuMsPerHistory: stock.cpuMsPerHistory,
        failures: stock.outcome.failures.length,
      };
      log(
        `audit: the SDK's stock replayer: ${sdk.perSecond}/s, ${sdk.cpuMsPerHistory} ms CPU each, ${sdk.failures} failures`,
      );
      const one = await timed(workflowBundle);
      const onePerSecond = round((one.outcome.replayed / one.ms) * 1000, 1);
      log(
        `audit: motcua's replayer, one process: ${one.outcome.replayed} histories in ${round(one.ms)} ms (${onePerSecond}/s, ${one.cpuMsPerHistory} ms CPU each; bundle ${bundleMs} ms), ${one.outcome.failures.length} failures`,
      );
      // What `motcua audit replay` runs by default: one replayer process per core as the number of
      // histories allows, their start (Node, tsx, the SDK, a connection each) included in the time.
      const processes = replayProcessesFor(resolved.length);
      const tp = performance.now();
      const outcome = await replayDossiersInProcesses(
        services.temporal!,
        {
          TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
          TEMPORAL_NAMESPACE: config.TEMPORAL_NAMESPACE,
          MOTCUA_PAYLOAD_KEYS: config.MOTCUA_PAYLOAD_KEYS,
          NODE_ENV: config.NODE_ENV,
        },
        resolved,
        { workflowBundle, processes },
      );
      const replayMs = performance.now() - tp;
      const replayPerSecond = round((outcome.replayed / replayMs) * 1000, 1);
      const cpuMsPerHistory = one.cpuMsPerHistory;
      log(
        `audit: motcua's replayer, ${processes} process(es): ${outcome.replayed} histories in ${round(replayMs)} ms (${replayPerSecond}/s), ${outcome.failures.length} failures`,
      );

      // Rebuild-counters over the whole event log once the projector has stored everything.
      let events = 0;
      for (let i = 0; i < 60; i++) {
        const n = await prisma.dossierEvent.count();
        if (n === events && n > 0) break;
        events = n;
        await sleep(1_000);
      }
      const t2 = performance.now();
      const differences = await rebuildCounters(prisma, '2000-01-01', '2100-12-31');
      const rebuildMs = performance.now() - t2;
      const rebuildPerSecond = round((events / rebuildMs) * 1000);
      log(
        `audit: rebuilt the counters from ${events} events in ${round(rebuildMs)} ms (${rebuildPerSecond}/s), ${differences.length} differences`,
      );
      const scope = `${outcome.replayed} real dossier histories (received / handed off / withdrawn, ${codes.length} dossiers)${quick ? ', quick: fewer histories' : ''}`;
      return {
        metrics: {
          'audit.replayHistoriesPerSecond': metric(
            'audit.replayHistoriesPerSecond',
            {
              status: replayPerSecond >= 100 && outcome.failures.length === 0 ? 'met' : 'missed',
              value: replayPerSecond,
              baseline: baseline?.perSecond ?? sdk.perSecond,
              note: `${baseline ? `baseline: the same histories replayed first with the workflows of ${baselinePath} (${baseline.cpuMsPerHistory} ms CPU per history, ${baseline.failures} failures); ` : `baseline: the same histories through the SDK's stock replayer (Worker.runReplayHistories), run first in this run: ${sdk.cpuMsPerHistory} ms CPU per history, ${sdk.failures} failures; `}the code path of \`motcua audit replay\` (fetch each history from Temporal, replay it) over ${scope}, in ${processes} replayer process(es) (one per core as the histories allow, their start included); one process alone: ${onePerSecond}/s, ${cpuMsPerHistory} ms of CPU per history; the workflow bundle is built once before (${bundleMs} ms, not counted); ${outcome.failures.length} nondeterminism failures`,
            },
            at,
          ),
          'audit.rebuildEventsPerSecond': metric(
            'audit.rebuildEventsPerSecond',
            {
              status: 'reported',
              value: rebuildPerSecond,
              note: `rebuildCounters (the code path of \`motcua audit rebuild-counters\`) over the whole event log: ${events} events, ${differences.length} differences with the live buckets`,
            },
            at,
          ),
        },
        details: {
          dossiers: codes.length,
          errors,
          replay: {
            histories: outcome.replayed,
            ms: round(replayMs),
            perSecond: replayPerSecond,
            processes,
            oneProcess: { perSecond: onePerSecond, cpuMsPerHistory, failures: one.outcome.failures.length },
            cpuMsPerHistory,
            bundleMs,
            sdkReplayer: sdk,
            ...(baseline && { baseline: { workflows: baselinePath, ...baseline } }),
            failures: outcome.failures.length,
          },
          rebuild: {
            events,
            ms: round(rebuildMs),
            perSecond: rebuildPerSecond,
            differences: differences.length,
          },
        },
        text: `audit — replay ${replayPerSecond} histories/s (${outcome.replayed}), rebuild-counters ${rebuildPerSecond} events/s (${events})`,
      };
    } finally {
      await services.nats.jsm.streams.delete(config.NATS_STREAM).catch(() => {});
      await services.stop();
    }
  },
};
