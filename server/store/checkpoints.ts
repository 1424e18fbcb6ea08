import type { Database } from 'better-sqlite3';
import { OptionError, TunegateError } from '../errors.js';
import { storedJson, storedText } from './stored-text.js';
import type { Api, Checkpoint, JudgeSettings, NewCheckpoint } from './types.js';
import { writeTransaction } from './write-lock.js';

interface Row {
  id: number;
  name: string;
  base_url: string;
  base_urls: string | null;
  model: string;
  step: number | null;
  api: Api;
  prompt_template: string | null;
  api_key_env: string | null;
  tags: string;
  is_baseline: number;
  judge: string | null;
  base: string | null;
  lora_path: string | null;
  lora_name: string | null;
  created_at: string;
}

function fromRow(r: Row): Checkpoint {
  return {
    id: r.id,
    name: r.name,
    baseUrl: r.base_url,
    baseUrls: r.base_urls === null ? [r.base_url] : (JSON.parse(r.base_urls) as string[]),
    model: r.model,
    step: r.step,
    api: r.api,
    promptTemplate: r.prompt_template,
    apiKeyEnv: r.api_key_env,
    tags: JSON.parse(r.tags) as Record<string, string>,
    isBaseline: r.is_baseline === 1,
    judge: r.judge === null ? null : (JSON.parse(r.judge) as JudgeSettings),
    base: r.base,
    lora: r.lora_path === null || r.lora_name === null ? null : { path: r.lora_path, name: r.lora_name },
    createdAt: r.created_at,
  };
}

export interface CheckpointPatch {
  /** Every base URL (replicas), the first being baseUrl; its runs keep the endpoint they recorded. */
  baseUrls?: string[];
  model?: string;
  /** The checkpoint it was fine-tuned from (a registered name), or null. */
  base?: string | null;
  step?: number | null;
  tags?: Record<string, string>;
  baseline?: boolean;
  /** A LoRA checkpoint's adapter (name absent: the one it has); `model` follows its name. */
  lora?: { path: string; name?: string | undefined };
}

export type CheckpointRepo = ReturnType<typeof createCheckpointRepo>;

/** Checkpoint table access; statements are prepared once per store. */
export function createCheckpointRepo(db: Database) {
  const insert = db.prepare(
    `INSERT INTO checkpoints (name, base_url, base_urls, model, step, api, prompt_template, api_key_env, tags, judge, base, lora_path, lora_name, created_at)
     VALUES (@name, @baseUrl, @baseUrls, @model, @step, @api, @promptTemplate, @apiKeyEnv, @tags, @judge, @base, @loraPath, @loraName, @createdAt)`,
  );
  const byName = db.prepare<[string], Row>('SELECT * FROM checkpoints WHERE name = ?');
  const byId = db.prepare<[number], Row>('SELECT * FROM checkpoints WHERE id = ?');
  const all = db.prepare<[], Row>('SELECT * FROM checkpoints ORDER BY step IS NULL, step, created_at, id');
  const flagged = db.prepare<[], Row>('SELECT * FROM checkpoints WHERE is_baseline = 1 LIMIT 1');
  // A page of the list's order after a checkpoint (keyset: stable while checkpoints are added or removed).
  const first = db.prepare<[number], Row>('SELECT * FROM checkpoints ORDER BY step IS NULL, step, created_at, id LIMIT ?');
  const after = db.prepare<[number, number], Row>(
    `SELECT c.* FROM checkpoints c, (SELECT step IS NULL AS n, coalesce(step, 0) AS s, created_at AS t, id FROM checkpoints WHERE id = ?) k
     WHERE (c.step IS NULL, coalesce(c.step, 0), c.created_at, c.id) > (k.n, k.s, k.t, k.id)
     ORDER BY c.step IS NULL, c.step, c.created_at, c.id LIMIT ?`);
  const setStep = db.prepare('UPDATE checkpoints SET step = ? WHERE id = ?');
  const setTags = db.prepare('UPDATE checkpoints SET tags = ? WHERE id = ?');
  const setBase = db.prepare('UPDATE checkpoints SET base = ? WHERE id = ?');
  const setBaseUrls = db.prepare('UPDATE checkpoints SET base_url = ?, base_urls = ? WHERE id = ?');
  const setModel = db.prepare('UPDATE checkpoints SET model = ? WHERE id = ?');
  const setLora = db.prepare('UPDATE checkpoints SET lora_path = ?, lora_name = ?, model = ? WHERE id = ?');
  /** A base must be another registered checkpoint. */
  const checkBase = (name: string, base: string | null | undefined) => {
    if (base === null || base === undefined) return;
    if (base === name) throw new TunegateError('INVALID_INPUT', `base: checkpoint "${name}" cannot be its own base`);
    if (byName.get(base) === undefined) throw new TunegateError('INVALID_INPUT', `base: no checkpoint named "${base}" (register the base model first)`);
  };
  const clearBaseline = db.prepare('UPDATE checkpoints SET is_baseline = 0');
  const setBaseline = db.prepare('UPDATE checkpoints SET is_baseline = ? WHERE id = ?');
  const runStates = db.prepare<[number], { total: number; active: number }>(
    "SELECT COUNT(*) AS total, COALESCE(SUM(status IN ('queued', 'running')), 0) AS active FROM runs WHERE checkpoint_id = ?",
  );
  const deleteRuns = db.prepare('DELETE FROM runs WHERE checkpoint_id = ?');
  const deleteOne = db.prepare('DELETE FROM checkpoints WHERE id = ?');
  const update = writeTransaction(db, (id: number, patch: CheckpointPatch) => {
    if (patch.baseUrls !== undefined) setBaseUrls.run(storedText(patch.baseUrls[0]!), patch.baseUrls.length > 1 ? storedJson(patch.baseUrls) : null, id);
    if (patch.model !== undefined) setModel.run(storedText(patch.model), id);
    if (patch.step !== undefined) setStep.run(patch.step, id);
    if (patch.tags !== undefined) setTags.run(storedJson(patch.tags), id);
    if (patch.base !== undefined) setBase.run(patch.base, id);
    if (patch.lora !== undefined) setLora.run(storedText(patch.lora.path), storedText(patch.lora.name!), storedText(patch.lora.name!), id);
    if (patch.baseline === true) clearBaseline.run();
    if (patch.baseline !== undefined) setBaseline.run(patch.baseline ? 1 : 0, id);
  });
  const remove = writeTransaction(db, (id: number) => {
    deleteRuns.run(id);
    deleteOne.run(id);
  });

  return {
    /** Adds a checkpoint; a taken name is a CONFLICT naming the existing one. */
    add(c: NewCheckpoint): Checkpoint {
      if (c.baseUrls !== undefined && c.baseUrls.length > 0 && c.baseUrls[0] !== c.baseUrl) {
        throw new TunegateError('INVALID_INPUT', 'baseUrls: the first base URL must be baseUrl');
      }
      if (byName.get(c.name) !== undefined) {
        throw new TunegateError('CONFLICT', `checkpoint "${c.name}" already exists`);
      }
      checkBase(c.name, c.base);
      if (c.lora !== undefined && c.lora !== null && c.model !== c.lora.name) throw new TunegateError('INVALID_INPUT', 'model: a LoRA checkpoint is evaluated as its adapter: model must be lora.name');
      const info = insert.run({
        name: c.name,
        // Fields sent to the API are stored as valid UTF-8 (see stored-text.ts).
        baseUrl: storedText(c.baseUrl),
        baseUrls: c.baseUrls !== undefined && c.baseUrls.length > 1 ? storedJson(c.baseUrls) : null,
        model: storedText(c.model),
        step: c.step ?? null,
        api: c.api ?? 'chat',
        promptTemplate: storedText(c.promptTemplate ?? null),
        apiKeyEnv: c.apiKeyEnv ?? null,
        tags: storedJson(c.tags ?? {}),
        judge: storedJson(c.judge),
        base: c.base ?? null,
        loraPath: c.lora === undefined || c.lora === null ? null : storedText(c.lora.path),
        loraName: c.lora === undefined || c.lora === null ? null : storedText(c.lora.name),
        createdAt: new Date().toISOString(),
      });
      return fromRow(byId.get(Number(info.lastInsertRowid))!);
    },

    find(name: string): Checkpoint | undefined {
      const r = byName.get(name);
      return r === undefined ? undefined : fromRow(r);
    },

    /** The checkpoint or a NOT_FOUND error listing what exists. */
    get(name: string): Checkpoint {
      const r = byName.get(name);
      if (r !== undefined) return fromRow(r);
      const names = all.all().map((x) => x.name);
      throw new TunegateError(
        'NOT_FOUND',
        `no checkpoint named "${name}"` +
          (names.length > 0 ? ` (known: ${names.slice(0, 20).join(', ')})` : '; add one with `tunegate checkpoint add`'),
      );
    },

    getById(id: number): Checkpoint | undefined {
      const r = byId.get(id);
      return r === undefined ? undefined : fromRow(r);
    },

    /** Changes endpoint, model, step, tags, base or the baseline flag (only one checkpoint is the baseline); its runs stay. */
    update(name: string, patch: CheckpointPatch): Checkpoint {
      const c = this.get(name);
      if (patch.baseUrls !== undefined && patch.baseUrls.length === 0) throw new TunegateError('INVALID_INPUT', 'baseUrls: at least one base URL');
      checkBase(name, patch.base);
      if (patch.lora !== undefined && c.lora === null) throw new TunegateError('INVALID_INPUT', `lora: checkpoint "${name}" is a served model, not an adapter; register the adapter as a checkpoint of its own`);
      update(c.id, patch.lora === undefined ? patch : { ...patch, lora: { path: patch.lora.path, name: patch.lora.name ?? c.lora!.name } });
      return this.get(name);
    },

    /**
     * Deletes a checkpoint. With runs it needs `force` (the runs and their results go too), and
     * a checkpoint with a queued or running run is never deleted.
     */
    delete(name: string, force: boolean): void {
      const c = this.get(name);
      const { total, active } = runStates.get(c.id)!;
      if (active > 0) throw new TunegateError('CONFLICT', `checkpoint "${name}" has ${active} queued or running runs; cancel them first`);
      // Worded by each edge: the API's force=true, the CLI's --force.
      if (total > 0 && !force) throw new OptionError('CONFLICT', 'force', (o) => `checkpoint "${name}" has ${total} runs; delete with ${o('force', 'true')} to remove them too`);
      remove(c.id);
    },

    /** All checkpoints ordered by training step, then registration time. */
    list(): Checkpoint[] {
      return all.all().map(fromRow);
    },

    /** The flagged baseline checkpoint, if any: one keyed read (not a scan of list()). */
    baseline(): Checkpoint | undefined {
      const r = flagged.get();
      return r === undefined ? undefined : fromRow(r);
    },

    /** Up to `limit` checkpoints in list()'s order, after the checkpoint with id `afterId` (from the start without one). */
    page(limit: number, afterId?: number): Checkpoint[] {
      return (afterId === undefined ? first.all(limit) : after.all(afterId, limit)).map(fromRow);
    },
  };
}
