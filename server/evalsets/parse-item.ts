import { IN_TRAIN_TAG } from './in-train.js';
import { inFamily, REFUSAL_FAMILY } from './family.js';
import { canonicalJson, sha256 } from './hash.js';
import type { BlogItem, ChatMessage, EvalItem, Keyword, KeywordItem } from './types.js';

/** A problem with one field of one line; the caller prefixes `file:line:`. */
export class ItemError extends Error {}

const KNOWN_FIELDS = new Set([
  'id', 'kind', 'prompt', 'system', 'tags', 'keywords', 'forbidden', 'forbidden_fails', 'fact_id', 'in_train', 'title', 'reference', 'messages', 'meta', 'answer', 'wrong_answers',
]);

type Json = Record<string, unknown>;

function fail(message: string): never {
  throw new ItemError(message);
}

function optionalString(obj: Json, field: string): string | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') fail(`"${field}" must be a string`);
  return v;
}

function requiredText(obj: Json, field: string): string {
  const v = obj[field];
  if (v === undefined || v === null) fail(`"${field}" is required`);
  if (typeof v !== 'string' || v.trim() === '') fail(`"${field}" must be a non-empty string`);
  return v;
}

function stringList(obj: Json, field: string, nonEmpty: boolean): string[] {
  const v = obj[field];
  if (v === undefined || v === null) {
    if (nonEmpty) fail(`"${field}" must be a non-empty array`);
    return [];
  }
  if (!Array.isArray(v) || (nonEmpty && v.length === 0)) {
    fail(`"${field}" must be ${nonEmpty ? 'a non-empty' : 'an'} array of strings`);
  }
  v.forEach((s, i) => {
    if (typeof s !== 'string' || s.trim() === '') fail(`"${field}"[${i}] must be a non-empty string`);
  });
  return v as string[];
}

function optionalBoolean(obj: Json, field: string): boolean | undefined {
  const v = obj[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(`"${field}" must be true or false`);
  return v;
}

function keywordList(obj: Json): Keyword[] {
  const v = obj.keywords;
  if (!Array.isArray(v) || v.length === 0) fail('"keywords" must be a non-empty array');
  return v.map((k, i): Keyword => {
    if (typeof k === 'string') {
      if (k.trim() === '') fail(`"keywords"[${i}] must be a non-empty string`);
      return k;
    }
    if (Array.isArray(k)) {
      if (k.length === 0) fail(`"keywords"[${i}] must be a string or a non-empty array of alternatives`);
      k.forEach((alt, j) => {
        if (typeof alt !== 'string' || alt.trim() === '') fail(`"keywords"[${i}][${j}] must be a non-empty string`);
      });
      return k as string[];
    }
    return fail(`"keywords"[${i}] must be a string or an array of alternative strings`);
  });
}

/**
 * Chat content may be a string or an array of `{type:"text", text}` parts; `where` names the
 * message in the ItemError (`"messages"[2]`). Also reads training files (training-file.ts).
 */
export function messageText(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part, j) => {
        const p = part as Json;
        if (p === null || typeof p !== 'object' || p.type !== 'text' || typeof p.text !== 'string') {
          fail(`${where}.content[${j}] must be a {"type":"text","text":…} part`);
        }
        return p.text as string;
      })
      .join('');
  }
  return fail(`${where}.content must be a string`);
}

function parseMessages(obj: Json): { prompt: ChatMessage[]; reference: string } {
  const v = obj.messages;
  if (!Array.isArray(v) || v.length < 2) fail('"messages" must be an array of at least two messages');
  const messages = v.map((m, i): ChatMessage => {
    const where = `"messages"[${i}]`;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) fail(`${where} must be an object`);
    const role = (m as Json).role;
    if (role !== 'system' && role !== 'user' && role !== 'assistant') {
      fail(`${where}.role must be "system", "user" or "assistant"`);
    }
    return { role, content: messageText((m as Json).content, where) };
  });
  const last = messages[messages.length - 1]!;
  if (last.role !== 'assistant' || last.content.trim() === '') {
    fail(`"messages": the last message must be a non-empty assistant message (it is the reference answer)`);
  }
  const prompt = messages.slice(0, -1);
  if (!prompt.some((m) => m.role === 'user')) fail('"messages" needs a user message before the final assistant message');
  return { prompt, reference: last.content };
}

function inferKind(obj: Json): 'keyword' | 'blog' {
  const kind = obj.kind;
  if (kind !== undefined) {
    if (kind !== 'keyword' && kind !== 'blog') fail('"kind" must be "keyword" or "blog"');
    return kind;
  }
  if (obj.messages !== undefined) return 'blog';
  if (obj.keywords !== undefined) return 'keyword';
  if (obj.reference !== undefined || obj.title !== undefined) return 'blog';
  return fail(
    'cannot tell the item kind: give "keywords" (keyword item), "title" and "reference" (blog item), or "messages" (chat fine-tuning line)',
  );
}

/**
 * `in_train`: true is the `in_train` tag (the item's fact is in the fine-tuning data); false says
 * the line was checked to be out of it (generated held-out phrasings carry it) and adds nothing.
 */
function inTrainTags(obj: Json, tags: string[]): string[] {
  const inTrain = optionalBoolean(obj, 'in_train');
  if (inTrain === false && tags.includes(IN_TRAIN_TAG)) fail(`"in_train" is false but "tags" has "${IN_TRAIN_TAG}"`);
  return inTrain === true && !tags.includes(IN_TRAIN_TAG) ? [...tags, IN_TRAIN_TAG] : tags;
}

function parseFactId(obj: Json): string | undefined {
  const v = obj.fact_id;
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v !== 'string' || v.trim() === '') fail('"fact_id" must be a non-empty string');
  return v;
}

/**
 * `answer` and `wrong_answers`: the candidates the likelihood metrics score. Wrong answers need
 * an answer to be ranked against, and must differ from it and from each other (a repeat would
 * weigh one false sentence twice; the answer among them would be ranked against itself).
 */
function parseCandidates(obj: Json): { answer?: string; wrongAnswers?: string[] } {
  const answer = optionalString(obj, 'answer');
  if (answer !== undefined && answer.trim() === '') fail('"answer" must be a non-empty string');
  const given = obj.wrong_answers !== undefined && obj.wrong_answers !== null;
  const wrong = stringList(obj, 'wrong_answers', given);
  if (wrong.length > 0 && answer === undefined) fail('"wrong_answers" needs "answer" (the true sentence they are ranked against)');
  wrong.forEach((w, i) => {
    if (w.trim() === answer!.trim()) fail(`"wrong_answers"[${i}] is the same sentence as "answer"`);
    const j = wrong.findIndex((o) => o.trim() === w.trim());
    if (j < i) fail(`"wrong_answers"[${i}] repeats "wrong_answers"[${j}]`);
  });
  return { ...(answer !== undefined ? { answer } : {}), ...(wrong.length > 0 ? { wrongAnswers: wrong } : {}) };
}

function parseId(obj: Json, derived: () => string): string {
  const v = obj.id;
  if (v === undefined || v === null) return derived();
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (typeof v !== 'string' || v.trim() === '') fail('"id" must be a non-empty string');
  return v;
}

export interface ParsedItem {
  item: EvalItem;
  warnings: string[];
}

/**
 * Validates one parsed JSON line and returns a typed item. Throws ItemError naming the field.
 * Lines in OpenAI chat fine-tuning format may omit `id`; it is then derived from their content
 * so the same line keeps the same id wherever it moves in the file.
 */
export function parseItem(value: unknown, set: string, line: number): ParsedItem {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('each line must be a JSON object');
  const obj = value as Json;
  const warnings = Object.keys(obj)
    .filter((k) => !KNOWN_FIELDS.has(k) && obj.messages === undefined)
    .map((k) => `unknown field "${k}" is ignored`);
  const kind = inferKind(obj);
  const system = optionalString(obj, 'system');
  const tags = inTrainTags(obj, stringList(obj, 'tags', false));

  if (kind === 'keyword') {
    if (obj.messages !== undefined) fail('"messages" belongs to blog items; a keyword item has "prompt" and "keywords"');
    const id = parseId(obj, () => fail('"id" is required'));
    const prompt = requiredText(obj, 'prompt');
    const keywords = keywordList(obj);
    const factId = parseFactId(obj);
    const candidates = parseCandidates(obj);

    const forbidden = stringList(obj, 'forbidden', false);
    const explicit = optionalBoolean(obj, 'forbidden_fails');
    const forbiddenFails = explicit ?? inFamily(set, REFUSAL_FAMILY);
    if (forbiddenFails && forbidden.length === 0) {
      warnings.push(`"forbidden_fails" is on${explicit === undefined ? ` (the default in ${REFUSAL_FAMILY} sets)` : ''} but "forbidden" is empty: an answer that repeats the false premise cannot fail this item`);
    }
    // The rule enters the hash only where it changes scoring (it is on and there is something to
    // find), so items scored as before keep their hash and old runs still compare with new ones.
    const rule = forbiddenFails && forbidden.length > 0 ? { forbidden_fails: true } : {};
    // The fact grouping changes the set's consistency, so it is content; absent, hashes are as before.
    // The likelihood candidates are not: the likelihood metrics record their own hash (candidatesHash).
    const hash = sha256(canonicalJson({ kind, prompt, system, keywords, forbidden, ...rule, fact_id: factId }));
    const item: KeywordItem = { kind, id, set, line, tags, prompt, keywords, forbidden, forbiddenFails, hash };
    if (system !== undefined) item.system = system;
    if (factId !== undefined) item.factId = factId;
    Object.assign(item, candidates);
    return { item, warnings };
  }

  if (obj.fact_id !== undefined && obj.fact_id !== null) fail('"fact_id" belongs to keyword items (a fact asked in several phrasings); a blog item has none');
  for (const f of ['answer', 'wrong_answers']) {
    if (obj[f] !== undefined && obj[f] !== null) fail(`"${f}" belongs to keyword items (the candidates the likelihood metrics score); a blog item's is its "reference"`);
  }
  let item: BlogItem;
  if (obj.messages !== undefined) {
    const { prompt: messages, reference } = parseMessages(obj);
    const lastUser = [...messages].reverse().find((m) => m.role === 'user')!;
    const sys = messages.find((m) => m.role === 'system')?.content;
    const hash = sha256(canonicalJson({ kind, messages, reference }));
    const id = parseId(obj, () => `msg-${hash.slice(0, 12)}`);
    const title = typeof obj.title === 'string' && obj.title.trim() !== '' ? obj.title : lastUser.content;
    item = { kind, id, set, line, tags, title, prompt: lastUser.content, reference, messages, hash };
    if (sys !== undefined) item.system = sys;
  } else {
    const id = parseId(obj, () => fail('"id" is required'));
    const reference = requiredText(obj, 'reference');
    const prompt = optionalString(obj, 'prompt');
    const title = optionalString(obj, 'title');
    if ((title === undefined || title.trim() === '') && (prompt === undefined || prompt.trim() === '')) {
      fail('"title" must be a non-empty string (it is the prompt unless "prompt" is given)');
    }
    const effectivePrompt = prompt !== undefined && prompt.trim() !== '' ? prompt : title!;
    const hash = sha256(canonicalJson({ kind, title, prompt: effectivePrompt, system, reference }));
    item = { kind, id, set, line, tags, title: title ?? effectivePrompt, prompt: effectivePrompt, reference, hash };
    if (system !== undefined) item.system = system;
  }
  return { item, warnings };
}
