import type { Database } from 'better-sqlite3';
import { storedJson } from './stored-text.js';

export type GenerationRepo = ReturnType<typeof createGenerationRepo>;

/** The eval-set generator's cache: validated replies by the hash of their exact input. */
export function createGenerationRepo(db: Database) {
  const get = db.prepare<[string], { reply: string }>('SELECT reply FROM generation_cache WHERE key = ?');
  const put = db.prepare('INSERT OR REPLACE INTO generation_cache (key, generator, prompt_version, reply, created_at) VALUES (?, ?, ?, ?, ?)');
  return {
    /** The cached reply for this exact input, if the generator was asked it before. */
    cached(key: string): unknown {
      const r = get.get(key);
      return r === undefined ? undefined : (JSON.parse(r.reply) as unknown);
    },
    cache(key: string, generator: string, promptVersion: string, reply: object): void {
      put.run(key, generator, promptVersion, storedJson(reply), new Date().toISOString());
    },
  };
}
