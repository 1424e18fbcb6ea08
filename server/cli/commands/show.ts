import { servingLine } from '../../shared/serving-line.js';
import type { Score } from '../../scoring/types.js';
import type { ResultRecord } from '../../store/types.js';
import type { JudgmentRecord } from '../../store/judgments.js';
import { REFUSAL_RUBRIC_VERSION } from '../../judge/refusal-rubric.js';
import { judgeSummaries } from '../../judge/judge-summaries.js';
import { expectPositionals, flag, parseArgs } from '../args.js';
import { withStore } from '../context.js';
import { SHOW_SPEC } from '../specs/runs.js';
import { fmt, oneLine, printable, runText } from '../format.js';
import { itemJson, runJson } from '../../report/run-json.js';
import { println, type Io } from '../io.js';
import { parseRunId } from './resume.js';
import { currentSummary } from '../../runs/summary.js';
import { isTruncated } from '../../scoring/metrics.js';

// Prompts, answers and verdicts are untrusted text: one printable line each (errors and
// explanations keep their length, without control characters).
const clip = oneLine;

const yesNo = (v: unknown) => (v === true ? 'yes' : v === false ? 'no' : '?');

/** A stored judgment as one line: the blog score, or the refusal verdict's criteria. */
function judgeLine(j: JudgmentRecord): string {
  if (j.error !== null) return `  judge error (${j.rubric}): ${clip(j.error, 300)}`;
  const v = j.verdict ?? {};
  const rationale = clip(String(v.rationale ?? ''), 200);
  if (j.rubric !== REFUSAL_RUBRIC_VERSION) return `  judge: ${fmt(j.score)} ${rationale}`;
  return `  judge (${j.rubric}): ${j.score === 1 ? 'pass' : 'fail'} · corrects premise ${yesNo(v.corrects_premise)}, ` +
    `asserts a false fact ${yesNo(v.asserts_false_fact)}, states a true fact ${yesNo(v.states_true_fact)} · ${rationale}`;
}

export async function showCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, SHOW_SPEC, 'show');
  expectPositionals(p, 1, 'show');
  const runId = parseRunId(p.positionals[0], 'show');
  return withStore(p.values, io, (store) => {
    const run = store.runs.get(runId);
    const summary = currentSummary(store, run);
    const withItems = flag(p.values, 'items');
    const results = withItems ? store.results.list(runId) : [];
    const items = new Map(withItems ? store.runs.items(runId).map((i) => [`${i.set}\u0000${i.id}`, i]) : []);
    const itemOf = (r: ResultRecord) => items.get(`${r.set}\u0000${r.itemId}`);
    const judgments = new Map(withItems ? store.judge.judgments(runId).map((j) => [`${j.set}\u0000${j.itemId}\u0000${j.sample}`, j]) : []);
    const judgmentOf = (r: ResultRecord) => judgments.get(`${r.set}\u0000${r.itemId}\u0000${r.sample}`);
    const extras = judgeSummaries(store, runId);

    if (flag(p.values, 'json')) {
      const out = runJson(run, summary, extras);
      if (withItems) out.items = results.map((r) => itemJson(r, itemOf(r), judgmentOf(r)));
      println(io.stdout, JSON.stringify(out));
      return 0;
    }
    println(io.stdout, runText(runJson(run, summary, extras)));
    const prov = run.provenance;
    const revision = prov.revision === undefined || prov.revision === null ? '' : ` (${prov.revision.slice(0, 12)})`;
    println(io.stdout, `\nendpoint: ${oneLine(prov.endpoint.model, 200)}${prov.endpoint.lora !== undefined ? ` (LoRA adapter ${oneLine(prov.endpoint.lora.path, 300)})` : ''} at ${oneLine(prov.endpoint.baseUrl, 200)} (${prov.endpoint.api}) · tunegate ${prov.tool}${revision}`);
    for (const r of prov.serving ?? []) println(io.stdout, `served by: ${oneLine(servingLine(r), 400)}`);
    const reported = prov.reported;
    if (reported !== undefined && reported.models.length + reported.systemFingerprints.length > 0) {
      const list = (values: readonly string[]) => (values.length === 0 ? 'none' : values.map((v) => oneLine(v, 200)).join(', '));
      println(io.stdout, `endpoint reported: model ${list(reported.models)}; system_fingerprint ${list(reported.systemFingerprints)}`);
    }
    println(io.stdout, `scorers: ${Object.entries(prov.scorers).map(([k, v]) => `${k} v${v}`).join(', ')}`);
    println(io.stdout, `eval sets: ${prov.evalsets.map((s) => `${oneLine(s.name, 200)}@${s.hash.slice(0, 12)}`).join(', ')}`);
    const pr = run.params;
    println(io.stdout, `params: temperature ${pr.temperature}, max tokens ${pr.maxTokens.keyword}/${pr.maxTokens.blog}, samples ${pr.samples}, seed ${pr.seed ?? '-'}`);
    if (withItems) {
      for (const r of results) {
        const scores = (r.scores ?? {}) as Record<string, Score>;
        const latency = r.latencyMs === null ? '' : ` · ${Math.round(r.latencyMs)} ms`;
        const thoughtOnly = r.error === null && r.reasoning !== null && (r.answer ?? '').trim() === '';
        const cut = isTruncated({ ...r, thoughtOnly }) ? ` · ${thoughtOnly ? 'reasoning only, no answer' : 'cut off at max tokens'}` : '';
        println(io.stdout, `\n[${oneLine(`${r.set}/${r.itemId}`, 200)}${pr.samples > 1 ? `#${r.sample}` : ''}] score ${fmt(r.score)}${latency}${cut}`);
        println(io.stdout, `  Q: ${clip(itemOf(r)?.prompt ?? r.prompt, 200)}`);
        if (r.error !== null) println(io.stdout, `  error after ${r.attempts} attempts: ${printable(r.error)}`);
        else println(io.stdout, `  A: ${clip(r.answer ?? '', 400)}`);
        for (const [name, s] of Object.entries(scores)) println(io.stdout, `  ${name}: ${printable(s.explanation)}`);
        const j = judgmentOf(r);
        if (j !== undefined) println(io.stdout, judgeLine(j));
      }
    }
    return 0;
  });
}
