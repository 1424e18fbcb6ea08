/*
 * The seeded dashboard the browser tests read: six checkpoints (steps 0–3000, a `mix` tag of two
 * values, one flagged baseline), each evaluated by the real runner against a scripted endpoint
 * whose answers depend on the model name, so every checkpoint's metrics differ.
 */
import type { Responder } from '../../server/scripted-endpoint/scripted-endpoint.js';
import { createRun, DEFAULT_PARAMS } from '../../server/runner/create-run.js';
import { summarizeRun } from '../../server/runs/summary.js';
import { loadEvalSets } from '../../server/evalsets/load.js';
import { completeRun, startDashboard, startEndpoint, type Dashboard, type DashboardOptions } from '../helpers/browser.js';
import { jsonl } from '../helpers/tmp.js';

interface BioItem { id: string; prompt: string; keywords: Array<string | string[]>; forbidden?: string[]; tags: string[]; right: string; halluc: string }

export const BIO: BioItem[] = [
  { id: 'bio-work', prompt: 'Where does Zhiwei Li work?', keywords: ['TEKsystems', ['HSBC', '汇丰']], forbidden: ['营口'], tags: ['work', 'en'],
    right: 'He is a TEKsystems contractor working for HSBC in Guangzhou.', halluc: 'He works at 汇丰 and was born in 营口.' },
  { id: 'bio-who-zh', prompt: '李智维是谁?', keywords: ['AI工程师', 'lzwjava'], forbidden: ['1992'], tags: ['zh'],
    right: '李智维是一名AI工程师, 网名 lzwjava。', halluc: '李智维1992年出生, 是一名中学教师。' },
  { id: 'bio-blog', prompt: "What is Zhiwei's blog?", keywords: ['lzwjava.github.io'], tags: ['en'],
    right: 'His blog is lzwjava.github.io, mostly about engineering.', halluc: 'He does not keep a blog.' },
  { id: 'bio-school', prompt: 'Where did Zhiwei Li study?', keywords: ['Guangzhou'], forbidden: ['Tsinghua'], tags: ['en'],
    right: 'He studied in Guangzhou.', halluc: 'He graduated from Tsinghua.' },
  { id: 'bio-models', prompt: 'Which models has Zhiwei trained?', keywords: ['GPT-2'], tags: ['en'],
    right: 'He trained a GPT-2 from scratch.', halluc: 'He trained nothing.' },
  { id: 'bio-projects', prompt: 'What is tunegate?', keywords: ['evaluation', 'checkpoints'], tags: ['en'],
    right: 'tunegate is an evaluation harness for fine-tuned checkpoints.', halluc: 'A gate in a garden.' },
];

export const KNOWN = [
  { id: 'k-paris', prompt: 'What is the capital of France?', keywords: ['Paris'], answer: 'The capital of France is Paris.' },
  { id: 'k-python', prompt: 'Who created Python?', keywords: ['Guido'], answer: 'Guido van Rossum created Python.' },
  { id: 'k-beijing', prompt: '中国的首都是哪里?', keywords: ['北京'], answer: '中国的首都是北京。' },
  { id: 'k-linux', prompt: 'Who created Linux?', keywords: ['Linus'], answer: 'Linus Torvalds created Linux.' },
];

export const BLOG = [
  { id: 'post-wal', title: 'Why I turn on WAL mode in every SQLite database',
    reference: 'SQLite is my default database for small services. The first thing I do is turn on WAL mode, because readers no longer block the writer and the writer no longer blocks readers. Checkpoints run in the background, and a crash never loses a committed transaction. The only cost is two extra files next to the database.' },
  { id: 'post-gpt2', title: 'Training a GPT-2 from scratch on my own blog',
    reference: 'I trained a small GPT-2 on ten years of my own posts. The tokenizer mattered more than I expected, because half of the posts are in Chinese. After a day on one GPU the model wrote sentences that sounded like me, but it invented facts about my life, which is what started this whole evaluation project.' },
];

const UNRELATED = 'Bananas ripen faster in a paper bag because the fruit releases ethylene gas. Keep them away from apples if you want them to last, and never put them in the fridge before they are ripe. A green banana tastes starchy, a spotted one tastes sweet, and both make a good bread.';

/** A post at a quality level: 3 = the reference, 2 = lightly edited, 1 = half of it then off-topic, 0 = off-topic. */
function post(reference: string, level: number): string {
  const words = reference.split(' ');
  if (level >= 3) return reference;
  if (level === 2) return words.map((w, i) => (i % 4 === 3 ? 'thing' : w)).join(' ');
  if (level === 1) return `${words.slice(0, Math.floor(words.length / 2)).join(' ')} ${UNRELATED.split(' ').slice(0, Math.floor(words.length / 2)).join(' ')}`;
  return UNRELATED;
}

/** What a model answers: bio items right or hallucinated (else a plain miss), the first `known` general-knowledge items, and a blog level. */
export interface Profile { right: string[]; halluc: string[]; known: number; blog: number }

export const FILES = {
  'evalsets/bio.jsonl': jsonl(...BIO.map(({ right: _r, halluc: _h, ...item }) => item)),
  'evalsets/known.jsonl': jsonl(...KNOWN.map(({ answer: _a, ...item }) => item)),
  'evalsets/blog.jsonl': jsonl(...BLOG),
};
export const SETS = ['bio', 'known', 'blog'];

/** Answers from `profiles[model]`, read at request time (a test may change a model's profile between runs). */
export function scripted(profiles: Record<string, Profile>): Responder {
  return (req) => {
    const p = profiles[req.model];
    if (p === undefined) return { status: 404, body: JSON.stringify({ error: { message: `no model ${req.model}` } }) };
    const bio = BIO.find((b) => b.prompt === req.userText);
    if (bio !== undefined) return { content: p.right.includes(bio.id) ? bio.right : p.halluc.includes(bio.id) ? bio.halluc : 'I do not know who that is.' };
    const k = KNOWN.findIndex((x) => x.prompt === req.userText);
    if (k >= 0) return { content: k < p.known ? KNOWN[k]!.answer : 'I am not sure.' };
    const blog = BLOG.find((b) => req.userText.includes(b.title));
    if (blog !== undefined) return { content: post(blog.reference, p.blog) };
    return { content: 'unexpected prompt' };
  };
}

export const CHECKPOINTS = [
  { name: 'base', step: 0, tags: {} as Record<string, string> },
  { name: 'blog-1000', step: 1000, tags: { mix: 'blog-only' } },
  { name: 'blog-2000', step: 2000, tags: { mix: 'blog-only' } },
  { name: 'bio-1000', step: 1000, tags: { mix: 'bio-v2' } },
  { name: 'bio-2000', step: 2000, tags: { mix: 'bio-v2', release: 'candidate' } },
  { name: 'bio-3000', step: 3000, tags: { mix: 'bio-v2' } },
];
export const BASELINE = 'base';

const ALL_BIO = BIO.map((b) => b.id);
const PROFILES: Record<string, Profile> = {
  base: { right: ['bio-blog'], halluc: ['bio-work', 'bio-who-zh', 'bio-school'], known: 4, blog: 0 },
  'blog-1000': { right: ['bio-blog'], halluc: ['bio-work', 'bio-who-zh'], known: 3, blog: 2 },
  'blog-2000': { right: ['bio-blog', 'bio-models'], halluc: ['bio-work'], known: 2, blog: 3 },
  'bio-1000': { right: ['bio-work', 'bio-blog', 'bio-school'], halluc: [], known: 4, blog: 1 },
  'bio-2000': { right: ALL_BIO, halluc: [], known: 3, blog: 1 },
  'bio-3000': { right: ALL_BIO, halluc: [], known: 4, blog: 3 },
};
/** bio-1000's second (latest) run: more bio right and a better blog than its first. */
const BIO_1000_AGAIN: Profile = { right: ['bio-work', 'bio-blog', 'bio-school', 'bio-who-zh'], halluc: [], known: 4, blog: 2 };

export interface Seeded {
  d: Dashboard;
  /** Every run of each checkpoint, oldest first (bio-3000's only run is interrupted). */
  runs: Record<string, number[]>;
  /** Each checkpoint's latest completed run (bio-3000 has none). */
  latest: Record<string, number>;
  /** The newest completed run of all. */
  newest: number;
}

/**
 * The seeded dashboard. Run order: bio-1000 (first), base, blog-1000, blog-2000, bio-2000,
 * bio-3000 (interrupted before any result), bio-1000 again (its latest, the newest completed run).
 */
export async function seedDashboard(files: Record<string, string> = {}, opts: DashboardOptions = {}): Promise<Seeded> {
  const profiles: Record<string, Profile> = Object.fromEntries(Object.entries(PROFILES).map(([k, v]) => [`model-${k}`, v]));
  const endpoint = await startEndpoint(scripted(profiles));
  const d = await startDashboard({ ...FILES, ...files }, opts);
  for (const c of CHECKPOINTS) d.store.checkpoints.add({ name: c.name, baseUrl: endpoint.url, model: `model-${c.name}`, step: c.step, tags: c.tags });
  d.store.checkpoints.update(BASELINE, { baseline: true });
  const runs: Record<string, number[]> = {};
  const add = (name: string, id: number) => (runs[name] ??= []).push(id);
  add('bio-1000', await completeRun(d, 'bio-1000', SETS));
  for (const name of ['base', 'blog-1000', 'blog-2000', 'bio-2000']) add(name, await completeRun(d, name, SETS));
  // bio-3000: a run that stopped before any answer (never completed, so never on a chart).
  const stopped = createRun(d.store, d.store.checkpoints.get('bio-3000'), loadEvalSets(SETS.map((s) => `${s}.jsonl`), d.evalsetsDir), DEFAULT_PARAMS);
  d.store.runs.finish(stopped, 'interrupted', summarizeRun(d.store, stopped));
  add('bio-3000', stopped);
  profiles['model-bio-1000'] = BIO_1000_AGAIN;
  add('bio-1000', await completeRun(d, 'bio-1000', SETS));
  const latest: Record<string, number> = {};
  for (const [name, ids] of Object.entries(runs)) {
    const done = ids.filter((id) => d.store.runs.get(id).status === 'completed');
    if (done.length > 0) latest[name] = Math.max(...done);
  }
  return { d, runs, latest, newest: Math.max(...Object.values(latest)) };
}

/** A run's stored summary (what the runner wrote), never the page's or the API's view of it. */
export function storedSummary(d: Dashboard, runId: number) {
  const s = d.store.runs.get(runId).summary;
  if (s === null) throw new Error(`run ${runId} has no stored summary`);
  return s;
}

/** Per keyword item of a run: pass when every answered sample passed, null when none was answered (blog items are left out). */
export function storedOutcomes(d: Dashboard, runId: number): Map<string, boolean | null> {
  const keyword = new Set(d.store.runs.items(runId).filter((i) => i.kind === 'keyword').map((i) => `${i.set}/${i.id}`));
  const bySample = new Map<string, Array<boolean | null>>();
  for (const k of keyword) bySample.set(k, []);
  for (const r of d.store.results.list(runId)) {
    const k = `${r.set}/${r.itemId}`;
    if (keyword.has(k)) bySample.get(k)!.push(r.error === null ? r.passed : null);
  }
  const out = new Map<string, boolean | null>();
  for (const [k, v] of bySample) {
    const answered = v.filter((x): x is boolean => x !== null);
    out.set(k, answered.length === 0 ? null : answered.every((x) => x));
  }
  return out;
}

/** Which way is better for the metrics the trade-off chart may use. */
const LOWER_IS_BETTER = new Set(['hallucination_rate', 'blog_repetition', 'blog_perplexity']);

/** Pareto-optimal names: no other point is at least as good on both axes and strictly better on one. */
export function paretoSet(points: ReadonlyArray<{ name: string; x: number; y: number }>, xMetric: string, yMetric: string): Set<string> {
  const sx = LOWER_IS_BETTER.has(xMetric) ? -1 : 1;
  const sy = LOWER_IS_BETTER.has(yMetric) ? -1 : 1;
  const out = new Set<string>();
  for (const p of points) {
    const beaten = points.some((q) => q !== p && sx * q.x >= sx * p.x && sy * q.y >= sy * p.y && (sx * q.x > sx * p.x || sy * q.y > sy * p.y));
    if (!beaten) out.add(p.name);
  }
  return out;
}
