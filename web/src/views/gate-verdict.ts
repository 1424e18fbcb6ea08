/*
 * The gate's verdict as the page shows it: the full banner of /compare (and the HTML report) and
 * the compact card on the first screen of `/`. One wording of each verdict for both.
 */
import { api, ApiError, type GateReport } from '../api.js';
import { h, tid, type Child } from '../dom.js';
import { runLink } from './common.js';
import { pageUrl } from '../../../server/shared/page-urls.js';

const VERDICT_TEXT: Record<GateReport['verdict'], string> = {
  pass: 'pass: no metric regressed',
  regression: 'REGRESSION',
  untrusted: 'untrusted: too many errored items',
  'no-baseline': 'not gated: no baseline',
};

const regressedOf = (gate: GateReport) => gate.metrics.filter((m) => m.verdict === 'regression').map((m) => m.metric);
const testedText = (gate: GateReport) => (gate.significance ? `beyond tolerance and significant, α = ${gate.alpha} for the whole gate (Holm)` : 'tolerance only');

/** The /compare banner: the verdict, what was compared and how, what regressed, every warning, and each metric's sensitivity (folded). */
export function gateBanner(gate: GateReport | Error): HTMLElement {
  if (gate instanceof Error) {
    return h('div', { class: 'gate gate-none', attrs: { ...tid('gate-verdict'), role: 'status' } }, `No gate verdict: ${gate.message}`);
  }
  const regressed = regressedOf(gate);
  return h('div', { class: `gate gate-${gate.verdict}`, attrs: { ...tid('gate-verdict'), role: 'status', 'data-verdict': gate.verdict } },
    h('strong', null, `Gate: ${VERDICT_TEXT[gate.verdict]}`),
    ` · ${gate.items.compared} items compared · ${testedText(gate)}`,
    regressed.length > 0 ? ` · regressed: ${regressed.join(', ')}` : '',
    gate.warnings.length > 0 ? h('ul', null, gate.warnings.map((w) => h('li', null, w))) : null,
    // One line per tested metric is long (seven on the shipped sets): folded under the verdict, which stays one line.
    gate.sensitivity.length === 0 ? null : h('details', { class: 'gate-more', attrs: tid('gate-sensitivity-fold') },
      h('summary', null, `What each metric can detect (${gate.sensitivity.length} metric${gate.sensitivity.length === 1 ? '' : 's'})`), sensitivityList(gate)));
}

/**
 * One line per tested metric: the smallest drop its items can show; the power and the items a
 * drop would take are the plan's (the API request that reads it, left out with `command: false`: the page names no CLI flag).
 */
export function sensitivityList(gate: GateReport, opts: { command?: boolean } = {}): HTMLElement | null {
  if (gate.sensitivity.length === 0) return null;
  return h('div', { class: 'gate-sensitivity', attrs: tid('gate-sensitivity') },
    h('ul', null, gate.sensitivity.map((x) => h('li', { attrs: { 'data-metric': x.metric } }, `Sensitivity: ${x.text}`))),
    opts.command === false ? null : ['Power, and the items a drop would take: the plan of the run, ', h('code', null, `GET ${api.planPath(gate.head.runId)}`), ' (or the CLI\'s plan command).']);
}

/** What to do when the gate has no reference, in the page's words. */
const NO_REFERENCE_TODO = 'To gate against a fixed point, flag a baseline checkpoint (tunegate checkpoint baseline NAME, or PATCH /api/checkpoints/NAME with {"baseline": true}), or register checkpoints with their base checkpoint or a run= tag shared with their earlier steps.';

/** What to do when no run has completed, in the page's words. */
const NO_RUN_TODO = 'Once a checkpoint\'s run completes, the gate compares it item by item with a fixed reference (the flagged baseline checkpoint, else its base checkpoint, else the first checkpoint of its run= tag) and says here whether any metric regressed.';

const runName = (r: { runId: number; checkpoint: string; step: number | null }) =>
  runLink(r.runId, `${r.checkpoint}${r.step === null ? '' : ` (step ${r.step})`} · run ${r.runId}`);

/**
 * The first screen's card: the gate's verdict on its default head against its default reference
 * in one line, then the key facts (which run, against what and why, what regressed), a link to
 * the pair on /compare, and the long warnings folded. `null`: no run has completed yet.
 * `label` names a metric for people (its registry label).
 */
export function gateCard(gate: GateReport | Error | null, label: (metric: string) => string = (m) => m): HTMLElement {
  const report = gate === null || gate instanceof Error ? null : gate;
  const card = (...children: Child[]) => h('div', {
    class: `gate gate-compact gate-${report?.verdict ?? 'none'}`,
    attrs: {
      ...tid('gate-verdict'), role: 'status',
      ...(report === null ? {} : { 'data-verdict': report.verdict, 'data-head-run': report.head.runId, 'data-reference-kind': report.reference.kind }),
    },
  }, ...children);
  if (gate === null || (gate instanceof ApiError && gate.status === 404)) {
    return card(h('p', { class: 'gate-line' }, h('strong', null, 'No verdict yet'), ': no checkpoint has a completed run, so there is nothing to gate.'),
      h('p', { class: 'note' }, NO_RUN_TODO));
  }
  if (gate instanceof Error) {
    return card(h('p', { class: 'gate-line' }, h('strong', null, 'No verdict'), `: ${gate.message}`));
  }
  const lines: Child[] = [h('dt', null, 'Checkpoint'), h('dd', { attrs: tid('gate-head') }, runName(gate.head))];
  if (gate.baseline === null) {
    lines.push(h('dt', null, 'Reference'), h('dd', { attrs: tid('gate-reference') }, 'none: ', gate.reference.why.replace(/^no reference to gate against: /, '')));
  } else {
    lines.push(h('dt', null, 'Against'), h('dd', { attrs: tid('gate-reference') }, runName(gate.baseline), ` (${gate.reference.why})`));
    const regressed = regressedOf(gate);
    lines.push(h('dt', null, 'Regressed'), h('dd', { attrs: tid('gate-regressed') }, regressed.length === 0 ? 'none' : regressed.map(label).join(', ')));
    lines.push(h('dt', null, 'Compared'), h('dd', null, `${gate.items.compared} items · ${gate.significance ? `significance at α = ${gate.alpha} (Holm)` : 'tolerance only'}`));
  }
  // Without a reference the first warning says what the lines above say, worded for the CLI.
  const warnings = gate.baseline === null ? gate.warnings.filter((w) => !w.startsWith('not gated: ')) : gate.warnings;
  const folded = warnings.length + gate.sensitivity.length;
  return card(
    h('p', { class: 'gate-line' }, h('strong', null, `Gate: ${VERDICT_TEXT[gate.verdict]}`),
      gate.baseline === null ? '' : ` · ${gate.head.checkpoint} against ${gate.baseline.checkpoint}`),
    h('dl', { class: 'facts' }, lines),
    gate.baseline === null
      ? h('p', { class: 'note' }, NO_REFERENCE_TODO)
      : h('p', null, h('a', { href: pageUrl('', 'compare', {}, { base: gate.baseline.runId, head: gate.head.runId }), attrs: tid('gate-compare-link') },
        `Before / after: ${gate.baseline.checkpoint} → ${gate.head.checkpoint}`)),
    folded === 0 ? null : h('details', { class: 'gate-more' },
      h('summary', null, [warnings.length > 0 ? `${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : null,
        gate.sensitivity.length > 0 ? 'what each metric can detect' : null].filter((x) => x !== null).join(' · ')),
      warnings.length > 0 ? h('ul', { class: 'warnings' }, warnings.map((w) => h('li', null, w))) : null,
      sensitivityList(gate, { command: false })));
}
