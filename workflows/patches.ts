import { inWorkflowContext, patched } from '@temporalio/workflow';

/**
 * `patched(id)` for decisions shared with code outside a workflow (the backfill dry run in the
 * API runs the same decide functions): outside a workflow the current behaviour applies.
 */
export const isPatched = (id: string): boolean => (inWorkflowContext() ? patched(id) : true);
