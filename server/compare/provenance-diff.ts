import { sha256 } from '../evalsets/hash.js';
import type { EvalItem } from '../evalsets/types.js';
import { chatMessages, DEFAULT_PROMPT_TEMPLATE } from '../runs/prompt.js';
import { scorerDifferences } from '../scoring/scorer-differences.js';
import type { Store } from '../store/open.js';
import type { Run } from '../store/types.js';
import { oneLine } from '../untrusted-text.js';
import { itemKey } from './item-values.js';

/**
 * One way two runs were measured differently. `field` is one of: `scorers.<name>`,
 * `temperature`, `maxTokens.keyword`, `maxTokens.blog`, `samples`, `promptTemplate`, `system`,
 * `judgeRubric`. `base` and `head` are each run's value as short text; `message` says it in words.
 */
export interface ProvenanceMismatch {
  field: string;
  base: string;
  head: string;
  message: string;
}

/** What a run's rows (not its provenance JSON) say about how it was measured: see runFacts. */
export interface RunFacts {
  /** The system prompt of each item the run snapshotted, by itemKey ('' when it has none). */
  systemPrompts: ReadonlyMap<string, string>;
  /** The rubric versions of the run's judgments; empty when it was never judged. */
  rubrics: readonly string[];
}

/** The system prompt the model sees for an item ('' when none): its `system`, or an SFT line's system messages. */
export function systemPromptOf(item: EvalItem): string {
  return chatMessages(item).filter((m) => m.role === 'system').map((m) => m.content).join('\n');
}

/** A run's facts, read from its item snapshot and its judgments. */
export function runFacts(store: Store, runId: number): RunFacts {
  return {
    systemPrompts: new Map(store.runs.items(runId).map((i) => [itemKey(i.set, i.id), systemPromptOf(i)])),
    rubrics: store.judge.rubrics(runId),
  };
}

// Short, printable forms: values end up in terminal output, reports and the page.
const shown = (v: unknown): string => (v === null ? 'none' : oneLine(typeof v === 'string' ? v : JSON.stringify(v), 80));
const shortHash = (texts: readonly string[]) => sha256(JSON.stringify(texts)).slice(0, 12);

/** What the model was given as its prompt format: the completions template, or the endpoint's own chat template. */
function promptFormat(run: Run): string | undefined {
  const e = run.provenance.endpoint;
  if (e === undefined) return undefined;
  return e.api === 'completions' ? JSON.stringify(e.promptTemplate ?? DEFAULT_PROMPT_TEMPLATE) : '(chat messages: the endpoint\'s chat template)';
}

/**
 * How two runs were measured differently, in the ways that make their numbers incomparable:
 * scorer versions, temperature, max tokens, samples, prompt template, system prompts and judge
 * rubric. Pure: `facts` (see runFacts) carries what only the runs' rows know; without it,
 * system prompts and rubric are not compared.
 *
 * A value a run does not have is "unknown" and never flagged against a known one: every field
 * here was recorded from the first stored run on, so this only guards against hand-edited or
 * partial rows. Scorers are the exception by design: a scorer that only one run recorded is a
 * mismatch (its numbers exist on one side only).
 *
 * System prompts are compared on the items both runs have (by set and id): base and head are a
 * short hash of those items' system prompts in order, and the message counts the items that
 * differ. (An item whose system prompt changed also has a new content hash, so comparisons
 * already leave it out; this names the reason and lets the gate refuse.) The rubric is
 * compared only when both runs were judged.
 */
export function provenanceMismatches(base: Run, head: Run, facts?: { base: RunFacts; head: RunFacts }): ProvenanceMismatch[] {
  const out: ProvenanceMismatch[] = [];
  const runs = (b: string, h: string) => `${b} in baseline run ${base.id}, ${h} in head run ${head.id}`;
  const compare = (field: string, label: string, b: unknown, h: unknown) => {
    if (b === undefined || h === undefined || b === h) return;
    const bs = shown(b);
    const hs = shown(h);
    out.push({ field, base: bs, head: hs, message: `${label} differs: ${runs(bs, hs)}` });
  };

  for (const d of scorerDifferences(base.provenance.scorers ?? {}, head.provenance.scorers ?? {})) {
    const [b, h] = d.versions.map((v) => (v === null ? 'none' : `v${oneLine(v, 40)}`)) as [string, string];
    out.push({
      field: `scorers.${d.name}`, base: b, head: h,
      message: `scorer ${d.name} differs: ${runs(b, h)}; scores of different scorer versions are not comparable`,
    });
  }
  const bp = base.params;
  const hp = head.params;
  compare('temperature', 'temperature', bp.temperature, hp.temperature);
  compare('maxTokens.keyword', 'max tokens for keyword items', bp.maxTokens?.keyword, hp.maxTokens?.keyword);
  compare('maxTokens.blog', 'max tokens for blog items', bp.maxTokens?.blog, hp.maxTokens?.blog);
  compare('samples', 'samples per item', bp.samples, hp.samples);
  compare('promptTemplate', 'prompt template', promptFormat(base), promptFormat(head));

  if (facts !== undefined) {
    const shared = [...facts.head.systemPrompts.keys()].filter((k) => facts.base.systemPrompts.has(k)).sort();
    const differing = shared.filter((k) => facts.base.systemPrompts.get(k) !== facts.head.systemPrompts.get(k));
    if (differing.length > 0) {
      const b = shortHash(shared.map((k) => facts.base.systemPrompts.get(k)!));
      const h = shortHash(shared.map((k) => facts.head.systemPrompts.get(k)!));
      out.push({
        field: 'system', base: b, head: h,
        message: `system prompts differ on ${differing.length} of the ${shared.length} items both runs have (first: ${shown(differing[0]!.replace('\u0000', '/'))})`,
      });
    }
    const br = [...facts.base.rubrics].sort();
    const hr = [...facts.head.rubrics].sort();
    if (br.length > 0 && hr.length > 0 && br.join('\u0000') !== hr.join('\u0000')) {
      const [b, h] = [shown(br.join(', ')), shown(hr.join(', '))];
      out.push({ field: 'judgeRubric', base: b, head: h, message: `judge rubric differs: ${runs(b, h)}; judge scores of different rubrics are not comparable` });
    }
  }
  return out;
}

/** Every provenance mismatch between two stored runs (what the gate refuses without --allow-mismatch). */
export function runMismatches(store: Store, baseId: number, headId: number): ProvenanceMismatch[] {
  return provenanceMismatches(store.runs.get(baseId), store.runs.get(headId), { base: runFacts(store, baseId), head: runFacts(store, headId) });
}

/**
 * Warnings, not refusals: the endpoint reported a different `system_fingerprint` (its serving
 * backend or configuration changed) within a run or between the two, more than one `model`
 * within a run, or the two runs were served by different servers or versions (serving-probe.ts). Numbers may then move for reasons that are not the checkpoint's. Runs stored
 * before these were recorded report nothing and get no warning.
 */
export function fingerprintWarnings(base: Run, head: Run): string[] {
  const out: string[] = [];
  const list = (values: readonly string[]) => values.map((v) => shown(v)).join(', ');
  for (const [role, run] of [['baseline', base], ['head', head]] as const) {
    const r = run.provenance.reported;
    if (r === undefined) continue;
    if (r.systemFingerprints.length > 1) {
      out.push(`the endpoint's system_fingerprint changed during ${role} run ${run.id} (${list(r.systemFingerprints)}): its backend or configuration changed mid-run`);
    }
    if (r.models.length > 1) out.push(`the endpoint reported more than one model during ${role} run ${run.id} (${list(r.models)})`);
  }
  // Who served each run (server and version, per replica), when both runs recorded it.
  const servers = (run: Run) => [...new Set((run.provenance.serving ?? []).map((r) => `${r.server ?? 'unidentified server'}${r.version !== null ? ` ${r.version}` : ''}`))].sort();
  const [bs, hs] = [servers(base), servers(head)];
  if (bs.length > 0 && hs.length > 0 && bs.join('\u0000') !== hs.join('\u0000')) {
    out.push(`served by ${list(bs)} in baseline run ${base.id}, ${list(hs)} in head run ${head.id}: part of the difference may be the server's, not the checkpoint's`);
  }
  const b = base.provenance.reported?.systemFingerprints ?? [];
  const h = head.provenance.reported?.systemFingerprints ?? [];
  if (b.length > 0 && h.length > 0 && [...b].sort().join('\u0000') !== [...h].sort().join('\u0000')) {
    out.push(
      `system_fingerprint differs: ${list(b)} in baseline run ${base.id}, ${list(h)} in head run ${head.id}; ` +
        'the serving backend or its configuration changed, so part of the difference may be the server\'s, not the checkpoint\'s',
    );
  }
  return out;
}
