import type { Database } from 'better-sqlite3';
import { writeTransaction } from './write-lock.js';

export type LoraLoadRepo = ReturnType<typeof createLoraLoadRepo>;

/**
 * What a tunegate server loaded into each model server (serve --lora-keep): kept in SQLite so a
 * restarted server still knows which adapters it put there and in what order.
 */
export function createLoraLoadRepo(db: Database) {
  // A reload moves the adapter to the newest: delete, then insert with a new seq.
  const forget = db.prepare('DELETE FROM lora_loads WHERE base_url = ? AND lora_name = ?');
  const insert = db.prepare('INSERT INTO lora_loads (base_url, lora_name, loaded_at) VALUES (?, ?, ?)');
  const newestFirst = db.prepare<[string], { lora_name: string }>('SELECT lora_name FROM lora_loads WHERE base_url = ? ORDER BY seq DESC');
  const running = db.prepare<[], { lora_name: string }>(
    "SELECT DISTINCT c.lora_name FROM runs r JOIN checkpoints c ON c.id = r.checkpoint_id WHERE r.status = 'running' AND c.lora_name IS NOT NULL",
  );
  return {
    /** Adapter names a running run (of any process, on any server) is asking for: never unloaded under it. */
    inUse(): Set<string> {
      return new Set(running.all().map((r) => r.lora_name));
    },
    /** Records (or refreshes) a load: it becomes the newest on that server. */
    loaded(baseUrl: string, name: string): void {
      writeTransaction(db, () => {
        forget.run(baseUrl, name);
        insert.run(baseUrl, name, new Date().toISOString());
      })();
    },
    /** The adapters loaded on a server beyond the `keep` newest, oldest last. */
    beyond(baseUrl: string, keep: number): string[] {
      return newestFirst.all(baseUrl).slice(keep).map((r) => r.lora_name);
    },
    unloaded(baseUrl: string, name: string): void {
      forget.run(baseUrl, name);
    },
  };
}
