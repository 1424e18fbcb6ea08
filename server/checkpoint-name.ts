import { TunegateError } from './errors.js';

/**
 * The longest checkpoint name, in characters. The one limit for the API schema, the CLI and
 * the server's path parameters (sized from it), so every name that registers can also be read,
 * changed and deleted through /api/checkpoints/:name.
 */
export const CHECKPOINT_NAME_MAX = 200;

/** Letters, digits and . _ : @ + - / (the same pattern in the API schema and the CLI). */
export const CHECKPOINT_NAME_PATTERN = '^[\\p{L}\\p{N}._:@+\\-/]+$';

const NAME = new RegExp(CHECKPOINT_NAME_PATTERN, 'u');

/** Checks a checkpoint name given on the command line (the API checks the same with its schema). */
export function validateCheckpointName(name: string): string {
  const length = [...name].length;
  if (length === 0 || length > CHECKPOINT_NAME_MAX || !NAME.test(name)) {
    throw new TunegateError(
      'USAGE',
      `checkpoint name "${length > 60 ? `${[...name].slice(0, 60).join('')}…` : name}" must be 1–${CHECKPOINT_NAME_MAX} letters, digits or . _ : @ + - /${length > CHECKPOINT_NAME_MAX ? ` (it has ${length} characters)` : ''}`,
    );
  }
  return name;
}

/** A training step: a safe integer (larger ones would not survive JSON and SQLite unchanged). */
export const STEP_BOUND = { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true } as const;

/** Base URLs one checkpoint may name (replicas of one model). */
export const MAX_REPLICAS = 64;

/** The LoRA name a checkpoint's adapter is loaded as by default: its name, with what servers may not take in a model name replaced by "-". */
export function defaultLoraName(checkpoint: string): string {
  return checkpoint.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 100);
}
