import { shortKeywordReason } from '../evalsets/keyword-length.js';
import { sha256 } from '../evalsets/hash.js';
import { DEFAULT_NGRAM, findLeaks, leakTokens, type TrainingLine } from '../evalsets/leak.js';
import type { ChatMessage, KeywordItem } from '../evalsets/types.js';
import { keywordLabel, matchForbidden, matchKeywords } from '../scoring/keyword.js';
import { foldForMatch } from '../text/normalize.js';
import { seededRandom, shuffled } from '../stats/random.js';
import type { Fact } from './facts.js';
import type { GeneratedQuestion, GeneratedReply, Lang } from './generator-prompt.js';

/** A generator's reply for one fact in one language. */
export interface FactReply {
  fact: Fact;
  lang: Lang;
  reply: GeneratedReply;
}

/** Something of a reply that was not used, and why: printed for review. */
export interface Rejection {
  factId: string;
  lang: Lang;
  /** `q1`, `fp1` (false premise 1), with the phrasing or keyword concerned. */
  where: string;
  reason: string;
}

/** A keyword item line as written to the eval set (the JSONL format of parse-item.ts). */
export interface KeywordLine {
  id: string;
  prompt: string;
  keywords: Array<string | string[]>;
  forbidden?: string[];
  forbidden_fails?: true;
  fact_id: string;
  /** The fact itself: the true candidate of the likelihood metrics. */
  answer: string;
  /** The false claims of the fact's accepted false premises in the item's language: the false candidates. */
  wrong_answers?: string[];
  in_train: false;
  meta: Record<string, unknown>;
}

export interface BuiltSets {
  /** Held-out phrasings of direct questions (bio-generated.jsonl). */
  bio: KeywordLine[];
  /** Held-out phrasings of false-premise questions (refusal-generated.jsonl). */
  refusal: KeywordLine[];
  /** Training pairs in OpenAI chat fine-tuning format. */
  train: Array<{ messages: ChatMessage[] }>;
  rejected: Rejection[];
}

export interface BuildOptions {
  seed: number;
  generator: string;
  promptVersion: string;
  /** The system prompt anchor of the training pairs. */
  system?: string;
  /** Every fact of the file (default: those replied about): a false premise's forbidden string is true of none. */
  facts?: readonly Fact[];
}

/**
 * Two phrasings are the same question when they differ only in case, width, punctuation and
 * spacing: they have the same tokens for the leakage check (evalsets/leak.ts).
 */
export function phrasingKey(text: string): string {
  return leakTokens(text).join('\u0000');
}

const contains = (haystack: string, needle: string) => foldForMatch(haystack).includes(foldForMatch(needle));

/** The question's keyword groups a right answer must have: each checked against the fact, the question and the answer. */
function usableKeywords(q: GeneratedQuestion, phrasings: readonly string[], fact: Fact, reject: (where: string, reason: string) => void): string[][] {
  const out: string[][] = [];
  for (const group of q.keywords) {
    const alts = group.filter((alt, i) => {
      // The same alternative again, up to case and width, adds nothing.
      if (group.slice(0, i).some((a) => foldForMatch(a) === foldForMatch(alt))) return false;
      const short = shortKeywordReason(alt);
      if (short !== null) reject(`keyword "${alt}"`, short);
      return short === null;
    });
    if (alts.length === 0) continue;
    // The alternatives are one thing in several forms: a question that names it in any of them
    // gives the answer away, and keeping only the other forms would fail a right answer in its words.
    const asked = alts.find((alt) => phrasings.some((p) => contains(p, alt)));
    if (asked !== undefined) {
      if (alts.length === 1) reject(`keyword "${asked}"`, 'the question contains it, so an answer that repeats the question would score');
      else reject(`keyword ${keywordLabel(alts)}`, `the question contains "${asked}", one form of it, so the question gives the answer away`);
      continue;
    }
    // Every keyword hits its own fact: some alternative is a span of the fact text (the others translate it).
    if (!alts.some((alt) => contains(fact.text, alt))) {
      reject(`keyword ${keywordLabel(alts)}`, 'no alternative is in the fact text, so the fact does not support it');
      continue;
    }
    if (matchKeywords(q.answer, [alts])[0]!.matched === null) {
      reject(`keyword ${keywordLabel(alts)}`, 'the answer written for training does not contain it');
      continue;
    }
    // Groups that share a form name one thing ([HSBC] and [HSBC, 汇丰]): one group, or it would count twice.
    const folded = alts.map(foldForMatch);
    const same = out.find((g) => g.some((a) => folded.includes(foldForMatch(a))));
    if (same === undefined) out.push(alts);
    else for (const a of alts) if (!same.some((b) => foldForMatch(b) === foldForMatch(a))) same.push(a);
  }
  return out;
}

/**
 * Forbidden strings of a false premise: long enough to mean something, and never true: not in
 * the fact, not inside a keyword (whose other forms translate it), and not in any other fact of
 * the file (the generator sees one fact, and the plausible wrong answer it picks may be another
 * true one: "software engineer" is wrong of the job now and right of the job before).
 */
function usableForbidden(
  forbidden: readonly string[], fact: Fact, keywords: readonly string[][], facts: readonly Fact[], reject: (where: string, reason: string) => void,
): string[] {
  const out: string[] = [];
  for (const f of forbidden) {
    const short = shortKeywordReason(f);
    const inKeyword = keywords.flat().find((alt) => contains(alt, f));
    const inOther = facts.find((o) => o.id !== fact.id && contains(o.text, f));
    if (short !== null) reject(`forbidden "${f}"`, short);
    else if (contains(fact.text, f)) reject(`forbidden "${f}"`, 'the fact contains it: an answer stating the truth would fail');
    else if (inOther !== undefined) reject(`forbidden "${f}"`, `fact ${inOther.id} (line ${inOther.line}) contains it: an answer stating that truth would fail`);
    else if (inKeyword !== undefined) reject(`forbidden "${f}"`, `the keyword "${inKeyword}" contains it: an answer with the right keyword would fail`);
    else if (!out.some((o) => foldForMatch(o) === foldForMatch(f))) out.push(f);
  }
  return out;
}

/** Phrasings of one question, repeats dropped, in the generator's order (index 0: the question). */
function distinctPhrasings(q: GeneratedQuestion): string[] {
  const seen = new Set<string>();
  return [q.question, ...q.paraphrases].filter((p) => {
    const k = phrasingKey(p);
    if (k === '' || seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A 32-bit seed per question: the split of one question never moves when other facts are added. */
function questionSeed(seed: number, ...parts: string[]): number {
  return (Number.parseInt(sha256(`${seed}\u0000${parts.join('\u0000')}`).slice(0, 8), 16) ^ seed) >>> 0;
}

/** A held-out candidate as the leakage check reads it (only its prompt matters). */
function asItem(c: Candidate): KeywordItem {
  return { kind: 'keyword', id: c.id, set: 'held-out', line: 0, tags: [], prompt: c.prompt, keywords: [], forbidden: [], hash: '' };
}

function trainingLine(pair: { messages: ChatMessage[] }, i: number): TrainingLine {
  return { line: i + 1, texts: pair.messages.map((m, j) => ({ label: `messages[${j}]`, text: m.content })) };
}

interface Candidate {
  id: string;
  prompt: string;
  answer: string;
  line: Omit<KeywordLine, 'id' | 'prompt' | 'meta'> & { meta: Record<string, unknown> };
  heldOut: boolean;
}

/**
 * Splits each question's phrasings by the seed: half (rounded down, at least one) held out for
 * evaluation, the rest for training, so every question is both trained and tested in different
 * words. A question with one phrasing joins the others of its fact in a shared pool, split the
 * same way; a pool of one is held out (there is nothing else to evaluate the fact with).
 */
function split(phrasingSets: ReadonlyArray<{ key: string; phrasings: number }>, seed: number): Map<string, Set<number>> {
  const heldOut = new Map<string, Set<number>>();
  const pool: Array<{ key: string; index: number }> = [];
  for (const { key, phrasings } of phrasingSets) {
    if (phrasings < 2) {
      if (phrasings === 1) pool.push({ key, index: 0 });
      heldOut.set(key, new Set());
      continue;
    }
    const order = shuffled([...Array(phrasings).keys()], seededRandom(questionSeed(seed, key)));
    heldOut.set(key, new Set(order.slice(0, Math.floor(phrasings / 2))));
  }
  const order = shuffled(pool, seededRandom(questionSeed(seed, 'pool', ...pool.map((p) => p.key))));
  order.slice(0, Math.max(1, Math.floor(order.length / 2))).forEach((p) => heldOut.get(p.key)!.add(p.index));
  return heldOut;
}

/**
 * Builds the eval sets and training pairs from validated replies. Pure and deterministic: the
 * same replies and seed give the same files. No held-out phrasing is, after normalization
 * (phrasingKey), a training phrasing of any fact: disjoint by construction.
 */
export function buildSets(replies: readonly FactReply[], opts: BuildOptions): BuiltSets {
  const allFacts = opts.facts ?? replies.map((r) => r.fact);
  const rejected: Rejection[] = [];
  const candidates: Candidate[] = [];
  for (const { fact, lang, reply } of replies) {
    const kinds = [
      ...reply.questions.map((q, i) => ({ q, tag: `q${i + 1}`, falsePremise: null as null | { claim: string; forbidden: string[] } })),
      ...reply.falsePremises.map((q, i) => ({ q, tag: `fp${i + 1}`, falsePremise: { claim: q.falseClaim, forbidden: q.forbidden } })),
    ];
    const perQuestion: Array<{ key: string; phrasings: string[]; build: (j: number, heldOut: boolean) => Candidate }> = [];
    // Only accepted premises' claims: a rejected one's forbidden spans may be true of some fact.
    const claims: string[] = [];
    for (const { q, tag, falsePremise } of kinds) {
      const reject = (where: string, reason: string) => rejected.push({ factId: fact.id, lang, where: `${tag} ${where}`, reason });
      const phrasings = distinctPhrasings(q);
      const keywords = usableKeywords(q, phrasings, fact, reject);
      if (keywords.length === 0) {
        reject('question', 'no usable keyword is left, so no answer could be scored');
        continue;
      }
      let forbidden: string[] = [];
      if (falsePremise !== null) {
        forbidden = usableForbidden(falsePremise.forbidden, fact, keywords, allFacts, reject);
        if (forbidden.length === 0) {
          reject('question', 'no usable forbidden string is left, so an answer repeating the false premise could not fail');
          continue;
        }
        const repeated = matchForbidden(q.answer, forbidden).filter((m) => m.found).map((m) => m.text);
        if (repeated.length > 0) {
          reject('question', `the correction written for training repeats the false premise (${repeated.join(', ')})`);
          continue;
        }
      }
      if (falsePremise !== null) {
        const claim = falsePremise.claim;
        if (foldForMatch(claim) !== foldForMatch(fact.text) && !claims.some((c) => foldForMatch(c) === foldForMatch(claim))) claims.push(claim);
      }
      const key = `${fact.id}\u0000${lang}\u0000${tag}`;
      perQuestion.push({
        key,
        phrasings,
        build: (j, heldOut) => ({
          id: `${fact.id}-${lang}-${tag}-p${j}`,
          prompt: phrasings[j]!,
          answer: q.answer,
          heldOut,
          line: {
            keywords: keywords.map((g) => (g.length === 1 ? g[0]! : g)),
            ...(falsePremise !== null ? { forbidden, forbidden_fails: true as const } : {}),
            fact_id: fact.id,
            answer: fact.text,
            // Read when the item is built, after every premise of the reply was checked.
            ...(claims.length > 0 ? { wrong_answers: claims } : {}),
            in_train: false,
            meta: {
              generator: opts.generator, prompt_version: opts.promptVersion, seed: opts.seed, lang, fact: fact.text, question: tag, phrasing: j,
              ...(falsePremise !== null ? { false_claim: falsePremise.claim } : {}),
            },
          },
        }),
      });
    }
    const heldOut = split(perQuestion.map((p) => ({ key: p.key, phrasings: p.phrasings.length })), opts.seed);
    for (const p of perQuestion) p.phrasings.forEach((_, j) => candidates.push(p.build(j, heldOut.get(p.key)!.has(j))));
  }

  const system: ChatMessage[] = opts.system !== undefined ? [{ role: 'system', content: opts.system }] : [];
  const trainPairs = candidates.filter((c) => !c.heldOut).map((c) => ({
    messages: [...system, { role: 'user' as const, content: c.prompt }, { role: 'assistant' as const, content: c.answer }],
  }));
  // Disjoint across the whole output, by the rule check-leak applies (default n-gram): a held-out
  // phrasing that is a training question (of any fact, up to case and punctuation), or shares
  // that many tokens with a training pair, is not evaluated.
  const heldOut = candidates.filter((x) => x.heldOut);
  const leaks = new Map(findLeaks(heldOut.map(asItem), trainPairs.map(trainingLine), { ngram: DEFAULT_NGRAM }).map((l) => [l.id, l.training[0]!]));
  // A question held out for two facts has two right answers, and each item expects one of them.
  const factsAsked = new Map<string, string[]>();
  for (const c of heldOut) {
    if (leaks.has(c.id)) continue;
    const ids = factsAsked.get(phrasingKey(c.prompt)) ?? [];
    if (!ids.includes(c.line.fact_id)) ids.push(c.line.fact_id);
    factsAsked.set(phrasingKey(c.prompt), ids);
  }
  const evaluated = new Set<string>();
  const bio: KeywordLine[] = [];
  const refusal: KeywordLine[] = [];
  for (const c of heldOut) {
    const k = phrasingKey(c.prompt);
    const [factId, lang] = [c.line.fact_id, c.line.meta.lang as Lang];
    const where = `${c.line.meta.question as string} phrasing "${c.prompt}"`;
    const leak = leaks.get(c.id);
    if (leak !== undefined) {
      const pair = trainPairs[leak.line - 1]!.messages.at(-2)!.content;
      rejected.push({ factId, lang, where, reason: `held out, but ${leak.tokens} tokens ("${leak.span}") are in the training pair "${pair}": not evaluated` });
      continue;
    }
    const others = factsAsked.get(k)!.filter((id) => id !== factId);
    if (others.length > 0) {
      rejected.push({ factId, lang, where, reason: `the same question is held out for fact ${others.join(', ')} too: a right answer about either would fail one item, so neither is evaluated` });
      continue;
    }
    if (evaluated.has(k)) {
      rejected.push({ factId, lang, where, reason: 'the same question is already held out for this fact: evaluated once' });
      continue;
    }
    evaluated.add(k);
    const { meta, ...rest } = c.line;
    (c.line.forbidden !== undefined ? refusal : bio).push({ id: c.id, prompt: c.prompt, ...rest, meta });
  }
  return { bio, refusal, train: trainPairs, rejected };
}
