import type { ChatMessage, KeywordItem } from '../evalsets/types.js';
import { chatMessages, completionPrompt } from '../runs/prompt.js';
import { seededRandom, shuffled } from '../stats/random.js';

/**
 * An exemplar's answer: its expected facts (the first alternative of each keyword), so it scores
 * 1.0 on its own item. The model learns the answer format from it, never the target's facts.
 */
export function exemplarAnswer(item: KeywordItem): string {
  return `${item.keywords.map((k) => (Array.isArray(k) ? k[0]! : k)).join('; ')}.`;
}

/** A 32-bit hash of a string (FNV-1a): per-item seeds that do not depend on item order. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * The exemplars of an item's k-shot prompt number `prompt`: `shots` other items of its eval set
 * (fewer when the set is smaller), chosen at random but reproducibly from the seed, the item's
 * content and the prompt number. Each prompt draws its own, as in the paper.
 */
export function exemplarsFor(item: KeywordItem, pool: readonly KeywordItem[], shots: number, prompt: number, seed: number): KeywordItem[] {
  // Never the target, a duplicate of it, or an item whose answer would give the target's away.
  const alternatives = item.keywords.flatMap((k) => (Array.isArray(k) ? k : [k])).map((k) => k.toLowerCase()).filter((k) => k !== '');
  const others = pool.filter((p) => p.set === item.set && p.id !== item.id && p.hash !== item.hash &&
    !alternatives.some((k) => exemplarAnswer(p).toLowerCase().includes(k)));
  const random = seededRandom((seed ^ hash32(`${item.hash}\u0000${prompt}`)) >>> 0);
  return shuffled(others, random).slice(0, shots);
}

/** The k-shot chat: each exemplar as a user question and an assistant answer, then the item's own messages. */
export function kShotChat(item: KeywordItem, exemplars: readonly KeywordItem[]): ChatMessage[] {
  const own = chatMessages(item);
  const system = own.filter((m) => m.role === 'system');
  const shots = exemplars.flatMap((e): ChatMessage[] => [{ role: 'user', content: e.prompt }, { role: 'assistant', content: exemplarAnswer(e) }]);
  return [...system, ...shots, ...own.filter((m) => m.role !== 'system')];
}

/** The k-shot text prompt for the completions API: each exemplar rendered with the template and answered, then the item. */
export function kShotCompletion(item: KeywordItem, exemplars: readonly KeywordItem[], template: string | null): string {
  const answered = (e: KeywordItem) => {
    const q = completionPrompt(e, template);
    return `${q}${/\s$/.test(q) ? '' : ' '}${exemplarAnswer(e)}\n\n`;
  };
  return exemplars.map(answered).join('') + completionPrompt(item, template);
}
