import type { Database } from 'better-sqlite3';
import { TunegateError } from '../errors.js';
import { storedJson, storedText } from './stored-text.js';
import { writeTransaction } from './write-lock.js';
import type { EvalItem } from '../evalsets/types.js';
import type { RunSummary } from '../scoring/metrics.js';
import { listRunHeads, listRuns, type RunFilter, type RunHead } from './run-list.js';
import { createRunOwnership, type RunOwner } from './run-ownership.js';
import { fromRow, SELECT, type Row } from './run-rows.js';
import type { Provenance, Run, RunParams, RunKind } from './types.js';

export interface NewRun {
  /** Default 'eval'. */
  kind?: RunKind;
  checkpointId: number;
  status: 'queued' | 'running';
  params: RunParams;
  provenance: Provenance;
  items: readonly EvalItem[];
  /** With status running: the creating process, which holds the run (unclaimed) until `leaseUntil`. */
  owner?: RunOwner & { leaseUntil: number };
}

export type RunRepo = ReturnType<typeof createRunRepo>;

/** Runs, their eval sets and their item snapshots; who executes each and how it ends is run-ownership.ts. */
export function createRunRepo(db: Database) {
  const insertRun = db.prepare(
    `INSERT INTO runs (kind, checkpoint_id, status, params, provenance, owner_pid, owner_host, owner_pidns, lease_until, created_at, started_at)
     VALUES (@kind, @checkpointId, @status, @params, @provenance, @pid, @host, @pidns, @leaseUntil, @now, @startedAt)`,
  );
  const insertSet = db.prepare('INSERT INTO run_sets (run_id, name, path, hash, items) VALUES (?, ?, ?, ?, ?)');
  const insertItem = db.prepare(
    'INSERT INTO run_items (run_id, set_name, item_id, position, kind, item_hash, item) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare<[number], Row>(`${SELECT} WHERE runs.id = ?`);
  const setNames = db.prepare<[], { name: string }>('SELECT DISTINCT name FROM run_sets ORDER BY name');
  const itemsOf = db.prepare<[number], { item: string }>('SELECT item FROM run_items WHERE run_id = ? ORDER BY position');
  const setSummary = db.prepare('UPDATE runs SET summary = ? WHERE id = ?');
  // Fixed paths only: the field name never reaches the SQL text.
  const setProvenance = {
    reported: db.prepare(`UPDATE runs SET provenance = json_set(provenance, '$.reported', json(?)) WHERE id = ?`),
    scorers: db.prepare(`UPDATE runs SET provenance = json_set(provenance, '$.scorers', json(?)) WHERE id = ?`),
    serving: db.prepare(`UPDATE runs SET provenance = json_set(provenance, '$.serving', json(?)) WHERE id = ?`),
  };
  const addNote = db.prepare(`UPDATE runs SET notes = json_insert(notes, '$[#]', ?) WHERE id = ?`);
  const notesOf = db.prepare<[number], { notes: string }>('SELECT notes FROM runs WHERE id = ?');
  const setNotes = db.prepare('UPDATE runs SET notes = ? WHERE id = ?');

  const create = writeTransaction(db, (r: NewRun): number => {
    const now = new Date().toISOString();
    const info = insertRun.run({
      kind: r.kind ?? 'eval',
      checkpointId: r.checkpointId,
      status: r.status,
      params: JSON.stringify(r.params),
      provenance: JSON.stringify(r.provenance),
      pid: r.owner?.pid ?? null,
      host: r.owner?.host ?? null,
      pidns: r.owner?.pidns ?? null,
      leaseUntil: r.owner?.leaseUntil ?? null,
      now,
      startedAt: r.status === 'running' ? now : null,
    });
    const runId = Number(info.lastInsertRowid);
    for (const s of r.provenance.evalsets) insertSet.run(runId, s.name, s.path, s.hash, s.items);
    r.items.forEach((item, position) => {
      insertItem.run(runId, item.set, item.id, position, item.kind, item.hash, JSON.stringify(item));
    });
    return runId;
  });

  const replaceNotes = writeTransaction(db, (id: number, drop: (note: string) => boolean, add: readonly string[]) => {
    const row = notesOf.get(id);
    if (row === undefined) return;
    const kept = (JSON.parse(row.notes) as string[]).filter((n) => !drop(n));
    setNotes.run(storedJson([...kept, ...add]), id);
  });

  return {
    ...createRunOwnership(db),

    /** Creates a run with its eval-set records and item snapshot in one transaction. */
    create(r: NewRun): number {
      return create(r);
    },

    find(id: number): Run | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : fromRow(r);
    },

    get(id: number): Run {
      const r = byId.get(id);
      if (r === undefined) throw new TunegateError('NOT_FOUND', `no run with id ${id}`);
      return fromRow(r);
    },

    /** Runs, newest first. */
    list(filter: RunFilter = {}): Run[] {
      return listRuns(db, filter);
    },

    /** list()'s runs as heads (id, checkpoint, end), newest first, without their JSON columns. */
    heads(filter: RunFilter = {}): RunHead[] {
      return listRunHeads(db, filter);
    },

    /** Names of every eval set a stored run used. */
    setNames(): string[] {
      return setNames.all().map((r) => r.name);
    },

    /** The item snapshot taken when the run was created, in run order. */
    items(id: number): EvalItem[] {
      return itemsOf.all(id).map((r) => JSON.parse(r.item) as EvalItem);
    },

    /** Replaces a stopped run's summary (after judging adds scores to it). */
    setSummary(id: number, summary: RunSummary): void {
      setSummary.run(JSON.stringify(summary), id);
    },

    /** Replaces one provenance field learned after creation: what the endpoint reported, or the scorers of a run with no answer yet. */
    setProvenanceField<K extends 'reported' | 'scorers' | 'serving'>(id: number, field: K, value: NonNullable<Provenance[K]>): void {
      setProvenance[field].run(JSON.stringify(value), id);
    },

    /** Adds a note to the run (shown with its results). */
    addNote(id: number, note: string): void {
      addNote.run(storedText(note), id);
    },

    /** Drops the notes `drop` matches and appends `add`, in one transaction (a resume's notes replace its earlier ones). */
    replaceNotes(id: number, drop: (note: string) => boolean, add: readonly string[]): void {
      replaceNotes(id, drop, add);
    },
  };
}
