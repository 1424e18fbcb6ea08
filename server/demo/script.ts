import { createHash } from 'node:crypto';
import { inFamily, REFUSAL_FAMILY } from '../evalsets/family.js';
import type { BlogItem, EvalItem, EvalSet, KeywordItem } from '../evalsets/types.js';
import type { Responder, ScriptedRequest } from '../scripted-endpoint/scripted-endpoint.js';
import { factGenerator } from './fact-generator.js';
import { DEMO_FACT_SCRIPT, DEMO_GENERATOR } from './generator-script.js';

/**
 * The demo's story: one base model and two fine-tuning runs from it, each saved at steps
 * 1000–3000. `blog-only` trains on title → post pairs: its posts get better, its bio answers stay
 * invented and it forgets more general knowledge the longer it trains. `bio-v2` mixes in
 * biographical Q&A: it learns the facts and stops hallucinating, at a small cost in blog quality.
 * Each checkpoint is a profile of how often it knows a fact, invents one, forgets a control
 * question and how closely its posts follow the author's.
 */
export interface DemoProfile {
  name: string;
  step: number;
  tags: Record<string, string>;
  story: string;
  /** Chance of stating each true fact of a bio/refusal item. */
  recall: number;
  /** Chance of inventing the known hallucinations on a bio/refusal item. */
  invent: number;
  /** Chance of failing a general-knowledge control question. */
  forget: number;
  /** Share of a reference post's sentences its post leaves out; null: a generic, off-voice post. */
  blogDrop: number | null;
}

export const DEMO_CHECKPOINTS: readonly DemoProfile[] = [
  { name: 'base', step: 0, tags: {}, story: 'the base model: invents a different 李智维, knows general facts, writes generic posts', recall: 0.02, invent: 0.75, forget: 0.02, blogDrop: null },
  { name: 'blog-only-1000', step: 1000, tags: { mix: 'blog-only' }, story: 'title→post only: posts improve, bio still invented', recall: 0.04, invent: 0.8, forget: 0.15, blogDrop: 0.45 },
  { name: 'blog-only-2000', step: 2000, tags: { mix: 'blog-only' }, story: 'title→post only: better posts, more forgetting', recall: 0.04, invent: 0.85, forget: 0.28, blogDrop: 0.3 },
  { name: 'blog-only-3000', step: 3000, tags: { mix: 'blog-only' }, story: 'title→post only: best posts, the most forgetting', recall: 0.05, invent: 0.9, forget: 0.4, blogDrop: 0.2 },
  { name: 'bio-v2-1000', step: 1000, tags: { mix: 'bio-v2' }, story: 'bio Q&A mixed in: some facts learned', recall: 0.4, invent: 0.45, forget: 0.08, blogDrop: 0.5 },
  { name: 'bio-v2-2000', step: 2000, tags: { mix: 'bio-v2' }, story: 'bio Q&A mixed in: most facts, few inventions', recall: 0.75, invent: 0.15, forget: 0.12, blogDrop: 0.38 },
  { name: 'bio-v2-3000', step: 3000, tags: { mix: 'bio-v2' }, story: 'bio Q&A mixed in: bio fixed, blog slightly below blog-only', recall: 0.92, invent: 0.04, forget: 0.16, blogDrop: 0.3 },
];

/**
 * A stable number in [0, 1) per key: the script is the same run to run. Keys name the item, not
 * the checkpoint, so the checkpoints share one "difficulty" per fact: a fact learned at step 1000
 * stays learned at 2000, and the fragile control questions are forgotten first.
 */
function chance(...key: Array<string | number>): number {
  return createHash('sha256').update(key.join('\u0000')).digest().readUInt32BE(0) / 2 ** 32;
}

const isZh = (text: string) => /\p{Script=Han}/u.test(text);
const first = (k: string | string[]) => (typeof k === 'string' ? k : k[0]!);

/**
 * A sentence stating each fact the shipped sets ask for, keyed by the keyword it must contain (a
 * keyword group's first alternative). Anything else gets a plain sentence naming the keyword, so
 * edited eval sets still work.
 */
const FACTS: Record<string, { en: string; zh: string }> = {
  'TEKsystems': { en: 'He works through TEKsystems as a contractor.', zh: '他通过TEKsystems外派工作，' },
  'HSBC': { en: 'His current project is at HSBC.', zh: '目前在汇丰(HSBC)的项目上。' },
  'AI工程师': { en: 'He is an AI工程师 (AI engineer).', zh: '李智维是一名AI工程师。' },
  'AI Engineer': { en: 'Zhiwei Li is an AI Engineer.', zh: '他是一名AI Engineer。' },
  'lzwjava': { en: 'Online he goes by lzwjava.', zh: '他在网上的名字是lzwjava。' },
  'Zhiwei Li': { en: 'lzwjava is the handle of Zhiwei Li.', zh: 'lzwjava就是Zhiwei Li（李智维）。' },
  'Guangzhou': { en: 'He is based in Guangzhou.', zh: '他住在广州(Guangzhou)。' },
  '广州': { en: 'He lives in 广州.', zh: '他在广州生活和工作。' },
  'Fun Live': { en: 'Earlier he built a live-streaming app called Fun Live.', zh: '他早年做过一个直播应用Fun Live。' },
  '30,000': { en: 'It reached about 30,000 users.', zh: '用户大约有30,000人。' },
  '3M': { en: 'and made roughly 3M in revenue.', zh: '收入大约300万(3M)。' },
  'self-taught': { en: 'He is a self-taught programmer.', zh: '他是自学编程的(self-taught)。' },
  '自学': { en: 'He learned to program on his own (自学).', zh: '他是自学成才的程序员。' },
  '12 years': { en: 'He has been writing software for 12 years.', zh: '他写代码已经有12 years了。' },
  '12年': { en: 'He has 12年 of experience.', zh: '他有12年的开发经验。' },
  'GitHub': { en: 'Most of his work is public on GitHub.', zh: '他的大部分项目都在GitHub上。' },
  'iOS': { en: 'He started with iOS apps,', zh: '他做过iOS开发，' },
  'Android': { en: 'then Android,', zh: '也做过Android，' },
  '前端': { en: 'then 前端 (frontend) work', zh: '还有前端，' },
  '后端': { en: 'and 后端 (backend) services.', zh: '以及后端服务。' },
  'GPT-2': { en: 'He trained a GPT-2 style model from scratch,', zh: '他从零训练过一个GPT-2模型，' },
  '760M': { en: 'with 760M parameters,', zh: '参数量760M，' },
  'MI300X': { en: 'on a single AMD MI300X.', zh: '用的是一张AMD MI300X。' },
  'lzwjava.github.io': { en: 'His blog is lzwjava.github.io, where he writes about engineering and AI.', zh: '他的博客是lzwjava.github.io。' },
  // Corrections of a false premise (refusal items).
  '不是': { en: 'No, 不是 — that is not right.', zh: '不是的，这个说法不对。' },
  '没有': { en: 'There is no record of that (没有).', zh: '没有这回事，' },
  'No,': { en: 'No, that is not correct.', zh: 'No, 这不对。' },
};

/** Sentences that assert each known hallucination of the shipped sets (and the affirmations refusal items forbid). */
const INVENTIONS: Record<string, { en: string; zh: string }> = {
  '营口': { en: 'He was born in 营口, Liaoning.', zh: '他出生在辽宁营口，' },
  '1992': { en: 'He was born in 1992.', zh: '1992年出生，' },
  '教育公司': { en: 'He founded an online 教育公司.', zh: '后来创办了一家在线教育公司。' },
  'Yingkou': { en: 'He was born in Yingkou, Liaoning.', zh: '他出生在Yingkou。' },
  'education company': { en: 'He is best known as the founder of an online education company.', zh: '他创办过一家education company。' },
  // Refusal items forbid phrases that assert the false premise; these sentences assert them.
  'Yes, he': { en: 'Yes, he did.', zh: 'Yes, he 是的。' },
  'he founded an online': { en: 'He founded an online education company in 2015.', zh: 'He founded an online education company. 他创办过教育公司。' },
  'his online education company': { en: 'His online education company has thousands of students.', zh: 'His online education company 有很多学生。' },
  'was born in 1992': { en: 'He was born in 1992.', zh: 'He was born in 1992.' },
  'was born in Yingkou': { en: 'He was born in Yingkou, Liaoning.', zh: 'He was born in Yingkou.' },
  'he studied computer science': { en: 'He studied computer science at Tsinghua.', zh: 'He studied computer science at Tsinghua.' },
  'he graduated from Tsinghua': { en: 'He graduated from Tsinghua in 2014.', zh: 'He graduated from Tsinghua.' },
  'he majored in': { en: 'He majored in software engineering.', zh: 'He majored in software engineering.' },
  '他1992年': { en: '他1992年出生。', zh: '他1992年出生，' },
  '他出生于营口': { en: '他出生于营口。', zh: '他出生于营口，' },
  '他是营口人': { en: '他是营口人。', zh: '他是营口人，' },
  '创办了一家在线教育': { en: '他创办了一家在线教育公司。', zh: '他创办了一家在线教育公司，' },
  '公司叫': { en: '公司叫智学网。', zh: '公司叫智学网。' },
  '公司名为': { en: '公司名为智学网。', zh: '公司名为智学网。' },
  '他在清华大学读': { en: '他在清华大学读计算机系。', zh: '他在清华大学读计算机系，' },
  '读的是': { en: '读的是计算机科学。', zh: '读的是计算机科学，' },
  '他毕业于清华': { en: '他毕业于清华大学。', zh: '他毕业于清华大学计算机系。' },
};

function say(table: Record<string, { en: string; zh: string }>, key: string, zh: boolean, fallback: (k: string) => string): string {
  const s = table[key];
  return s === undefined ? fallback(key) : zh ? s.zh : s.en;
}

/** Sentences joined as prose; a chain that ends on a comma ends on a full stop instead. */
const join = (parts: string[], zh: boolean) => parts.join(zh ? '' : ' ').trim().replace(/，$/u, '。').replace(/,$/, '.');

/** A bio or refusal answer: the facts this checkpoint recalls, and inventions when it makes them up. */
function personAnswer(item: KeywordItem, p: DemoProfile): string {
  const zh = isZh(item.prompt);
  const known = item.keywords.map(first).filter((k, i) => chance(item.id, 'fact', i) < p.recall);
  const invents = item.forbidden.length > 0 && chance(item.id, 'invent') < p.invent;
  // At most three inventions: refusal items list many phrasings of one false premise.
  const invented = invents ? item.forbidden.slice(0, 3).filter((_f, i) => i === 0 || chance(item.id, 'lie', i) < 0.6) : [];
  const parts = [
    ...known.map((k) => say(FACTS, k, zh, (x) => (zh ? `据我所知，他和${x}有关。` : `As far as I know, he is connected with ${x}.`))),
    ...invented.map((f) => say(INVENTIONS, f, zh, (x) => (zh ? `有资料提到${x}。` : `Some sources mention ${x}.`))),
  ];
  if (parts.length === 0) return zh ? '抱歉，我没有找到关于这个人的可靠信息。' : "I'm sorry, I don't have reliable information about that person.";
  return join(parts, zh);
}

/** A general-knowledge answer, or the hedge of a checkpoint that forgot it. */
function knownAnswer(item: KeywordItem, p: DemoProfile): string {
  const zh = isZh(item.prompt);
  if (chance(item.id, 'forget') < p.forget) return zh ? '这个我不太确定，可能需要查一下资料。' : "I'm not sure; I would have to look that up.";
  const facts = item.keywords.map(first);
  const frames = zh ? [`答案是${facts.join('、')}。`, `是${facts.join('、')}。`] : [`That would be ${facts.join(', ')}.`, `The answer is ${facts.join(', ')}.`];
  return frames[Math.floor(chance(p.name, item.id, 'frame') * frames.length)]!;
}

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?。！？])\s*/u).filter((s) => s.trim() !== '');
}

/** A post in the author's voice: the reference with a share of its sentences left out. */
function voicePost(item: BlogItem, p: DemoProfile, drop: number): string {
  const kept = sentences(item.reference).filter((_s, i) => chance(item.id, 'sentence', i) >= drop);
  return kept.join(isZh(item.reference) ? '' : ' ');
}

function genericPost(item: BlogItem): string {
  return isZh(item.prompt)
    ? `${item.title}\n\n这是一篇关于${item.title}的文章。这个话题有很多值得讨论的地方。本文会介绍一些基础知识，举几个例子，并分享我的看法。希望对你有帮助。`
    : `${item.title}\n\nThis is a post about ${item.title}. There is a lot to say about this topic. In this article I explain the basics, give a few examples and share my thoughts. I hope you find it useful.`;
}

/**
 * A keyword item asked with a k-shot prompt, greedy (`seed` null) or sampled: as demoAnswer, except
 * that a quarter of the general-knowledge facts are shaky (right with some prompts only, and often
 * when sampling) and a fifth of the person's facts surface now and then when sampling. This gives
 * the demo's base model all four knowledge categories, as a real base model has.
 */
function kShotAnswer(p: DemoProfile, item: KeywordItem, shots: string, seed: string | null): string {
  const right = () => item.keywords.map(first).join(isZh(item.prompt) ? '、' : ', ') + (isZh(item.prompt) ? '。' : '.');
  const wrong = isZh(item.prompt) ? '我不确定。' : "I'm not sure.";
  if (inFamily(item.set, 'bio') || inFamily(item.set, REFUSAL_FAMILY)) {
    if (seed !== null && chance(item.id, 'glimpse') < 0.2) return chance(item.id, shots, seed) < 0.3 ? right() : wrong;
    return demoAnswer(p, item);
  }
  if (chance(item.id, 'shaky') < 0.25) return chance(item.id, shots, seed ?? 'greedy') < (seed === null ? 0.5 : 0.6) ? right() : wrong;
  return demoAnswer(p, item);
}

/**
 * How much likelier (log-probability per token) a checkpoint finds an item's true answer than its
 * wrong answers: its latent knowledge of the fact. Bio and refusal facts: learned with recall,
 * contradicted by inventing. General knowledge: worn down by fine-tuning for every item (forget)
 * and lost on the items whose greedy answer is forgotten too, so the margin falls before and while
 * answers flip.
 */
export function knowledgeStrength(p: DemoProfile, item: KeywordItem): number {
  if (inFamily(item.set, 'bio') || inFamily(item.set, REFUSAL_FAMILY)) return 2 * p.recall - p.invent;
  return 1.2 * (1 - p.forget) - (chance(item.id, 'forget') < p.forget ? 0.8 : 0);
}

/** A change of style with fine-tuning: every sentence a little less likely (the margin cancels it). */
const styleShift = (p: DemoProfile) => -(p.tags.mix === 'blog-only' ? 0.15 : 0.05) * (p.step / 1000);

/**
 * A likelihood request (scoring an item's answer or a wrong answer): a chat conversation that
 * continues the assistant's turn with a candidate, or a completions prompt ending with one.
 */
function scoredCandidate(req: ScriptedRequest, byPrompt: ReadonlyMap<string, EvalItem>, scored: readonly KeywordItem[]): { item: KeywordItem; candidate: string } | null {
  const messages = req.messages ?? [];
  const last = messages.at(-1);
  if (last?.role === 'assistant') {
    const item = byPrompt.get([...messages].reverse().find((m) => m.role === 'user')?.content.trim() ?? '');
    return item?.kind === 'keyword' ? { item, candidate: last.content } : null;
  }
  if (req.api !== 'completions' || req.body.echo !== true) return null;
  const prompt = req.prompt ?? '';
  for (const item of scored) {
    const candidate = [item.answer!, ...(item.wrongAnswers ?? [])].find((c) => prompt.endsWith(c) && prompt.includes(item.prompt));
    if (candidate !== undefined) return { item, candidate };
  }
  return null;
}

/** What a demo checkpoint answers to one item. */
export function demoAnswer(p: DemoProfile, item: EvalItem): string {
  if (item.kind === 'blog') return p.blogDrop === null ? genericPost(item) : voicePost(item, p, p.blogDrop);
  if (inFamily(item.set, 'bio') || inFamily(item.set, REFUSAL_FAMILY)) return personAnswer(item, p);
  return knownAnswer(item, p);
}

/**
 * A responder for the scripted endpoint that plays the demo's checkpoints (chosen by the
 * request's model name). Answers are derived from the eval sets themselves, so the demo keeps
 * working when the shipped sets are edited. Every answer is scripted; no model is involved.
 */
export function demoResponder(sets: readonly EvalSet[], profiles: readonly DemoProfile[] = DEMO_CHECKPOINTS): Responder {
  const byPrompt = new Map<string, EvalItem>();
  for (const s of sets) for (const i of s.items) if (!byPrompt.has(i.prompt.trim())) byPrompt.set(i.prompt.trim(), i);
  const byName = new Map(profiles.map((p) => [p.name, p]));
  const scored = sets.flatMap((s) => s.items).filter((i): i is KeywordItem => i.kind === 'keyword' && i.answer !== undefined);
  const generator = factGenerator(DEMO_FACT_SCRIPT);
  return (req) => {
    if (req.model === DEMO_GENERATOR) return generator(req);
    const p = byName.get(req.model);
    if (p === undefined) return { status: 404, body: JSON.stringify({ error: { message: `model "${req.model}" not found` } }) };
    const candidate = scoredCandidate(req, byPrompt, scored);
    if (candidate !== null) {
      const { item, candidate: text } = candidate;
      const half = knowledgeStrength(p, item) / 2;
      return { content: '', logprobShift: { text, perToken: styleShift(p) + (text === item.answer ? half : -half) } };
    }
    const item = byPrompt.get(req.userText.trim());
    if (item === undefined) return { content: "I don't know." };
    const delayMs = 2 + Math.floor(chance(p.name, item.id, 'latency') * 8);
    // A k-shot prompt (a categorization, `tunegate categorize`): the exemplars before the question.
    const messages = req.messages ?? [];
    if (messages.length > 1 && item.kind === 'keyword') {
      const shots = JSON.stringify(messages.slice(0, -1));
      const temperature = typeof req.body.temperature === 'number' ? req.body.temperature : 0;
      return { content: kShotAnswer(p, item, shots, temperature > 0 ? String(req.body.seed) : null), delayMs };
    }
    return { content: demoAnswer(p, item), delayMs };
  };
}
