import type { EvalItem, KeywordItem } from '../evalsets/types.js';
import type { GenerateRequest } from '../runs/prompt.js';
import type { Api, SlickSettings } from '../store/types.js';
import { exemplarsFor, kShotChat, kShotCompletion } from './k-shot.js';
import { decodeSample } from './slick.js';

/**
 * The request for one draw of a categorization: the item's k-shot prompt number p (its own
 * exemplars), greedy for draw 0 and sampled at the settings' temperature and top-k for the
 * others. Each draw has its own seed, so sampled answers differ and a rerun repeats them.
 */
export function categorizeRequests(settings: SlickSettings, items: readonly EvalItem[], endpoint: { api: Api; promptTemplate: string | null }) {
  const pool = items.filter((i): i is KeywordItem => i.kind === 'keyword');
  return (item: KeywordItem, sample: number): GenerateRequest => {
    const { prompt, draw } = decodeSample(sample, settings);
    const exemplars = exemplarsFor(item, pool, settings.shots, prompt, settings.seed);
    const greedy = draw === 0;
    return {
      item,
      maxTokens: settings.maxTokens,
      temperature: greedy ? 0 : settings.temperature,
      seed: greedy ? null : settings.seed + sample,
      ...(endpoint.api === 'completions' ? { prompt: kShotCompletion(item, exemplars, endpoint.promptTemplate) } : { messages: kShotChat(item, exemplars) }),
      ...(greedy ? {} : { extraBody: { top_k: settings.topK } }),
    };
  };
}

/**
 * A base model continuing a k-shot text prompt goes on to write the next question: its answer
 * ends at the first blank line (the exemplars' separator) or at a line that starts the next
 * question the way the template does ("Q:"). Leading blank lines are skipped. Chat answers are kept whole.
 */
export function answerOfCompletion(text: string, template: string | null): string {
  const t = text.replace(/^\s+/, '');
  const prefix = (template ?? '').split('{prompt}')[0]!.replace('{system}', '').trim();
  const ends = [t.indexOf('\n\n'), prefix !== '' ? t.indexOf(`\n${prefix}`) : -1].filter((i) => i >= 0);
  return ends.length === 0 ? t : t.slice(0, Math.min(...ends));
}
