import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { unavailableDependency } from '../../services/api/errors';

/** What @temporalio/client throws when a gRPC call fails: a ServiceError around the gRPC error. */
const grpcFailure = (code: number, details: string) =>
  new ServiceError(`Failed to query Workflow: ${code} ${details}`, {
    cause: Object.assign(new Error(`${code} ${details}`), { code, details }),
  });

describe('an outage answers 503, never 500', () => {
  it('names the worker when a query finds no worker polling the task queue (killed or restarting)', () => {
    // Found by the fault suite: an action during a worker restart answered 500 internal_error.
    const err = grpcFailure(9, 'no poller seen for task queue recently, worker may be down');
    expect(unavailableDependency(err)).toBe('Temporal worker');
  });

  it('names Temporal when the server is unreachable or too slow', () => {
    expect(unavailableDependency(grpcFailure(14, 'UNAVAILABLE: connection refused'))).toBe('Temporal');
    expect(unavailableDependency(grpcFailure(4, 'DEADLINE_EXCEEDED'))).toBe('Temporal');
  });

  it('leaves any other failed precondition to the error handler (a bug stays a 500)', () => {
    expect(unavailableDependency(grpcFailure(9, 'workflow execution already completed'))).toBeUndefined();
  });
});
