/*
 * A replica's server in words, for `tunegate show`, the page's run view and the runner's notes.
 * Imports nothing (the replica's shape is written out: the stored ServingReplica matches it), so
 * the page's bundle takes it as it is.
 */

/** Which server answered at one base URL, as a run's provenance records it. */
export interface ServedBy {
  baseUrl: string;
  server: string | null;
  version: string | null;
  contextLength: number | null;
  modelCheck: 'passed' | 'not-listed' | 'skipped' | 'unreachable';
}

/** How a replica's server reads in a note: "vLLM 0.8.4 at http://…/v1". */
export function describeServer(r: Pick<ServedBy, 'server' | 'version' | 'baseUrl'>): string {
  return `${r.server ?? 'an unidentified server'}${r.version !== null ? ` ${r.version}` : ''} at ${r.baseUrl}`;
}

const CHECK: Record<ServedBy['modelCheck'], string> = {
  passed: 'model listed',
  'not-listed': 'lists no models: model name not verified',
  skipped: 'model check skipped',
  unreachable: 'no answer before the run',
};

/** One replica on one line, for `show`: "vLLM 0.8.4 at http://…/v1 · context 4096 tokens · model listed". */
export function servingLine(r: ServedBy): string {
  return `${describeServer(r)}${r.contextLength !== null ? ` · context ${r.contextLength} tokens` : ''} · ${CHECK[r.modelCheck] ?? r.modelCheck}`;
}
