import { TunegateError } from '../errors.js';
import type { TrainingLine, TrainingText } from './leak.js';
import { ItemError, messageText } from './parse-item.js';
import { readInputFile } from './read-utf8.js';

/** Problems listed in full before the rest are only counted (a wrong file may have thousands). */
const MAX_LISTED = 20;

type Json = Record<string, unknown>;

function optionalText(obj: Json, field: string): TrainingText[] {
  const v = obj[field];
  if (v === undefined || v === null) return [];
  if (typeof v !== 'string') throw new ItemError(`"${field}" must be a string`);
  return [{ label: field, text: v }];
}

/**
 * The texts of one training line, every one of which the model saw in training: the content of
 * every message whatever its role (system, user, assistant, tool), or `prompt` and
 * `completion`, or `text`. A message without content (an assistant's tool call) has no text.
 */
export function trainingTexts(value: unknown): TrainingText[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ItemError('each line must be a JSON object');
  const obj = value as Json;
  if (obj.messages !== undefined) {
    const messages = obj.messages;
    if (!Array.isArray(messages) || messages.length === 0) throw new ItemError('"messages" must be a non-empty array of messages');
    return messages.flatMap((m, i): TrainingText[] => {
      const where = `"messages"[${i}]`;
      if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new ItemError(`${where} must be an object`);
      const content = (m as Json).content;
      if (content === undefined || content === null) return [];
      return [{ label: `messages[${i}]`, text: messageText(content, where) }];
    });
  }
  if (obj.prompt !== undefined || obj.completion !== undefined) return [...optionalText(obj, 'prompt'), ...optionalText(obj, 'completion')];
  if (obj.text !== undefined) return optionalText(obj, 'text');
  throw new ItemError('no "messages", "prompt"/"completion" or "text" field (a chat, completion or plain-text training line)');
}

/**
 * Parses the text of a training JSONL file: OpenAI chat lines (`{"messages": […]}`, content a
 * string or text parts), `{"prompt", "completion"}` lines and `{"text"}` lines. Blank lines are
 * skipped. Every bad line is an INVALID_INPUT error naming `path:line` and what is wrong; so is a
 * file with no line at all.
 */
export function parseTrainingText(text: string, path: string): TrainingLine[] {
  const lines: TrainingLine[] = [];
  const errors: string[] = [];
  text.replace(/^\uFEFF/, '').split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      errors.push(`${path}:${line}: invalid JSON (${(e as Error).message})`);
      return;
    }
    try {
      lines.push({ line, texts: trainingTexts(value) });
    } catch (e) {
      if (!(e instanceof ItemError)) throw e;
      errors.push(`${path}:${line}: ${e.message}`);
    }
  });
  if (errors.length > 0) {
    if (errors.length === 1) throw new TunegateError('INVALID_INPUT', errors[0]!);
    const summary = errors.length > MAX_LISTED
      ? `${errors.length} bad lines in the training file ${path}; the first ${MAX_LISTED} follow`
      : `${errors.length} bad lines in the training file ${path}`;
    throw new TunegateError('INVALID_INPUT', summary, errors.slice(0, MAX_LISTED));
  }
  // An empty file is a wrong path or a failed export, not a training set without leaks.
  if (lines.length === 0) throw new TunegateError('INVALID_INPUT', `${path}: no training lines (the file is empty)`);
  return lines;
}

/** Reads a training JSONL file (see parseTrainingText); `file` is shown as the user gave it. */
export function readTrainingFile(file: string, cwd: string): TrainingLine[] {
  const text = readInputFile(file, cwd);
  return parseTrainingText(text, file);
}
