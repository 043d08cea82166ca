import { describe, expect, it } from 'vitest';
import { dossierEventIssues } from '../../domain/event-check';
import { type DossierEvent, dossierEventSchema } from '../../domain/events';
import { loadHistories } from '../replay/histories';

/*
 * The workflow checks each event it emits with domain/event-check.ts (no zod in the workflow
 * bundle); the catalogue is domain/events.ts (zod). Both must give the same verdict on every event:
 * the events of the committed histories, and every field of each changed in the ways a bug could
 * change it.
 */

type HistoryJson = {
  events: {
    activityTaskScheduledEventAttributes?: {
      activityType?: { name?: string };
      input?: { payloads?: { data?: string }[] };
    };
  }[];
};

async function recordedEvents(): Promise<DossierEvent[]> {
  const out: DossierEvent[] = [];
  for (const { history } of await loadHistories()) {
    for (const e of (history as HistoryJson).events) {
      const a = e.activityTaskScheduledEventAttributes;
      const data = a?.activityType?.name === 'publishDossierEvent' ? a.input?.payloads?.[0]?.data : undefined;
      if (data) out.push(JSON.parse(Buffer.from(data, 'base64').toString('utf8')));
    }
  }
  return out;
}

const zodAccepts = (v: unknown) => dossierEventSchema.safeParse(v).success;
const checkAccepts = (v: unknown) => dossierEventIssues(v).length === 0;

/** Every path into a value (objects and arrays), the root excluded. */
function pathsOf(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...prefix, i], ...pathsOf(x, [...prefix, i])]);
  if (typeof v === 'object' && v !== null)
    return Object.entries(v).flatMap(([k, x]) => [[...prefix, k], ...pathsOf(x, [...prefix, k])]);
  return [];
}

function withValue(event: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(event) as Record<string | number, unknown>;
  let at = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === REMOVE) {
    if (Array.isArray(at)) at.splice(Number(last), 1);
    else delete at[last];
  } else at[last] = value;
  return copy;
}

const REMOVE = Symbol('remove');
const replacements: unknown[] = [
  REMOVE,
  undefined,
  null,
  0,
  -1,
  1.5,
  6,
  Number.POSITIVE_INFINITY,
  2 ** 60,
  '',
  'x',
  'A1',
  '12:30',
  '24:00',
  '2026-01-01T00:00:00',
  '2026-01-01T00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T00:00:00.123456+07:00',
  '2026-01-01T00:00:00+24:00',
  'late',
  'paper',
  'system',
  'working_hours',
  'day',
  true,
  false,
  [],
  ['x'],
  {},
];

describe('the workflow event check (domain/event-check.ts)', () => {
  it('gives the zod catalogue’s verdict on every recorded event and every change to its fields', async () => {
    const events = await recordedEvents();
    expect(events.length).toBeGreaterThan(100);
    const types = new Set<string>(events.map((e) => e.type));
    // The committed histories hold every kind of event of the catalogue.
    const schemas = new Map(dossierEventSchema.options.map((o) => [o.shape.type.value as string, o]));
    expect([...schemas.keys()].filter((t) => !types.has(t))).toEqual([]);
    let compared = 0;
    const disagreements: string[] = [];
    const seen = new Set<string>();
    for (const event of events) {
      // One sample of each type and shape is enough for the mutations.
      const shape = `${event.type}:${pathsOf(event)
        .map((p) => p.join('.'))
        .join(',')}`;
      const cases: unknown[] = [event];
      if (!seen.has(shape)) {
        seen.add(shape);
        // Fields present, and the optional ones absent from this event (envelope, payload, actor).
        const shapeOf = schemas.get(event.type)!.shape;
        const absent = [
          ...Object.keys(shapeOf).map((k) => [k]),
          ...Object.keys(shapeOf.payload.shape).map((k) => ['payload', k]),
          ['payload', 'actor', 'name'],
        ].filter((p) => !pathsOf(event).some((q) => q.join('.') === p.join('.')));
        const paths = [
          ...pathsOf(event),
          ...absent.filter((p) => p[1] !== 'actor' || 'actor' in event.payload),
        ];
        for (const path of paths) for (const value of replacements) cases.push(withValue(event, path, value));
      }
      for (const c of cases) {
        compared += 1;
        if (zodAccepts(c) !== checkAccepts(c))
          disagreements.push(`${JSON.stringify(c)}: zod ${zodAccepts(c)}, check ${checkAccepts(c)}`);
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(5_000);
  });

  it('refuses what is no dossier event at all', () => {
    for (const v of [null, undefined, 'dossier.received', [], {}, { type: 'dossier.unknown' }]) {
      expect(checkAccepts(v)).toBe(false);
      expect(zodAccepts(v)).toBe(false);
    }
  });

  it('names the field that fails', () => {
    const issues = dossierEventIssues({
      type: 'dossier.withdrawn',
      id: 'D-1:2',
      dossierCode: 'D-1',
      workflowId: 'dossier-D-1',
      seq: 2,
      version: 1,
      occurredAt: '2026-12-01T08:00:00+07:00',
      payload: { actor: { id: 'k1', role: 'intake', agencyCode: '' } },
    });
    expect(issues.map((i) => i.path.join('.'))).toEqual(['payload.actor.agencyCode']);
  });
});
