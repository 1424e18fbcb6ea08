import { TunegateError } from '../errors.js';
import type { Checkpoint, NewCheckpoint } from '../store/types.js';
import type { Values } from './args.js';

const COMPARED = [
  ['baseUrl', 'base-url'], ['model', 'model'], ['api', 'api'], ['promptTemplate', 'prompt-template'],
  ['apiKeyEnv', 'api-key-env'], ['step', 'step'],
  ['model', 'lora-name'],
] as const;

/**
 * One-shot form: a registered checkpoint is reused only when every endpoint flag the user gave
 * matches it. A name already bound to another endpoint is refused rather than silently mixing
 * two models' runs under one name. Used locally and against a server.
 */
export function checkSameEndpoint(existing: Pick<Checkpoint, (typeof COMPARED)[number][0] | 'baseUrls'> & { lora?: Checkpoint['lora'] | undefined }, wanted: NewCheckpoint, values: Values): void {
  // Another adapter path is other weights: the name stays with the adapter it was registered with.
  if (values['lora-path'] !== undefined && (wanted.lora?.path ?? null) !== (existing.lora?.path ?? null)) {
    throw new TunegateError('CONFLICT', `checkpoint "${wanted.name}" is registered with --lora-path ${JSON.stringify(existing.lora?.path ?? null)}, not ${JSON.stringify(wanted.lora?.path ?? null)}; use another --checkpoint name for another adapter`);
  }
  for (const [field, option] of COMPARED) {
    if (values[option] === undefined) continue;
    // Replicas count: the same first URL with other replicas is another endpoint.
    const same = field === 'baseUrl'
      ? (wanted.baseUrls ?? [wanted.baseUrl]).join(' ') === (existing.baseUrls ?? [existing.baseUrl]).join(' ')
      : (wanted[field] ?? null) === (existing[field] ?? null);
    if (!same) {
      const shown = (c: Pick<Checkpoint, 'baseUrl'> & { baseUrls?: string[] | undefined }, f: (typeof COMPARED)[number][0]) =>
        f === 'baseUrl' ? (c.baseUrls ?? [c.baseUrl]).map((u) => JSON.stringify(u)).join(' --base-url ') : JSON.stringify((c as Record<string, unknown>)[f]);
      throw new TunegateError(
        'CONFLICT',
        `checkpoint "${wanted.name}" is registered with --${option} ${shown(existing, field)}, not ${shown(wanted, field)}; ` +
          'use another --checkpoint name for a different endpoint',
      );
    }
  }
}
