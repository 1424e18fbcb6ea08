import { endpointLimits, readSecret, type Env } from '../config.js';
import type { BlogItem } from '../evalsets/types.js';
import type { Progress } from '../runner/run-progress.js';
import type { Store } from '../store/open.js';
import { createOpenAIClient } from '../http/openai-client.js';
import { runPool } from '../http/pool.js';
import { completionPrompt } from '../runs/prompt.js';
import { classifyFailure } from '../http/retry.js';
import { spanLogprobs, type PromptLogprobs as Logprobs } from '../scoring/likelihood.js';

export interface PerplexityReport {
  measured: number;
  /** Why perplexity was skipped for this run, or null. */
  skipped: string | null;
}

/** Thrown when the endpoint cannot give prompt logprobs: perplexity is skipped for the run. */
class Unsupported extends Error {}

/**
 * Perplexity of the reference given the prompt: exp of the mean negative log-probability of the
 * reference's tokens, read from a completions request that echoes the prompt with logprobs.
 * Offsets are in characters (code points, as vLLM counts them; rebuilt from the tokens when a
 * server sends -1, as SGLang does); only tokens starting inside the reference count, so the
 * prompt and any generated token are left out.
 */
export function referencePerplexity(prefix: string, reference: string, lp: Logprobs): number {
  const picked = spanLogprobs(prefix, reference, lp);
  if (picked === null) throw new Unsupported('the response has no prompt logprobs (token_logprobs with text_offset or tokens)');
  if (picked.length === 0) throw new Unsupported('no logprobs for the reference tokens');
  return Math.exp(-picked.reduce((s, v) => s + v, 0) / picked.length);
}

/**
 * Measures the perplexity of every blog item's held-out reference given its prompt, through the
 * completions API with echo and logprobs (vLLM supports this; many servers do not). The most
 * sensitive signal of lost blog-writing ability, so it is worth a request per item when it works.
 * On the first sign the endpoint cannot do it, the whole run skips it with a note (no errors).
 * Chat checkpoints are measured with the completions prompt template, not their chat template.
 */
export async function measurePerplexity(
  store: Store, runId: number, env: Env, opts: { concurrency: number; timeoutMs: number; onProgress?: (p: Progress) => void },
): Promise<PerplexityReport> {
  const run = store.runs.get(runId);
  const checkpoint = store.checkpoints.getById(run.checkpointId)!;
  const items = store.runs.items(runId).filter((i): i is BlogItem => i.kind === 'blog');
  const stored = new Map(store.results.list(runId).filter((r) => r.sample === 0).map((r) => [`${r.set}\u0000${r.itemId}`, r]));
  const todo = items.filter((i) => {
    const r = stored.get(`${i.set}\u0000${i.id}`);
    return r !== undefined && (r.scores ?? {}).perplexity === undefined;
  });
  const report: PerplexityReport = { measured: 0, skipped: null };
  if (todo.length === 0) return report;

  const apiKey = readSecret(checkpoint.apiKeyEnv, env, { field: `checkpoint ${checkpoint.name}: baseUrls`, urls: checkpoint.baseUrls.slice(0, 1) });
  // The first replica: perplexity is a property of the model, the same on every replica.
  const { client, close } = createOpenAIClient(checkpoint.baseUrls[0]!, {
    apiKey, timeoutMs: opts.timeoutMs, maxRetries: 2, maxSockets: opts.concurrency, maxResponseBytes: endpointLimits(env).maxResponseBytes,
  });
  // One request per reference: counted when answered, as a run counts its results.
  const started = performance.now();
  let done = 0;
  const progress = () => opts.onProgress?.({ done, total: todo.length, errors: 0, requests: done, elapsedMs: performance.now() - started });
  progress();
  try {
    await runPool(todo, opts.concurrency, async (item) => {
      if (report.skipped !== null) return;
      const prefix = completionPrompt(item, checkpoint.api === 'completions' ? checkpoint.promptTemplate : null);
      try {
        const body = await client.completions.create({
          model: checkpoint.model, prompt: prefix + item.reference, max_tokens: 1, temperature: 0, echo: true, logprobs: 1,
        });
        const lp = (body as { choices?: Array<{ logprobs?: Logprobs | null }> }).choices?.[0]?.logprobs;
        const ppl = referencePerplexity(prefix, item.reference, lp ?? {});
        store.results.addScore({ runId, set: item.set, itemId: item.id, sample: 0 }, 'perplexity', {
          value: ppl, explanation: `perplexity ${ppl.toFixed(2)} of the held-out reference given the prompt`,
        });
        report.measured++;
      } catch (e) {
        report.skipped ??= e instanceof Unsupported ? e.message : classifyFailure(e, opts.timeoutMs, [apiKey]).message;
      } finally {
        done++;
        progress();
      }
    });
  } finally {
    close();
  }
  if (report.skipped !== null) {
    report.skipped = skipReason(run.provenance.serving?.[0]?.server ?? null, report.skipped);
    store.runs.addNote(runId, `perplexity skipped: ${report.skipped}`);
  }
  return report;
}

/** Why servers other than vLLM and SGLang give no perplexity (docs/servers.md). */
const CANNOT: Record<string, string> = {
  'llama.cpp': "llama.cpp's /v1/completions refuses echo, so it cannot return the prompt's logprobs",
  Ollama: "Ollama's /v1/completions does not echo the prompt or return its logprobs",
  TGI: "TGI's /v1/completions does not echo the prompt or return its logprobs",
  'LM Studio': "LM Studio's /v1/completions does not return the prompt's logprobs",
};

/** Why a server cannot give the prompt's logprobs on /completions, when it is one known not to; else undefined. */
export function cannotReason(server: string): string | undefined {
  return Object.hasOwn(CANNOT, server) ? CANNOT[server] : undefined;
}

/** The one-line reason for the note: the server by name when it is known not to support it. */
export function skipReason(server: string | null, detail: string): string {
  const known = server !== null ? cannotReason(server) : undefined;
  if (known !== undefined) return `${known} (it answered: ${detail}); perplexity is measured on vLLM and SGLang`;
  return `${detail} (the endpoint must support /completions with echo and logprobs, as vLLM and SGLang do)`;
}
