import { answerOfCompletion, categorizeRequests } from '../categorize/categorize-requests.js';
import type { EvalItem } from '../evalsets/types.js';
import type { GenerateRequest } from '../runs/prompt.js';
import type { Run } from '../store/types.js';
import type { Task } from './work-left.js';

/** How a run asks its items and reads the answers. */
export interface ItemRequests {
  /** Whether the run is a categorization (k-shot draws) rather than an evaluation. */
  categorizing: boolean;
  /** The request for one item × sample. */
  requestFor(task: Task): GenerateRequest;
  /** The answer in what the endpoint returned (a base model's continuation is cut at the next question). */
  answerOf(content: string): string;
}

/**
 * A categorization asks each item with k-shot prompts, greedy and sampled (categorize/); an
 * evaluation sends the item as it is.
 */
export function itemRequests(run: Run, items: readonly EvalItem[]): ItemRequests {
  const { params } = run;
  const endpoint = run.provenance.endpoint;
  const categorize = run.kind === 'categorize' && params.categorize !== undefined ? categorizeRequests(params.categorize, items, endpoint) : null;
  return {
    categorizing: categorize !== null,
    requestFor: ({ item, sample }) =>
      categorize !== null && item.kind === 'keyword'
        ? categorize(item, sample)
        : { item, maxTokens: params.maxTokens[item.kind], temperature: params.temperature, seed: params.seed === null ? null : params.seed + sample },
    answerOf: (content) => (categorize !== null && endpoint.api === 'completions' ? answerOfCompletion(content, endpoint.promptTemplate) : content),
  };
}
