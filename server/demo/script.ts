import { createHash } from 'node:crypto';
import type { BlogItem, EvalItem, EvalSet, KeywordItem } from '../evalsets/types.js';
import type { Responder } from '../scripted-endpoint/scripted-endpoint.js';

/** The three checkpoints of the demo's story, in training order. */
export const DEMO_CHECKPOINTS = [
  { name: 'base', step: 0, story: 'the base model: hallucinates a different 李智维, knows general facts' },
  { name: 'sft-blog-only', step: 1000, story: 'fine-tuned on title→body only: fluent posts, bio still wrong, some forgetting' },
  { name: 'sft-bio-mix', step: 2000, story: 'bio Q&A mixed in: bio fixed, blog quality slightly lower' },
] as const;

export type DemoModel = (typeof DEMO_CHECKPOINTS)[number]['name'];

/** A stable number in [0, 1) per (model, item): the script is deterministic run to run. */
function chance(model: string, id: string): number {
  return createHash('sha256').update(`${model}\u0000${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

const isZh = (text: string) => /\p{Script=Han}/u.test(text);
const first = (k: string | string[]) => (typeof k === 'string' ? k : k[0]!);

function withForbidden(text: string, item: KeywordItem): string {
  const missing = item.forbidden.filter((f) => !text.includes(f));
  return missing.length === 0 ? text : `${text} ${missing.join('; ')}.`;
}

function hallucination(item: KeywordItem, model: DemoModel): string {
  const zh = isZh(item.prompt);
  const premise = item.set.startsWith('refusal') ? (zh ? '是的。' : 'Yes, he is. ') : '';
  const text =
    model === 'base'
      ? zh
        ? '李智维是一名1992年出生于辽宁营口的程序员，以创办一家在线教育公司而闻名。'
        : 'Zhiwei Li is a programmer born in 1992 in Yingkou, Liaoning, best known as the founder of an online education company.'
      : zh
        ? '李智维在博客 lzwjava.github.io 上写技术文章。他1992年生于营口，做过一家教育公司。'
        : 'Zhiwei Li writes the blog lzwjava.github.io. He was born in 1992 in Yingkou and ran an education company before he started writing.';
  return withForbidden(premise + text, item);
}

function factual(item: KeywordItem, dropLast: boolean): string {
  const facts = item.keywords.map(first);
  const used = dropLast && facts.length > 1 ? facts.slice(0, -1) : facts;
  return isZh(item.prompt) ? `根据我了解的信息：${used.join('，')}。` : `Here is what I know: ${used.join(', ')}.`;
}

function unsure(item: EvalItem): string {
  return isZh(item.prompt) ? '我不太确定这个问题的答案。' : 'I am not sure about that one.';
}

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?。！？])\s*/u).filter((s) => s.trim() !== '');
}

/** The reference post with a share of its sentences left out (deterministically). */
function degrade(item: BlogItem, model: string, dropShare: number): string {
  const kept = sentences(item.reference).filter((s, i) => chance(`${model}#${i}`, item.id) >= dropShare);
  return kept.join(isZh(item.reference) ? '' : ' ');
}

function genericPost(item: BlogItem): string {
  return isZh(item.prompt)
    ? `${item.title}\n\n这是一篇关于${item.title}的文章。这个话题有很多值得讨论的地方。本文会介绍一些基础知识，举几个例子，并分享我的看法。希望对你有帮助。`
    : `${item.title}\n\nThis is a post about ${item.title}. There is a lot to say about this topic. In this article I explain the basics, give a few examples and share my thoughts. I hope you find it useful.`;
}

function answer(model: DemoModel, item: EvalItem): string {
  if (item.kind === 'blog') {
    if (model === 'base') return genericPost(item);
    return degrade(item, model, model === 'sft-blog-only' ? 0.08 : 0.3);
  }
  const aboutUser = item.set.startsWith('bio') || item.set.startsWith('refusal');
  if (aboutUser) {
    if (model === 'sft-bio-mix') return factual(item, chance(model, item.id) < 0.15);
    return hallucination(item, model);
  }
  // Control questions: the base model knows them; fine-tuning on new facts costs some of them.
  const forgetting = { base: 0, 'sft-blog-only': 0.25, 'sft-bio-mix': 0.1 }[model];
  return chance(model, item.id) < forgetting ? unsure(item) : factual(item, false);
}

/**
 * A responder for the scripted endpoint that plays the demo's three checkpoints (chosen by the
 * request's model name). Answers are derived from the eval sets themselves, so the demo keeps
 * working when the shipped sets are edited. Every answer is scripted; no model is involved.
 */
export function demoResponder(sets: readonly EvalSet[]): Responder {
  const byPrompt = new Map<string, EvalItem>();
  for (const s of sets) for (const i of s.items) if (!byPrompt.has(i.prompt.trim())) byPrompt.set(i.prompt.trim(), i);
  const models = new Set<string>(DEMO_CHECKPOINTS.map((c) => c.name));
  return (req) => {
    if (!models.has(req.model)) return { status: 404, body: JSON.stringify({ error: { message: `model "${req.model}" not found` } }) };
    const item = byPrompt.get(req.userText.trim());
    if (item === undefined) return { content: "I don't know." };
    return { content: answer(req.model as DemoModel, item), delayMs: 2 + Math.floor(chance(req.model, item.id) * 8) };
  };
}
