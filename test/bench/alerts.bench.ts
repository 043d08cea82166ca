/**
 * Alerts: due instant → `overdue_without_apology` alert on NATS (`alerts.<agency>.<kind>`) and on
 * the SSE stream `GET /v1/alerts/stream`, through the real stack in this process (API, worker,
 * projector, alerts consumer, as `motcua dev` runs them). Hour-deadline dossiers are received
 * through `POST /v1/dossiers` so that their due instants fall during the run, spread over a window.
 * Side by side in the same run, the baseline: a checker that polls the dossier table every 60 s
 * (desk software) for dossiers past their due instant without an apology.
 *
 * Timing the due instants: a bench agency works round the clock (agency calendar layer: every day
 * 00:00–24:00, so the run does not depend on Vietnam office hours) and a bench procedure has a
 * 1-working-hour deadline without a same-day cut-off; each dossier is received (receipt instant
 * accepted within MOTCUA_INSTANT_TOLERANCE_MINUTES, widened for this scenario) one hour before the
 * instant it should fall due.
 */
import { DeliverPolicy } from '@nats-io/jetstream';
import { alertSubject } from '../../domain/alerts';
import type { AlertMessage } from '../../services/alerts/publish';
import { startServices } from '../../services/app';
import { createApiKey } from '../../services/keys';
import { upsertReferenceData } from '../../services/reference';
import { alertLatencies, metric, percentile, round } from './harness';
import { type Scenario, sleep } from './scenario';
import { scenarioConfig } from './stack';

export const BENCH_ALERT_AGENCY = 'X-BENCH-24H';
export const BENCH_HOUR_PROCEDURE = 'BENCH-1-GIO-LAM-VIEC';
const HOUR_MS = 3_600_000;

export const alerts: Scenario = {
  name: 'alerts',
  description: 'due instant → overdue_without_apology on NATS and SSE vs a 60 s polling checker',
  async run({ quick, log, stack, at }) {
    const bench = await stack();
    const config = scenarioConfig(bench.config, 'alerts', { MOTCUA_INSTANT_TOLERANCE_MINUTES: '120' });
    const dossiers = quick ? 24 : 60;
    const spreadMs = quick ? 24_000 : 180_000;
    const pollMs = quick ? 8_000 : 60_000;

    log('alerts: starting worker, projector, alerts consumer and API in this process…');
    const services = await startServices(config, bench.logger, {
      worker: true,
      projector: true,
      api: true,
      alerts: true,
    });
    const { prisma, nats } = services;
    try {
      await upsertReferenceData(
        prisma,
        [
          {
            code: BENCH_ALERT_AGENCY,
            name: 'Bộ phận một cửa làm việc 24/7 (benchmark)',
            level: 'commune',
            parentCode: 'T-MAU',
            isSample: true,
          },
        ],
        [
          {
            code: BENCH_HOUR_PROCEDURE,
            name: 'Thủ tục thời hạn 1 giờ làm việc (benchmark)',
            level: 'commune',
            deadlineWorkingDays: null,
            deadlineWorkingHours: 1,
            sameDayCutoff: null,
            isSample: true,
          },
        ],
      );
      const override = {
        agencyCode: BENCH_ALERT_AGENCY,
        revision: 1,
        officeHours: {
          workingWeekdays: [1, 2, 3, 4, 5, 6, 7],
          intervals: [{ start: '00:00', end: '24:00' }],
        },
        source: 'benchmark: round-the-clock desk',
      };
      await prisma.agencyCalendar.upsert({
        where: { agencyCode_revision: { agencyCode: BENCH_ALERT_AGENCY, revision: 1 } },
        create: { agencyCode: BENCH_ALERT_AGENCY, revision: 1, override, createdBy: 'bench' },
        update: {},
      });
      const intakeKey = await createApiKey(prisma, {
        role: 'intake',
        agencyCode: BENCH_ALERT_AGENCY,
        name: `bench alerts intake ${process.pid}`,
        createdBy: 'bench',
      });
      const supervisorKey = await createApiKey(prisma, {
        role: 'supervisor',
        agencyCode: BENCH_ALERT_AGENCY,
        name: `bench alerts supervisor ${process.pid}`,
        createdBy: 'bench',
      });

      // Listeners first: NATS (the subject other systems subscribe to) and the SSE stream.
      const onNats = new Map<string, number>();
      const natsConsumer = await nats.js.consumers.get(config.NATS_ALERT_STREAM, {
        filter_subjects: alertSubject(BENCH_ALERT_AGENCY, 'overdue_without_apology'),
        deliver_policy: DeliverPolicy.New,
      });
      const natsMessages = await natsConsumer.consume();
      const natsLoop = (async () => {
        for await (const m of natsMessages) {
          const seenAt = Date.now();
          const a = m.json<AlertMessage>();
          if (a.change === 'raised' && a.dossierCode && !onNats.has(a.dossierCode))
            onNats.set(a.dossierCode, seenAt);
        }
      })();
      const onSse = new Map<string, number>();
      const sseAbort = new AbortController();
      const sse = await fetch(`${services.apiUrl}/v1/alerts/stream`, {
        headers: { authorization: `Bearer ${supervisorKey.token}` },
        signal: sseAbort.signal,
      });
      if (sse.status !== 200) throw new Error(`GET /v1/alerts/stream answered ${sse.status}`);
      const sseLoop = (async () => {
        const reader = sse.body!.getReader();
        const decoder = new TextDecoder();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          const seenAt = Date.now();
          buffer += decoder.decode(value, { stream: true });
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (!data || !/^event: raised$/m.test(frame)) continue;
            const a = JSON.parse(data) as AlertMessage;
            if (a.kind === 'overdue_without_apology' && a.dossierCode && !onSse.has(a.dossierCode))
              onSse.set(a.dossierCode, seenAt);
          }
        }
      })();

      // The baseline: desk software polling the dossier table every `pollMs`.
      const byPolling = new Map<string, number>();
      let polls = 0;
      const poll = async () => {
        polls += 1;
        const rows = await prisma.dossier.findMany({
          where: {
            agencyCode: BENCH_ALERT_AGENCY,
            completedAt: null,
            apologyIssuedAt: null,
            dueAt: { lte: new Date() },
          },
          select: { code: true },
        });
        const seenAt = Date.now();
        for (const r of rows) if (!byPolling.has(r.code)) byPolling.set(r.code, seenAt);
      };
      const poller = setInterval(() => void poll().catch(() => {}), pollMs);

      // Dossiers timed to fall due during the run, one every spreadMs / dossiers.
      const tag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
      const lead = 4_000 + dossiers * 400;
      const firstDue = Date.now() + lead;
      const dueOf = new Map<string, number>();
      let lateIntakes = 0;
      log(`alerts: receiving ${dossiers} dossiers due over ${spreadMs / 1000} s from +${lead / 1000} s…`);
      await Promise.all(
        Array.from({ length: 4 }, async (_, lane) => {
          for (let i = lane; i < dossiers; i += 4) {
            const code = `BA-${tag}-${i}`;
            const due = firstDue + Math.round((i * spreadMs) / dossiers);
            const res = await fetch(`${services.apiUrl}/v1/dossiers`, {
              method: 'POST',
              headers: { authorization: `Bearer ${intakeKey.token}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                code,
                procedureCode: BENCH_HOUR_PROCEDURE,
                agencyCode: BENCH_ALERT_AGENCY,
                channel: 'direct',
                applicant: { name: 'Trần Thị Bình' },
                receivedAt: new Date(due - HOUR_MS).toISOString(),
              }),
            });
            const body = (await res.json()) as { dueAt?: string };
            if (res.status !== 201 || !body.dueAt)
              throw new Error(
                `POST /v1/dossiers answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`,
              );
            const dueAt = Date.parse(body.dueAt);
            if (dueAt <= Date.now()) lateIntakes += 1;
            else dueOf.set(code, dueAt);
          }
        }),
      );
      const lastDue = Math.max(...dueOf.values());
      log(
        `alerts: ${dueOf.size} dossiers fall due during the run (${lateIntakes} received too late to time)`,
      );
      const deadline = lastDue + pollMs + 30_000;
      while (Date.now() < deadline) {
        const all = (m: Map<string, number>) => [...dueOf.keys()].every((c) => m.has(c));
        if (all(onNats) && all(onSse) && all(byPolling)) break;
        await sleep(500);
      }
      clearInterval(poller);
      await natsMessages.close();
      sseAbort.abort();
      await Promise.allSettled([natsLoop, sseLoop]);

      // Where the time goes, per dossier: the workflow's own instant of the overdue event (timer +
      // workflow task), the projector's row, the alert row (alerts consumer), the NATS sighting.
      const codes = [...dueOf.keys()];
      const stageRows = await prisma.$queryRawUnsafe<
        { code: string; recorded: string | null; projected: Date | null; alerted: Date | null }[]
      >(
        `SELECT d.code,
                (SELECT e.payload->>'recordedAt' FROM dossier_event e
                  WHERE e.dossier_code = d.code AND e.type = 'dossier.overdue' LIMIT 1) AS recorded,
                (SELECT e.recorded_at FROM dossier_event e
                  WHERE e.dossier_code = d.code AND e.type = 'dossier.overdue' LIMIT 1) AS projected,
                (SELECT min(a.created_at) FROM alert a
                  WHERE a.dossier_code = d.code AND a.kind = 'overdue_without_apology') AS alerted
           FROM dossier d WHERE d.code = ANY($1::text[])`,
        codes,
      );
      const stage = (f: (r: (typeof stageRows)[number]) => number | undefined) => {
        const xs = stageRows.map(f).filter((x): x is number => x !== undefined && Number.isFinite(x));
        return { p50Ms: round(percentile(xs, 50), 1), p99Ms: round(percentile(xs, 99), 1), n: xs.length };
      };
      const stages = {
        dueToWorkflowRecorded: stage((r) =>
          r.recorded ? Date.parse(r.recorded) - dueOf.get(r.code)! : undefined,
        ),
        workflowRecordedToProjected: stage((r) =>
          r.recorded && r.projected ? r.projected.getTime() - Date.parse(r.recorded) : undefined,
        ),
        workflowRecordedToAlertRow: stage((r) =>
          r.recorded && r.alerted ? r.alerted.getTime() - Date.parse(r.recorded) : undefined,
        ),
        alertRowToNats: stage((r) =>
          r.alerted && onNats.has(r.code) ? onNats.get(r.code)! - r.alerted.getTime() : undefined,
        ),
      };

      const natsStats = alertLatencies(dueOf, onNats);
      const sseStats = alertLatencies(dueOf, onSse);
      const pollStats = alertLatencies(dueOf, byPolling);
      const p99 = Math.max(natsStats.p99Ms, sseStats.p99Ms);
      const missing = natsStats.missing + sseStats.missing;
      const scaled = pollMs !== 60_000 ? ` (quick: interval scaled down to ${pollMs / 1000} s)` : '';
      const note =
        `${dueOf.size} 1-working-hour dossiers falling due over ${spreadMs / 1000} s; due instant → alert seen by a subscriber: ` +
        `NATS p50 ${natsStats.p50Ms} / p99 ${natsStats.p99Ms} ms, SSE p50 ${sseStats.p50Ms} / p99 ${sseStats.p99Ms} ms` +
        (missing > 0 ? `; ${natsStats.missing} missing on NATS, ${sseStats.missing} on SSE` : '') +
        `; baseline: polling the dossier table every ${pollMs / 1000} s${scaled}, p50 ${pollStats.p50Ms} ms`;
      return {
        metrics: {
          'alerts.p99Ms': metric(
            'alerts.p99Ms',
            {
              status: p99 <= 1000 && missing === 0 ? 'met' : 'missed',
              value: p99,
              baseline: pollStats.p99Ms,
              note,
            },
            at,
          ),
          'alerts.pollingBaselineP99Ms': metric(
            'alerts.pollingBaselineP99Ms',
            {
              status: 'reported',
              value: pollStats.p99Ms,
              note: `a checker polling the dossier table every ${pollMs / 1000} s${scaled} (${polls} polls), same dossiers, same run`,
            },
            at,
          ),
        },
        details: {
          dossiers: dueOf.size,
          lateIntakes,
          spreadMs,
          pollIntervalMs: pollMs,
          nats: natsStats,
          sse: sseStats,
          polling: pollStats,
          stages,
        },
        text: [
          'alerts — due instant → overdue_without_apology seen by a subscriber (ms)',
          `  NATS    p50 ${natsStats.p50Ms}  p99 ${natsStats.p99Ms}  max ${natsStats.maxMs}  missing ${natsStats.missing}`,
          `  SSE     p50 ${sseStats.p50Ms}  p99 ${sseStats.p99Ms}  max ${sseStats.maxMs}  missing ${sseStats.missing}`,
          `  stages: ${JSON.stringify(stages)}`,
          `  polling p50 ${pollStats.p50Ms}  p99 ${pollStats.p99Ms}  max ${pollStats.maxMs}  missing ${pollStats.missing} (every ${round(pollMs / 1000, 1)} s)`,
        ].join('\n'),
      };
    } finally {
      await services.nats.jsm.streams.delete(config.NATS_STREAM).catch(() => {});
      await services.stop();
    }
  },
};
