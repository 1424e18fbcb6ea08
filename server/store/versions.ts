import type { Database } from 'better-sqlite3';

export type VersionRepo = ReturnType<typeof createVersionRepo>;

/**
 * Change marks (migration 009): strings that differ whenever what is read from a run, or from
 * every run, may have changed. Each is one indexed read, cheap enough to check on every request
 * a cache answers.
 */
export function createVersionRepo(db: Database) {
  const ofRun = db.prepare<[number], { mark: string }>(
    "SELECT created_at || '/' || last_seq || '/' || version AS mark FROM runs WHERE id = ?",
  );
  const counters = db.prepare<[], { mark: string | null }>(
    "SELECT group_concat(name || '=' || n, ',') AS mark FROM change_counters WHERE name IN ('checkpoints', 'categories')",
  );
  // last_seq and version only grow; a run created or deleted bumps the 'runs' counter. One statement: one snapshot.
  const ofAllRuns = db.prepare<[], { mark: string }>(
    "SELECT (SELECT group_concat(name || '=' || n, ',') FROM change_counters) || '/' || (SELECT COALESCE(SUM(last_seq + version), 0) FROM runs) AS mark",
  );

  return {
    /** The run's mark (it changes with every stored result and every other write to what is read from it); undefined for an unknown id. */
    run(id: number): string | undefined {
      return ofRun.get(id)?.mark;
    },
    /** Checkpoints and knowledge categories: shared by every run's view. */
    shared(): string {
      return counters.get()?.mark ?? '';
    },
    /** Every run at once, and what shared() covers (trend, advise): changes when any run does. A scan of the runs table, no JSON. */
    allRuns(): string {
      return ofAllRuns.get()?.mark ?? '';
    },
  };
}
