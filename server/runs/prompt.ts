import type { ChatMessage, EvalItem } from '../evalsets/types.js';
import type { Api } from '../store/types.js';

export const DEFAULT_PROMPT_TEMPLATE = '{prompt}\n\n';

/** The chat messages sent for an item: its own messages (SFT lines) or system + user prompt. */
export function chatMessages(item: EvalItem): ChatMessage[] {
  if (item.kind === 'blog' && item.messages !== undefined) return item.messages;
  const out: ChatMessage[] = [];
  if (item.system !== undefined && item.system !== '') out.push({ role: 'system', content: item.system });
  out.push({ role: 'user', content: item.prompt });
  return out;
}

/**
 * The text prompt for the completions API, for base models without a chat template.
 * `{prompt}` is the item's prompt (the last user message for SFT lines); `{system}` its system
 * prompt or nothing.
 */
export function completionPrompt(item: EvalItem, template: string | null): string {
  const t = template ?? DEFAULT_PROMPT_TEMPLATE;
  return t.replaceAll('{system}', item.system ?? '').replaceAll('{prompt}', item.prompt);
}

/** One request of a run: an item with its generation settings, or the prompt a categorization sends instead. */
export interface GenerateRequest {
  item: EvalItem;
  maxTokens: number;
  temperature: number;
  seed: number | null;
  /** Chat messages sent instead of the item's own (a categorization's k-shot prompt). */
  messages?: ChatMessage[];
  /** The completions prompt sent instead of the item's own. */
  prompt?: string;
  /** Fields beyond the OpenAI parameters, sent as they are (top_k); dropped for good if the server refuses them. */
  extraBody?: Record<string, unknown>;
}

/** The exact prompt a request sends: JSON chat messages, or the completions text. */
export function requestPrompt(endpoint: { api: Api; promptTemplate: string | null }, req: Pick<GenerateRequest, 'item' | 'messages' | 'prompt'>): string {
  if (endpoint.api === 'completions') return req.prompt ?? completionPrompt(req.item, endpoint.promptTemplate);
  return JSON.stringify(req.messages ?? chatMessages(req.item));
}
