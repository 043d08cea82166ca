import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Committed scenario histories (JSON as the Temporal CLI and UI write it). */
export const historiesDir = fileURLToPath(new URL('../histories/', import.meta.url));

/** File names a scenario's runs are saved under: one per run after continue-as-new. */
export function historyFiles(scenario: string, runs: number): string[] {
  return Array.from({ length: runs }, (_, i) =>
    i === 0 ? `${scenario}.json` : `${scenario}.run${i + 1}.json`,
  );
}

/** The scenario a history file belongs to. */
export const scenarioOf = (file: string) => path.basename(file).replace(/(\.run\d+)?\.json$/, '');

export interface StoredHistory {
  file: string;
  /** Parsed JSON; `Worker.runReplayHistories` converts it with `historyFromJSON`. */
  history: unknown;
}

export async function loadHistories(dir = historiesDir): Promise<StoredHistory[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => ({ file, history: JSON.parse(await readFile(path.join(dir, file), 'utf8')) })),
  );
}
