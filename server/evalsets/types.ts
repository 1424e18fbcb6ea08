/** A chat message as the OpenAI wire format has it (text content only). */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A keyword, or a list of alternatives of which any one counts as the hit. */
export type Keyword = string | string[];

interface ItemBase {
  id: string;
  /** Name of the eval set (file name without `.jsonl`). */
  set: string;
  /** 1-based line in the source file, for messages that point back to it. */
  line: number;
  tags: string[];
  system?: string;
  /** Content hash over what the model sees and what scoring uses (see hash.ts). */
  hash: string;
}

/** Question with expected facts (`keywords`) and known hallucinations (`forbidden`). */
export interface KeywordItem extends ItemBase {
  kind: 'keyword';
  prompt: string;
  keywords: Keyword[];
  forbidden: string[];
  /**
   * The refusal rule (`"forbidden_fails"` in the file): a forbidden string in the answer scores
   * the item 0. On by default in refusal-family sets (see family.ts), off elsewhere. Absent on item
   * snapshots stored before the rule existed: off, as they were scored.
   */
  forbiddenFails?: boolean;
  /**
   * The fact this question asks about (`"fact_id"` in the file): items sharing one are phrasings
   * of the same question, and a set's `consistency` counts a fact right only when all are.
   */
  factId?: string;
  /**
   * A sentence stating the fact (`"answer"` in the file): the likelihood metrics read the
   * log-probability the checkpoint gives it after the prompt. Not content (see hash.ts): it
   * changes neither the question nor how an answer is scored.
   */
  answer?: string;
  /** Plausible false sentences (`"wrong_answers"`) the answer is ranked against; only with `answer`. */
  wrongAnswers?: string[];
}

/** Title → held-out reference body; `messages` is set when the line was in chat SFT format. */
export interface BlogItem extends ItemBase {
  kind: 'blog';
  title: string;
  prompt: string;
  reference: string;
  messages?: ChatMessage[];
}

export type EvalItem = KeywordItem | BlogItem;
export type ItemKind = EvalItem['kind'];

export interface EvalSet {
  name: string;
  /** Path as the user gave it (or as found in the eval-set folder). */
  path: string;
  hash: string;
  items: EvalItem[];
  warnings: string[];
}
