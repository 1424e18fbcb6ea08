import type { Responder, ScriptedRequest } from '../scripted-endpoint/scripted-endpoint.js';

/** What the scripted generator answers for one fact in one language. */
export interface ScriptedFactReply {
  questions: Array<{ phrasings: string[]; answer: string; keywords: string[][] }>;
  falsePremises: Array<{ phrasings: string[]; claim: string; forbidden: string[]; correction: string; keywords: string[][] }>;
}

export type FactScript = Record<string, { en?: ScriptedFactReply; zh?: ScriptedFactReply }>;

/** The first user message: the generator's prompt (later user messages are repair requests). */
function promptOf(req: ScriptedRequest): string {
  return req.messages?.find((m) => m.role === 'user')?.content ?? req.userText;
}

/** The fact and language a generator prompt asks about. */
export function askedOf(req: ScriptedRequest): { fact: string; lang: 'en' | 'zh' } {
  const prompt = promptOf(req);
  const fact = /^Fact: (.*)$/m.exec(prompt)?.[1] ?? '';
  return { fact, lang: /^Write every question and answer in Chinese/m.test(prompt) ? 'zh' : 'en' };
}

/** A reply in the format generatorPrompt asks for. */
export function replyJson(r: ScriptedFactReply): string {
  return JSON.stringify({
    questions: r.questions.map((q) => ({ question: q.phrasings[0], paraphrases: q.phrasings.slice(1), answer: q.answer, keywords: q.keywords })),
    false_premises: r.falsePremises.map((q) => ({
      question: q.phrasings[0], paraphrases: q.phrasings.slice(1), false_claim: q.claim, forbidden: q.forbidden, correction: q.correction, keywords: q.keywords,
    })),
  });
}

/**
 * A scripted eval-set generator (tests, and the demo's demo-generator) over either wire format (OpenAI chat or Anthropic messages): it
 * answers each fact from `script`, and an unknown fact with an empty reply (invalid).
 */
export function factGenerator(script: FactScript): Responder {
  return (req) => {
    const { fact, lang } = askedOf(req);
    const r = script[fact]?.[lang];
    return { content: r === undefined ? 'I cannot help with that.' : replyJson(r) };
  };
}
