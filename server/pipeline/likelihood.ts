import { APIError } from 'openai';
import { endpointLimits, readSecret, type Env } from '../config.js';
import { candidatesHash } from '../evalsets/hash.js';
import type { KeywordItem } from '../evalsets/types.js';
import type { Progress } from '../runner/run-progress.js';
import { createOpenAIClient } from '../http/openai-client.js';
import { cannotReason } from './perplexity.js';
import { runPool } from '../http/pool.js';
import { chatMessages, completionPrompt } from '../runs/prompt.js';
import { classifyFailure } from '../http/retry.js';
import { chatSpanLogprobs, knowledgeScores, meanLogprob, spanLogprobs, type ChatPromptLogprob, type PromptLogprobs } from '../scoring/likelihood.js';
import type { Store } from '../store/open.js';
import type { Api } from '../store/types.js';

export interface LikelihoodReport {
  /** Items whose likelihood metrics were stored. */
  measured: number;
  /** Requests sent (one per candidate, and one per item for a chat checkpoint's prefix). */
  requests: number;
  /** Why the rest of the run was not measured, or null. */
  skipped: string | null;
}

/** Thrown when the endpoint gives no prompt log-probabilities: the run skips the metrics. */
class Unsupported extends Error {}

/** The note's start: one per run, replaced when measured again. */
export const LIKELIHOOD_NOTE = 'likelihood metrics skipped: ';

/** Why a chat checkpoint on these servers gets no likelihoods (what their source shows; docs/servers.md). */
const CANNOT_CHAT: Record<string, string> = {
  SGLang: "SGLang's /v1/chat/completions returns log-probabilities of generated tokens only, not of the prompt, and its /v1/tokenize takes no messages",
  'llama.cpp': "llama.cpp's /v1/chat/completions returns no prompt log-probabilities",
  Ollama: "Ollama's /v1/chat/completions returns no prompt log-probabilities",
  TGI: "TGI's /v1/chat/completions returns no prompt log-probabilities",
  'LM Studio': "LM Studio's /v1/chat/completions returns no prompt log-probabilities",
};

const WHERE = 'the likelihood metrics are measured on vLLM (the chat or completions API) and SGLang (the completions API)';

/** The one-line reason for the note, naming the server when it is known not to support it. */
export function likelihoodSkipReason(server: string | null, api: Api, detail: string): string {
  const known = server === null ? undefined : api === 'chat' ? (Object.hasOwn(CANNOT_CHAT, server) ? CANNOT_CHAT[server] : undefined) : cannotReason(server);
  if (known !== undefined) return `${known} (it answered: ${detail}); ${WHERE}`;
  return `${detail} (the endpoint must return prompt log-probabilities: ${WHERE})`;
}

/** A 400 or 422: the server refused the request's shape (max_tokens 0, an unknown field). */
const refused = (e: unknown) => e instanceof APIError && (e.status === 400 || e.status === 422);

interface Scorer {
  /** Requests per item beyond one per candidate. */
  extraPerItem: number;
  /** Each candidate's mean log-probability per token after the item's prompt; throws Unsupported. */
  score(item: KeywordItem, candidates: readonly string[]): Promise<number[]>;
}

/**
 * Measures, for every keyword item with an `answer`, the log-probability the checkpoint gives the
 * answer and its wrong answers after the item's prompt, rendered as the run renders it, and stores
 * knowledge_margin, knowledge_rank and answer_logprob on its first sample's result with the hash of
 * the candidates. Completions checkpoints: one echo request per candidate, its tokens found by
 * text_offset (as lm-evaluation-harness scores a continuation). Chat checkpoints: vLLM's
 * prompt_logprobs, once for the conversation up to the answer and once per candidate continuing
 * it. On the first sign the endpoint cannot do it the run skips the rest with one note: the
 * metrics are then absent, never zero.
 */
export async function measureLikelihoods(
  store: Store, runId: number, env: Env, opts: { concurrency: number; timeoutMs: number; onProgress?: (p: Progress) => void },
): Promise<LikelihoodReport> {
  const run = store.runs.get(runId);
  const checkpoint = store.checkpoints.getById(run.checkpointId)!;
  const stored = new Map(store.results.list(runId).filter((r) => r.sample === 0 && r.error === null).map((r) => [`${r.set}\u0000${r.itemId}`, r]));
  // Items answered (their first sample stored without error) and not yet measured: a resume measures the rest.
  const todo = store.runs.items(runId).filter((i): i is KeywordItem & { answer: string } => {
    if (i.kind !== 'keyword' || i.answer === undefined) return false;
    const r = stored.get(`${i.set}\u0000${i.id}`);
    return r !== undefined && (r.scores ?? {}).answer_logprob === undefined;
  });
  const report: LikelihoodReport = { measured: 0, requests: 0, skipped: null };
  if (todo.length === 0) return report;

  const api = checkpoint.api;
  const apiKey = readSecret(checkpoint.apiKeyEnv, env, { field: `checkpoint ${checkpoint.name}: baseUrls`, urls: checkpoint.baseUrls.slice(0, 1) });
  // The first replica: a likelihood is a property of the model, the same on every replica.
  const { client, close } = createOpenAIClient(checkpoint.baseUrls[0]!, {
    apiKey, timeoutMs: opts.timeoutMs, maxRetries: 2, maxSockets: opts.concurrency, maxResponseBytes: endpointLimits(env).maxResponseBytes,
  });
  const started = performance.now();
  const scorer = api === 'completions' ? completionsScorer(client, checkpoint.model, checkpoint.promptTemplate, () => report.requests++)
    : chatScorer(client, checkpoint.model, () => report.requests++);
  const total = todo.reduce((s, i) => s + 1 + (i.wrongAnswers?.length ?? 0) + scorer.extraPerItem, 0);
  const progress = () => opts.onProgress?.({ done: report.requests, total, errors: 0, requests: report.requests, elapsedMs: performance.now() - started });
  progress();
  try {
    await runPool(todo, opts.concurrency, async (item) => {
      if (report.skipped !== null) return;
      const wrong = item.wrongAnswers ?? [];
      try {
        const [answer, ...others] = await scorer.score(item, [item.answer, ...wrong]);
        const k = knowledgeScores(answer!, others);
        const key = { runId, set: item.set, itemId: item.id, sample: 0 };
        const candidates = candidatesHash(item);
        const put = (name: string, value: number | null, explanation: string) => {
          if (value !== null) store.results.addScore(key, name, { value, explanation, candidates });
        };
        // One transaction: answer_logprob, written last, marks the item measured (a resume skips it).
        store.db.transaction(() => {
          put('knowledge_margin', k.knowledge_margin, `the answer's mean log-probability per token minus the mean of ${others.length} wrong answers' (${others.map((o) => o.toFixed(3)).join(', ')})`);
          put('knowledge_rank', k.knowledge_rank, `the answer scores higher than ${Math.round((k.knowledge_rank ?? 0) * others.length)} of ${others.length} wrong answers (a tie is half)`);
          put('answer_logprob', k.answer_logprob, `mean log-probability per token of the answer (${answer!.toFixed(3)}) after the prompt`);
        })();
        report.measured++;
      } catch (e) {
        report.skipped ??= e instanceof Unsupported ? e.message : classifyFailure(e, opts.timeoutMs, [apiKey]).message;
      } finally {
        progress();
      }
    });
  } finally {
    close();
  }
  if (report.skipped !== null) {
    report.skipped = likelihoodSkipReason(run.provenance.serving?.[0]?.server ?? null, api, report.skipped);
    if (report.measured > 0) report.skipped = `measured for ${report.measured} of ${todo.length} items, then: ${report.skipped}`;
  }
  // One note per run: measured again (a resume), it replaces the last one, or goes once all were measured.
  store.runs.replaceNotes(runId, (n) => n.startsWith(LIKELIHOOD_NOTE), report.skipped === null ? [] : [`${LIKELIHOOD_NOTE}${report.skipped}`]);
  return report;
}

type Client = ReturnType<typeof createOpenAIClient>['client'];

/**
 * Completions: the rendered prompt and the candidate (after a space when the prompt does not end
 * in one) echoed with logprobs; max_tokens 0 (only the prompt is scored), 1 where a server refuses 0.
 */
function completionsScorer(client: Client, model: string, template: string | null, sent: () => void): Scorer {
  let maxTokens = 0;
  async function echo(prompt: string): Promise<PromptLogprobs> {
    for (;;) {
      const tokens = maxTokens;
      sent();
      try {
        const body = await client.completions.create({ model, prompt, max_tokens: tokens, temperature: 0, echo: true, logprobs: 1 });
        return (body as { choices?: Array<{ logprobs?: PromptLogprobs | null }> }).choices?.[0]?.logprobs ?? {};
      } catch (e) {
        if (tokens === 0 && refused(e)) {
          maxTokens = 1;
          continue;
        }
        throw e;
      }
    }
  }
  return {
    extraPerItem: 0,
    async score(item, candidates) {
      const prefix = completionPrompt(item, template);
      // lm-evaluation-harness's target delimiter: a template ending in "A:" is answered " Paris".
      const delimiter = prefix === '' || /\s$/u.test(prefix) ? '' : ' ';
      const out: number[] = [];
      for (const c of candidates) {
        const scored = delimiter + c;
        const picked = spanLogprobs(prefix, scored, await echo(prefix + scored));
        if (picked === null) throw new Unsupported('the response has no prompt logprobs (token_logprobs with text_offset or tokens)');
        const mean = meanLogprob(picked);
        if (mean === null) throw new Unsupported('no logprobs for the candidate answer\'s tokens');
        out.push(mean);
      }
      return out;
    },
  };
}

/**
 * Chat: vLLM's `prompt_logprobs` on /chat/completions. The conversation up to the assistant's turn
 * (add_generation_prompt) gives the prefix's tokens; each candidate continues that turn
 * (continue_final_message), and its tokens are the positions after the prefix.
 */
function chatScorer(client: Client, model: string, sent: () => void): Scorer {
  async function promptLogprobs(body: Record<string, unknown>): Promise<ChatPromptLogprob[]> {
    sent();
    const res = await client.chat.completions.create({ model, temperature: 0, max_tokens: 1, prompt_logprobs: 0, ...body } as unknown as Parameters<Client['chat']['completions']['create']>[0]);
    const list = (res as unknown as { prompt_logprobs?: unknown }).prompt_logprobs;
    if (!Array.isArray(list)) throw new Unsupported('the chat response has no prompt_logprobs');
    return list as ChatPromptLogprob[];
  }
  return {
    extraPerItem: 1,
    async score(item, candidates) {
      const messages = chatMessages(item);
      const prefix = await promptLogprobs({ messages, add_generation_prompt: true });
      const out: number[] = [];
      for (const c of candidates) {
        const full = await promptLogprobs({ messages: [...messages, { role: 'assistant', content: c }], add_generation_prompt: false, continue_final_message: true });
        const mean = meanLogprob(chatSpanLogprobs(prefix, full) ?? []);
        if (mean === null) throw new Unsupported('the chat template renders a continued assistant turn differently from a new one (its first tokens differ), so the answer\'s tokens cannot be told apart');
        out.push(mean);
      }
      return out;
    },
  };
}
