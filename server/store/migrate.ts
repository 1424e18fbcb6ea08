import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { TunegateError } from '../errors.js';
import { stripUrlCredentialsInText } from '../http/url-credentials.js';
import { packagePath } from '../paths.js';

const MIGRATIONS_DIR = packagePath('server', 'store', 'migrations');

interface Migration {
  version: number;
  name: string;
  sql: string;
}

function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+-.+\.sql$/.test(f))
    .map((f) => ({ version: Number.parseInt(f, 10), name: f, sql: readFileSync(join(MIGRATIONS_DIR, f), 'utf8') }))
    .sort((a, b) => a.version - b.version);
}

/**
 * Brings the schema up to date. The applied version is SQLite's `user_version`; each numbered
 * file runs in its own transaction, so a failed migration leaves the previous schema intact.
 * Several processes may open a new database at once: each migration is applied under an
 * exclusive lock (the others wait on busy_timeout) after re-reading the version inside it, so
 * it runs once, whoever gets there first.
 */
export function migrate(db: Database, path: string): void {
  const migrations = listMigrations();
  const latest = migrations.at(-1)?.version ?? 0;
  const version = () => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > latest) {
      throw new TunegateError(
        'INVALID_INPUT',
        `${path}: the database schema is version ${current}, newer than this tunegate knows (${latest}); upgrade tunegate`,
      );
    }
    return current;
  };
  // Up to date (every open but the first): no write lock is taken.
  if (version() === latest) return;
  // SQL migrations may call this (009 strips URL credentials with the same rule the code uses).
  db.function('strip_url_credentials', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? stripUrlCredentialsInText(v) : v));
  for (const m of migrations) {
    db.transaction(() => {
      if (version() >= m.version) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).exclusive();
  }
}
