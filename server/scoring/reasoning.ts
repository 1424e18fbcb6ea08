export interface SplitAnswer {
  /** The final answer: what is scored. */
  answer: string;
  /** The model's reasoning, kept in the stored row but never scored; null when there is none. */
  reasoning: string | null;
}

const OPEN = '<think>';
const CLOSE = '</think>';

/**
 * Separates a reasoning model's thinking from its final answer. Handles `<think>…</think>` in
 * the content, a lone `</think>` (chat templates that open the tag in the prompt), an unclosed
 * `<think>` (generation cut off while thinking: the final answer is empty), and a separate
 * `reasoning_content`/`reasoning` field from the server.
 */
export function splitReasoning(content: string, reasoningField?: string | null): SplitAnswer {
  const parts: string[] = [];
  if (reasoningField !== undefined && reasoningField !== null && reasoningField.trim() !== '') {
    parts.push(reasoningField.trim());
  }
  let answer = content;
  const close = answer.lastIndexOf(CLOSE);
  if (close >= 0) {
    const head = answer.slice(0, close);
    const open = head.indexOf(OPEN);
    parts.push((open >= 0 ? head.slice(open + OPEN.length) : head).trim());
    answer = (open >= 0 ? head.slice(0, open) : '') + answer.slice(close + CLOSE.length);
  } else {
    const open = answer.indexOf(OPEN);
    if (open >= 0) {
      parts.push(answer.slice(open + OPEN.length).trim());
      answer = answer.slice(0, open);
    }
  }
  const reasoning = parts.filter((p) => p !== '').join('\n\n');
  return { answer: answer.trim(), reasoning: reasoning === '' ? null : reasoning };
}
