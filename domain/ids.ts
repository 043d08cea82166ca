/*
 * Identifiers derived from a dossier code. Zod-free: the workflow bundle imports them (every new
 * workflow evaluates the bundle's modules again, test/workflow/bundle.test.ts).
 */

/** One workflow per dossier; its id is derived from the code so duplicates collide. */
export function workflowIdFor(dossierCode: string): string {
  return `dossier-${dossierCode}`;
}

/** JetStream `Nats-Msg-Id` and event id: `<dossier code>:<sequence>`. */
export function eventIdFor(dossierCode: string, seq: number): string {
  return `${dossierCode}:${seq}`;
}
