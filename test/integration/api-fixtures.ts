import type { Role } from '../../domain/commands';
import { createMotcuaClient, type IntakeInput, type MotcuaClient } from '../../services/api/client';
import { type RunningServices, startServices } from '../../services/app';
import type { WorkerDeps } from '../../services/worker';
import { createTestKey } from './auth-helpers';
import { testConfig, testLogger, uniqueCode } from './helpers';

/**
 * A running motcua (worker, projector, API) plus agencies of its own under the sample province
 * T-MAU, so lists and counts in one test file are not disturbed by dossiers of another, and typed
 * clients holding real API keys for them.
 */
export interface ApiWorld {
  services: RunningServices;
  /** Two communes of this world: dossiers are received by `agency` unless a test says otherwise. */
  agency: string;
  otherAgency: string;
  /** A client with a fresh key of `role` at `agencyCode` (default: this world's agency). */
  as(role: Role, agencyCode?: string): Promise<MotcuaClient>;
  /** A dossier body received by this world's agency. */
  intake(code: string, overrides?: Partial<IntakeInput>): IntakeInput;
  stop(): Promise<void>;
}

export async function startApiWorld(
  prefix: string,
  opts: { alerts?: boolean; config?: Record<string, string>; worker?: WorkerDeps['overrides'] } = {},
): Promise<ApiWorld> {
  const services = await startServices(
    testConfig(opts.config),
    testLogger(),
    { worker: true, projector: true, api: true, ...(opts.alerts && { alerts: true }) },
    opts.worker,
  );
  const suffix = uniqueCode(prefix).replace(/[^A-Za-z0-9-]/g, '-');
  const agency = `X-${suffix}`;
  const otherAgency = `Y-${suffix}`;
  await services.prisma.agency.createMany({
    data: [
      { code: agency, name: `Ủy ban nhân dân xã ${prefix} (test)`, level: 'commune', parentCode: 'T-MAU' },
      {
        code: otherAgency,
        name: `Ủy ban nhân dân xã ${prefix} khác (test)`,
        level: 'commune',
        parentCode: 'T-MAU',
      },
    ],
  });
  const clients = new Map<string, MotcuaClient>();
  return {
    services,
    agency,
    otherAgency,
    async as(role, agencyCode = agency) {
      const id = `${role}@${agencyCode}`;
      let client = clients.get(id);
      if (!client) {
        const key = await createTestKey(services.prisma, { role, agencyCode });
        client = createMotcuaClient({ baseUrl: services.apiUrl!, token: key.token });
        clients.set(id, client);
      }
      return client;
    },
    intake: (code, overrides = {}) => ({
      code,
      procedureCode: 'MAU-DANG-KY-KET-HON',
      agencyCode: agency,
      channel: 'direct',
      applicant: { name: 'Nguyễn Văn An' },
      // Thứ Hai 2 Nov 2026, 08:00 → 5 working days → Mon 9 Nov 08:00.
      receivedAt: '2026-11-02T08:00:00+07:00',
      ...overrides,
    }),
    stop: () => services.stop(),
  };
}
