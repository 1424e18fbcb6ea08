/**
 * A scripted checkpoint that knows each fact to a latent degree, for simulating what the gate can
 * see (issue 20): each item has a knowledge strength per checkpoint; the greedy answer is right
 * when that strength plus decoding noise is above 0, and every token of a scored candidate answer
 * gets the checkpoint's style shift (every candidate alike), half the strength (added to the true
 * answer, taken from the wrong ones) and its own noise. The same seed gives the same answers and
 * log-probabilities, whatever the order or concurrency of the requests, so a retried or repeated
 * request is answered alike. Serves /completions (echo + logprobs scores a candidate at the
 * prompt's end) and vLLM's chat prompt_logprobs (a continued assistant turn is the candidate).
 */
import { seededRandom, standardNormal } from '../stats/random.js';
import type { Responder, ScriptedReply, ScriptedRequest } from './scripted-endpoint.js';

/** One item as the checkpoints know it. */
export interface LatentItem {
  /** The item's prompt, as a request carries it (in the rendered prompt, or as the last user message). */
  prompt: string;
  answer: string;
  wrongAnswers: readonly string[];
  /** The greedy reply when the checkpoint gets the fact right, and when it does not. */
  right: string;
  wrong: string;
}

/** One checkpoint's knowledge: served under its model name. */
export interface LatentCheckpoint {
  /** Seeds its decoding and token noise. */
  seed: number;
  /** Knowledge strength per item, in the order of the items. */
  strength: readonly number[];
  /** Per item, each candidate's own log-probability per token apart from knowledge ([answer, ...wrong]: how likely its wording is); 0 when absent. */
  wording?: ReadonlyArray<readonly number[]>;
  /** A change of style: added to every token of every candidate alike, so it cancels out of a margin. */
  style: number;
  /** Standard deviation of each scored token's noise. */
  tokenSd: number;
  /** Standard deviation of the decoding noise the greedy answer's correctness is drawn with. */
  greedySd: number;
}

/** A number from (seed, item, what) alone: requests may come in any order. */
function draw(seed: number, item: number, what: number): () => number {
  return seededRandom(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(item + 1, 0xc2b2ae35) ^ Math.imul(what + 1, 0x27d4eb2f));
}

/** Whether the checkpoint's greedy answer to item `i` is right. */
export function answersRight(c: LatentCheckpoint, i: number): boolean {
  return c.strength[i]! + c.greedySd * standardNormal(draw(c.seed, i, 0)) > 0;
}

/** The per-token shift of candidate `j` (0 = the answer) of item `i`, and its tokens' noise. */
export function candidateShift(c: LatentCheckpoint, i: number, j: number): { perToken: number; tokenNoise: (n: number) => number } {
  const knowledge = (j === 0 ? 1 : -1) * c.strength[i]! / 2;
  const r = draw(c.seed, i, j + 1);
  const noise: number[] = [];
  return {
    perToken: (c.wording?.[i]?.[j] ?? 0) + c.style + knowledge,
    // Drawn in token order and kept, so the n-th token's noise is the same however often it is asked.
    tokenNoise: (n) => {
      while (noise.length <= n) noise.push(c.tokenSd * standardNormal(r));
      return noise[n]!;
    },
  };
}

/** Which item a request is about: the one whose prompt it carries (the longest, should one prompt contain another). */
function itemOf(items: readonly LatentItem[], text: string): number {
  let best = -1;
  items.forEach((item, i) => {
    if (text.includes(item.prompt) && (best < 0 || item.prompt.length > items[best]!.prompt.length)) best = i;
  });
  return best;
}

/**
 * A responder for many checkpoints at once, told apart by the requested model name (read live, so
 * checkpoints may be added while it serves). A request for an unknown model or item is a 404.
 */
export function latentKnowledgeResponder(items: readonly LatentItem[], checkpoints: ReadonlyMap<string, LatentCheckpoint>): Responder {
  return (req: ScriptedRequest): ScriptedReply => {
    const c = checkpoints.get(req.model);
    const last = req.messages?.at(-1);
    // A continued assistant turn (chat) or the whole prompt (completions) ends with the scored candidate.
    const scoredText = last?.role === 'assistant' ? last.content : (req.prompt ?? '');
    const i = itemOf(items, req.messages !== null ? req.messages.map((m) => m.content).join('\n') : (req.prompt ?? ''));
    if (c === undefined || i < 0) return { status: 404, body: JSON.stringify({ error: { message: `no latent knowledge for model ${req.model} and this prompt` } }) };
    const item = items[i]!;
    const scoring = req.body.echo === true || typeof req.body.prompt_logprobs === 'number';
    if (!scoring) return { content: answersRight(c, i) ? item.right : item.wrong };
    const candidates = [item.answer, ...item.wrongAnswers];
    // The longest candidate the text ends with (one may end another); none: the prompt alone (a chat prefix) is scored as is.
    const j = candidates.reduce((best, candidate, k) => (scoredText.endsWith(candidate) && (best < 0 || candidate.length > candidates[best]!.length) ? k : best), -1);
    if (j < 0) return { content: '' };
    return { content: '', logprobShift: { text: candidates[j]!, ...candidateShift(c, i, j) } };
  };
}
