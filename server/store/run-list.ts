import type { Database } from 'better-sqlite3';
import { fromRow, SELECT, type Row } from './run-rows.js';
import type { Run, RunKind, RunStatus } from './types.js';

export interface RunFilter {
  /** Default 'eval'; 'any' for both kinds. */
  kind?: RunKind | 'any';
  checkpointId?: number;
  status?: RunStatus;
  limit?: number;
  /** Only runs with an id below this (cursor paging, newest first). */
  before?: number;
  /** Only each checkpoint's newest run among those the filter matches (one query for charts across checkpoints). */
  newestPerCheckpoint?: boolean;
  /** A folded search term (shared/text-search.ts searchTerm): runs whose checkpoint name contains it, or whose id it is. */
  search?: string;
  /** Order by the checkpoint's step (highest first, checkpoints without a step last), then newest run: the default head's order (runs/select.ts). */
  byStep?: boolean;
}

/** A run's id, checkpoint and end: what choosing runs needs, without parsing their JSON columns. */
export interface RunHead {
  id: number;
  checkpointId: number;
  finishedAt: string | null;
}

/** Runs matching `filter`, newest first: the one query behind every run list (built from fixed conditions, values bound). */
export function listRuns(db: Database, filter: RunFilter): Run[] {
  const { sql, params } = runQuery(SELECT, filter);
  return (db.prepare(sql).all(params) as Row[]).map(fromRow);
}

/** listRuns' runs as heads only (ids, checkpoint, end): a chart over thousands of checkpoints parses only the runs it shows. */
export function listRunHeads(db: Database, filter: RunFilter): RunHead[] {
  const { sql, params } = runQuery('SELECT runs.id AS id, runs.checkpoint_id AS checkpointId, runs.finished_at AS finishedAt FROM runs', filter);
  return db.prepare(sql).all(params) as RunHead[];
}

function runQuery(select: string, filter: RunFilter): { sql: string; params: Record<string, unknown> } {
  // Evaluations unless asked otherwise: a categorization's numbers are not a checkpoint's scores.
  const kind = filter.kind ?? 'eval';
  const where: string[] = kind === 'any' ? [] : ['runs.kind = @kind'];
  const params: Record<string, unknown> = kind === 'any' ? {} : { kind };
  if (filter.checkpointId !== undefined) {
    where.push('runs.checkpoint_id = @checkpointId');
    params.checkpointId = filter.checkpointId;
  }
  if (filter.status !== undefined) {
    where.push('runs.status = @status');
    params.status = filter.status;
  }
  if (filter.search !== undefined && filter.search !== '') {
    // search_fold is registered by openStore; the term is bound. A subquery, so it reads the same inside newestPerCheckpoint's.
    where.push(`(runs.checkpoint_id IN (SELECT checkpoints.id FROM checkpoints WHERE instr(search_fold(checkpoints.name), @search) > 0)${/^\d+$/.test(filter.search) ? ' OR runs.id = @searchId' : ''})`);
    params.search = filter.search;
    if (/^\d+$/.test(filter.search)) params.searchId = Number(filter.search);
  }
  if (filter.before !== undefined) {
    where.push('runs.id < @before');
    params.before = filter.before;
  }
  params.limit = filter.limit ?? -1;
  // The same conditions inside the subquery name its own `runs` (the inner table shadows the outer).
  const matching = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const cond = filter.newestPerCheckpoint === true ? `WHERE runs.id IN (SELECT MAX(runs.id) FROM runs ${matching} GROUP BY runs.checkpoint_id)` : matching;
  const order = filter.byStep === true ? 'checkpoints.step IS NULL, checkpoints.step DESC, runs.id DESC' : 'runs.id DESC';
  return { sql: `${select} ${cond} ORDER BY ${order} LIMIT @limit`, params };
}
