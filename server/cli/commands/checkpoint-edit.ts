import { STEP_BOUND } from '../../checkpoint-name.js';
import { TunegateError } from '../../errors.js';
import type { Checkpoint } from '../../store/types.js';
import { parseTags } from '../../tag.js';
import { bounded, expectPositionals, flag, list, parseArgs, str, type Values } from '../args.js';
import { withStore } from '../context.js';
import { oneLine } from '../format.js';
import { println, type Io } from '../io.js';
import { ApiClient } from '../remote.js';
import { inFlags } from '../schema-options.js';
import { CHECKPOINT_EDIT_SPEC, CHECKPOINT_REMOVE_SPEC } from '../specs/checkpoint.js';
import { askEndpoint, baseUrlsFromOptions, checkpointCommand, checkpointJson } from './checkpoint.js';

/** What `checkpoint edit` changes, validated as `checkpoint add` validates it; tags are merged by the caller. */
interface Edit {
  baseUrls?: string[];
  model?: string;
  step?: number;
  tags?: Record<string, string>;
  base?: string;
}

function editFromOptions(values: Values): Edit {
  const baseUrls = baseUrlsFromOptions(values);
  const model = str(values, 'model');
  if (model !== undefined && model.trim() === '') throw new TunegateError('USAGE', '--model must not be empty');
  const step = bounded(values, 'step', STEP_BOUND);
  const tags = parseTags(list(values, 'tag'), '--tag', 'USAGE');
  const base = str(values, 'base');
  const edit: Edit = {
    ...(baseUrls.length > 0 ? { baseUrls } : {}), ...(model !== undefined ? { model } : {}), ...(step !== undefined ? { step } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}), ...(base !== undefined ? { base } : {}),
  };
  if (Object.keys(edit).length === 0) throw new TunegateError('USAGE', 'checkpoint edit needs something to change: --base-url, --model, --step, --tag or --base');
  return edit;
}

function printEdited(c: Pick<Checkpoint, 'name' | 'model' | 'baseUrls' | 'step'>, where: string, json: boolean, io: Io, whole: unknown): void {
  if (json) println(io.stdout, JSON.stringify(whole));
  else println(io.stdout, `checkpoint ${oneLine(c.name, 200)} updated${where}: ${oneLine(c.model, 200)} at ${c.baseUrls.map((u) => oneLine(u, 200)).join(' ')}${c.step === null ? '' : ` (step ${c.step})`}; its runs are kept`);
}

/** `tunegate checkpoint edit NAME …`: the same change as PATCH /api/checkpoints/NAME. */
export async function editCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, CHECKPOINT_EDIT_SPEC, 'checkpoint edit');
  expectPositionals(p, 1, 'checkpoint edit');
  const name = p.positionals[0];
  if (name === undefined) throw new TunegateError('USAGE', 'checkpoint edit needs a NAME (see tunegate checkpoint edit --help)');
  const edit = editFromOptions(p.values);
  const check = !flag(p.values, 'no-model-check');
  const server = str(p.values, 'server');
  if (server !== undefined) {
    const client = new ApiClient(server, io.env.TUNEGATE_TOKEN || undefined);
    const path = `/api/checkpoints/${encodeURIComponent(name)}`;
    // --tag sets the tags it names: the others are read first and sent back unchanged.
    const tags = edit.tags === undefined ? undefined : { ...(await client.request<Checkpoint>('GET', path)).tags, ...edit.tags };
    const body = {
      ...(edit.baseUrls !== undefined ? { baseUrls: edit.baseUrls } : {}), ...(edit.model !== undefined ? { model: edit.model } : {}),
      ...(edit.step !== undefined ? { step: edit.step } : {}), ...(tags !== undefined ? { tags } : {}), ...(edit.base !== undefined ? { base: edit.base } : {}),
      ...(check ? {} : { modelCheck: false }),
    };
    const updated = await client.request<Checkpoint>('PATCH', path, body);
    printEdited(updated, ` on ${server}`, flag(p.values, 'json'), io, updated);
    return 0;
  }
  return withStore(p.values, io, async (store) => {
    const c = store.checkpoints.get(name);
    if (edit.baseUrls !== undefined || edit.model !== undefined) {
      await askEndpoint(edit.baseUrls ?? c.baseUrls, edit.model ?? c.model, c.apiKeyEnv, check && c.lora === null, io);
    }
    const updated = store.checkpoints.update(name, { ...edit, ...(edit.tags !== undefined ? { tags: { ...c.tags, ...edit.tags } } : {}) });
    printEdited(updated, '', flag(p.values, 'json'), io, checkpointJson(updated));
    return 0;
  });
}

/** `tunegate checkpoint remove NAME [--force]`: the rule of DELETE /api/checkpoints/NAME (store/checkpoints.ts). */
export async function removeCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, CHECKPOINT_REMOVE_SPEC, 'checkpoint remove');
  expectPositionals(p, 1, 'checkpoint remove');
  const name = p.positionals[0];
  if (name === undefined) throw new TunegateError('USAGE', 'checkpoint remove needs a NAME (see tunegate checkpoint remove --help)');
  const force = flag(p.values, 'force');
  const server = str(p.values, 'server');
  if (server !== undefined) {
    const client = new ApiClient(server, io.env.TUNEGATE_TOKEN || undefined);
    try {
      await client.request('DELETE', `/api/checkpoints/${encodeURIComponent(name)}${force ? '?force=true' : ''}`);
    } catch (e) {
      // The server words its rule for the API (force=true); here the flag is what to type.
      if (e instanceof TunegateError && e.code === 'CONFLICT' && !force && /force=true/.test(e.message)) {
        throw new TunegateError('CONFLICT', `${e.message.replace('force=true', '--force')}`);
      }
      throw e;
    }
    println(io.stdout, `checkpoint ${oneLine(name, 200)} removed from ${server}${force ? ' (with its runs)' : ''}`);
    return 0;
  }
  return withStore(p.values, io, (store) => {
    inFlags(() => store.checkpoints.delete(name, force));
    println(io.stdout, `checkpoint ${oneLine(name, 200)} removed${force ? ' (with its runs)' : ''}`);
    return 0;
  });
}

/** `tunegate checkpoint …`: edit and remove here, the others in checkpoint.ts (imported one way only). */
export async function checkpointCommands(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'edit') return editCommand(rest, io);
  if (sub === 'remove') return removeCommand(rest, io);
  return checkpointCommand(argv, io);
}
