import { canonicalJson, sha256 } from '../evalsets/hash.js';
import { judgeErrorMessage } from '../judge/ask.js';
import { askValidated, type JsonClient, VerdictError } from '../http/ask-json.js';
import { runPool } from '../http/pool.js';
import type { GenerationRepo } from '../store/generations.js';
import { buildSets, type BuiltSets, type FactReply } from './build-items.js';
import type { Fact, Facts } from './facts.js';
import { generatorPrompt, parseGeneratorReply, PROMPT_VERSION, type GenerateCounts, type GeneratedReply, type Lang } from './generator-prompt.js';

export interface GenerateRequest {
  facts: Facts;
  langs: readonly Lang[];
  counts: GenerateCounts;
  seed: number;
  /** The system prompt anchor of the training pairs. */
  system?: string;
  concurrency: number;
  /** Aborted (Ctrl-C): no new request is started; replies already validated stay cached. */
  signal?: AbortSignal;
}

/** A (fact, language) whose reply stayed unusable after one retry, or whose request failed. */
export interface GenerationFailure {
  factId: string;
  line: number;
  lang: Lang;
  error: string;
}

export interface GenerateOutcome extends BuiltSets {
  /** (fact, language) pairs asked of the generator by this call, and those read from the cache. */
  asked: number;
  cached: number;
  failures: GenerationFailure[];
  /** Stopped by the signal before every (fact, language) had a reply. */
  interrupted: boolean;
}

/** One line for a failed request: a reply still unusable after its retry, or the transport's error (never a credential). */
function failureMessage(e: unknown): string {
  if (e instanceof VerdictError) {
    const why = e.message.replace(/^unparsable verdict after one retry: /, '');
    // A reply cut off at the token budget is JSON that never closes.
    const hint = /no JSON object|does not parse/.test(why) ? ' (a reply cut off at the token budget reads this way: try a larger --max-tokens)' : '';
    return `reply unusable after one retry: ${why}${hint}`;
  }
  return judgeErrorMessage(e).replace(/^judge /, '');
}

/** The cache key of one request: generator, prompt version and everything the generator is shown. */
function cacheKey(generator: string, prompt: { system: string; user: string; schema: object }): string {
  return sha256(canonicalJson({ generator, prompt_version: PROMPT_VERSION, prompt }));
}

/**
 * Asks the generator about every fact in every language (cached replies cost nothing; a reply
 * that does not validate is retried once in the same conversation, then reported) and builds
 * the eval sets and training pairs from the replies that validated.
 */
export async function generateFromFacts(req: GenerateRequest, client: JsonClient, cache: GenerationRepo): Promise<GenerateOutcome> {
  const tasks = req.facts.facts.flatMap((fact) => req.langs.map((lang) => ({ fact, lang })));
  const replies = new Map<string, GeneratedReply>();
  const failures: GenerationFailure[] = [];
  let asked = 0;
  let cached = 0;
  const keyOf = (t: { fact: Fact; lang: Lang }) => `${t.fact.id}\u0000${t.lang}`;
  await runPool(tasks, req.concurrency, async (t) => {
    if (req.signal?.aborted === true) return;
    const prompt = generatorPrompt(req.facts, t.fact, t.lang, req.counts);
    const key = cacheKey(client.id, prompt);
    const hit = cache.cached(key) as GeneratedReply | undefined;
    if (hit !== undefined) {
      cached++;
      replies.set(keyOf(t), hit);
      return;
    }
    asked++;
    try {
      const reply = await askValidated(client, prompt, (text) => parseGeneratorReply(text, req.counts));
      cache.cache(key, client.id, PROMPT_VERSION, reply);
      replies.set(keyOf(t), reply);
    } catch (e) {
      failures.push({ factId: t.fact.id, line: t.fact.line, lang: t.lang, error: failureMessage(e) });
    }
  }, req.signal);
  // File order, whatever order the replies arrived in: the output depends on the replies and the seed only.
  const ordered: FactReply[] = tasks.flatMap((t) => {
    const reply = replies.get(keyOf(t));
    return reply === undefined ? [] : [{ ...t, reply }];
  });
  failures.sort((a, b) => a.line - b.line || a.lang.localeCompare(b.lang));
  const built = buildSets(ordered, {
    seed: req.seed, generator: client.id, promptVersion: PROMPT_VERSION, facts: req.facts.facts, ...(req.system !== undefined ? { system: req.system } : {}),
  });
  const interrupted = req.signal?.aborted === true && replies.size + failures.length < tasks.length;
  return { ...built, asked, cached, failures, interrupted };
}
