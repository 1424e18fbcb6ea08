/**
 * Knowledge read from likelihoods (Gekhman et al. 2025, "Inside-Out"): the log-probability a
 * checkpoint gives an item's true answer and its plausible false answers after the item's prompt.
 * Pure functions over the log-probabilities servers return; the requests are in
 * pipeline/likelihood.ts.
 */

/** The per-item likelihood metrics, as stored in a result's `scores` and read by the registry. */
export const LIKELIHOOD_METRICS = ['knowledge_margin', 'knowledge_rank', 'answer_logprob'] as const;
export type LikelihoodMetric = (typeof LIKELIHOOD_METRICS)[number];

/** Legacy completions logprobs over an echoed prompt (vLLM's CompletionLogProbs). */
export interface PromptLogprobs {
  tokens?: string[];
  token_logprobs?: Array<number | null>;
  text_offset?: number[];
}

/**
 * Character offsets of each token, in code points. vLLM sends them; SGLang sends -1 for every
 * one, so they are rebuilt from the token texts (the echoed prompt is their concatenation).
 */
export function tokenOffsets(lp: PromptLogprobs): number[] | null {
  const offsets = lp.text_offset;
  if (Array.isArray(offsets) && offsets.length > 0 && offsets.every((o) => typeof o === 'number' && o >= 0)) return offsets;
  if (!Array.isArray(lp.tokens) || !lp.tokens.every((t) => typeof t === 'string')) return null;
  let at = 0;
  return lp.tokens.map((t) => {
    const start = at;
    at += Array.from(t).length;
    return start;
  });
}

/**
 * The log-probabilities of the tokens of `text` when the echoed prompt was `prefix + text`: the
 * tokens whose offset (code points) falls inside `text`, so the prompt and any generated token
 * are left out (as lm-evaluation-harness scores a continuation). Null when the response has no
 * prompt logprobs at all; empty when none of its tokens starts inside `text`.
 */
export function spanLogprobs(prefix: string, text: string, lp: PromptLogprobs): number[] | null {
  const lps = lp.token_logprobs;
  const offsets = tokenOffsets(lp);
  if (!Array.isArray(lps) || offsets === null || lps.length !== offsets.length) return null;
  const start = Array.from(prefix).length;
  const end = start + Array.from(text).length;
  return lps.filter((v, i) => typeof v === 'number' && offsets[i]! >= start && offsets[i]! < end) as number[];
}

/** One position of vLLM's chat `prompt_logprobs`: null for the first token, else token id → its logprob. */
export type ChatPromptLogprob = Record<string, { logprob?: unknown }> | null;

/** The token ids of a chat `prompt_logprobs` list (null where a position names none, as the first). */
function positionIds(list: readonly ChatPromptLogprob[]): Array<string | null> {
  // With prompt_logprobs 0 each position holds the prompt token alone; with more, the prompt
  // token is the one vLLM always includes, so a single-entry position is unambiguous.
  return list.map((p) => (p !== null && typeof p === 'object' && Object.keys(p).length === 1 ? Object.keys(p)[0]! : null));
}

/**
 * The log-probabilities of a chat continuation's tokens from vLLM's `prompt_logprobs`: `prefix`
 * is the list for the conversation up to the assistant's turn (add_generation_prompt), `full` the
 * list for the same conversation continued with the candidate (continue_final_message). The
 * candidate's tokens are the positions after the prefix; null when the prefix's tokens are not the
 * full prompt's first tokens (the template renders the turn differently when it is continued), or
 * the lists are not prompt logprobs.
 */
export function chatSpanLogprobs(prefix: readonly ChatPromptLogprob[], full: readonly ChatPromptLogprob[]): number[] | null {
  if (!Array.isArray(prefix) || !Array.isArray(full) || prefix.length === 0 || full.length <= prefix.length) return null;
  const a = positionIds(prefix);
  const b = positionIds(full);
  for (let i = 1; i < a.length; i++) if (a[i] === null || a[i] !== b[i]) return null;
  const out: number[] = [];
  for (const p of full.slice(prefix.length)) {
    const entry = p === null ? undefined : (Object.values(p)[0] as { logprob?: unknown } | null | undefined);
    const v = entry?.logprob;
    if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    out.push(v);
  }
  return out;
}

/** A candidate's score: its mean log-probability per token (null for no tokens). */
export function meanLogprob(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

export interface KnowledgeScores {
  answer_logprob: number;
  /** The answer's score minus the mean of the wrong answers' scores; null without wrong answers. */
  knowledge_margin: number | null;
  /** Share of (answer, wrong answer) pairs the answer wins (a tie is half a win); null without wrong answers. */
  knowledge_rank: number | null;
}

/**
 * An item's likelihood metrics from its candidates' scores. The margin is continuous and a
 * shift of style (every sentence more or less likely alike) cancels out of it; the rank is
 * Inside-Out's per-question score, nearly a step per item.
 */
export function knowledgeScores(answer: number, wrong: readonly number[]): KnowledgeScores {
  if (wrong.length === 0) return { answer_logprob: answer, knowledge_margin: null, knowledge_rank: null };
  const mean = wrong.reduce((s, w) => s + w, 0) / wrong.length;
  const wins = wrong.reduce((s, w) => s + (answer > w ? 1 : answer === w ? 0.5 : 0), 0);
  return { answer_logprob: answer, knowledge_margin: answer - mean, knowledge_rank: wins / wrong.length };
}
