import type { ChatMessage, EvalItem } from '../evalsets/types.js';

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
