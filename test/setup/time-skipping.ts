import { TestWorkflowEnvironment } from '@temporalio/testing';
import { dossierSearchAttributes, INDEXED_VALUE_TYPE } from '../../domain/search-attributes';
import { ensureTemporalTestServer, type InfraOptions } from '../../services/infra';

/**
 * The Java time-skipping test server with the dossier search attributes registered. It validates
 * upserts against its own registry (an unregistered attribute fails every workflow task with
 * "search attribute … is not defined") and starts empty; `createTimeSkipping` has no option for
 * them, but the server implements OperatorService.AddSearchAttributes (not List…). It has no
 * visibility queries: search-attribute queries are tested on the dev server.
 */
export async function createTimeSkippingEnvironment(
  opts: InfraOptions = {},
): Promise<TestWorkflowEnvironment> {
  const path = await ensureTemporalTestServer(opts);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path } },
  });
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(
        Object.entries(dossierSearchAttributes).map(([name, kind]) => [name, INDEXED_VALUE_TYPE[kind]]),
      ) as Record<string, never>,
    });
  } catch (err) {
    await env.teardown();
    throw err;
  }
  return env;
}
