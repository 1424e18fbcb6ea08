import { fmt, table } from '../report/text.js';
import { signedDigits } from '../shared/fixed-digits.js';
import { oneLine, printable } from '../untrusted-text.js';
import { coreWording, type OptionWording } from '../errors.js';
import type { GateReport, MetricVerdict } from './decide.js';
import { FLAG_BASELINE_HINT } from '../runs/reference.js';
import type { GateLinks } from './dashboard-links.js';

const ICON = { pass: '✅ pass', regression: '❌ regression', untrusted: '⚠️ untrusted (too many errored items)', 'no-baseline': '⏭️ no baseline' } as const;

const signed = (v: number | null, digits = 3) => (v === null ? '-' : signedDigits(v, digits));
const interval = (m: MetricVerdict) => (m.interval === null ? '-' : `[${signed(m.interval[0])}, ${signed(m.interval[1])}]`);
const pValue = (m: MetricVerdict) => (m.p === null ? '-' : m.p < 0.001 ? '<0.001' : m.p.toFixed(3));
const level = (m: MetricVerdict) => (m.level === null ? '-' : m.level.toPrecision(2));
const coverage = (m: MetricVerdict) => (m.intervalLevel === null ? '' : ` (${(100 * m.intervalLevel).toPrecision(3)}%)`);

/** One line saying what p, level and the intervals mean, under every report's table. */
function method(r: GateReport): string {
  if (!r.significance) return 'tolerance only: a metric regresses when it is worse by more than its tolerance (no significance test).';
  const tested = r.metrics.filter((m) => m.level !== null).length;
  return `a metric regresses when it is worse by more than its tolerance and p < level. p: one-sided paired sign-flip test over items of "not worse" (exact sign test for 0/1 scores); alpha ${r.alpha} is shared across the ${tested} tested metrics by Holm's step-down (level); intervals are two-sided at 1 − 2·level.`;
}
/** A metric's sensitivity line with the command that says the rest (power, items needed). */
const sensitivityLine = (r: GateReport, text: string) => `${text}; power and items needed: ${r.planCommand}`;

const runLabel = (r: GateReport['head']) => `run ${r.runId} (${oneLine(r.checkpoint, 200)}${r.step === null ? '' : `, step ${r.step}`})`;

/** The reference and why, e.g. `run 3 (base): the head's base checkpoint`. */
const referenceLine = (r: GateReport, label: (x: GateReport['head']) => string) =>
  r.baseline === null ? r.reference.why : `${label(r.baseline)}: ${r.reference.why}`;

/** What a first build prints first: nothing was gated, why, and how to get a reference. */
const NOT_GATED = 'was not gated (a first build passes)';
const noBaselineText = (r: GateReport, name: OptionWording) =>
  `${printable(r.reference.why)}. ${FLAG_BASELINE_HINT.charAt(0).toUpperCase()}${FLAG_BASELINE_HINT.slice(1)}; pass ${name('requireBaseline')} to fail instead.`;

/** The dashboard links in one line of text (or a JUnit message's tail). */
const linksText = (l: GateLinks) => (l.compare === null ? `dashboard: head run ${l.head}` : `dashboard: ${l.compare} (head run ${l.head}, baseline run ${l.baseline})`);
/** `message`, with the dashboard page that shows it when there are links. */
const linked = (message: string, link: string | null | undefined) => (link === null || link === undefined ? message : `${message}; dashboard: ${link}`);

/**
 * The human table printed by `tunegate gate`; with `links`, a line pointing into the dashboard;
 * `optionName` words options as the caller's edge spells them (the CLI: flags).
 */
export function gateText(r: GateReport, links?: GateLinks, optionName: OptionWording = coreWording): string {
  const dashboard = links === undefined ? [] : [linksText(links)];
  if (r.verdict === 'no-baseline') {
    return [`gate: ${ICON[r.verdict]}: ${runLabel(r.head)} ${NOT_GATED}`, noBaselineText(r, optionName), ...dashboard, ...r.warnings.slice(1).map((w) => `warning: ${printable(w)}`)].join('\n');
  }
  const rows = r.metrics.map((m) => [m.metric, fmt(m.base), fmt(m.head), signed(m.delta), `${interval(m)}${coverage(m)}`, pValue(m), level(m), String(m.n), m.verdict]);
  const lines = [
    `gate: ${ICON[r.verdict]}: ${runLabel(r.head)} vs baseline ${runLabel(r.baseline!)}, ${r.items.compared} items compared` +
      `${r.significance ? `, alpha ${r.alpha}` : ', tolerance only'}`,
    `reference: ${printable(referenceLine(r, runLabel))}`,
    ...dashboard,
    '',
    table(['metric', 'base', 'head', 'delta', 'interval', 'p', 'level', 'n', 'verdict'], rows),
    method(r),
  ];
  for (const m of r.metrics) if (m.verdict !== 'pass') lines.push(`  ${m.metric}: ${m.reason}`);
  for (const m of r.metrics.filter((x) => x.verdict === 'regression')) {
    lines.push('', `${m.metric}: items that got worse most`);
    for (const w of m.worst) lines.push(`  [${w.set}/${w.id}] ${fmt(w.base)} → ${fmt(w.head)}  ${clip(w.prompt, 70)}`);
  }
  for (const x of r.sensitivity) lines.push(`sensitivity: ${sensitivityLine(r, x.text)}`);
  for (const w of r.warnings) lines.push(`warning: ${printable(w)}`);
  return lines.join('\n');
}

/** Untrusted text (prompts, answers) as one printable line: no terminal escapes in the table or the files. */
const clip = (text: string | null, max: number) => oneLine(text ?? '', max);

/** XML text: escaped, and without the control characters XML 1.0 forbids (model output has them). */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * JUnit XML: one testcase per gated metric; a regression is a failure with delta, interval and p
 * (and, with `links`, the compare view's URL, which most CI viewers make clickable).
 */
export function gateJunit(r: GateReport, links?: GateLinks, optionName: OptionWording = coreWording): string {
  const cases = r.verdict !== 'no-baseline' ? [] : [
    `    <testcase classname="tunegate.gate" name="baseline" time="0">\n      <skipped message="${xml(linked(`no baseline: ${runLabel(r.head)} ${NOT_GATED}. ${noBaselineText(r, optionName)}`, links?.head))}"/>\n    </testcase>`,
  ];
  cases.push(...r.metrics.map((m) => {
    const open = `    <testcase classname="tunegate.gate" name="${xml(m.metric)}" time="0">`;
    if (m.verdict === 'skipped') return `${open}\n      <skipped message="${xml(m.reason)}"/>\n    </testcase>`;
    const summary = `${m.metric}: base ${fmt(m.base)}, head ${fmt(m.head)}, delta ${signed(m.delta)}, interval ${interval(m)}${coverage(m)}, p ${pValue(m)} at level ${level(m)}, n ${m.n}`;
    if (m.verdict !== 'regression') return `${open}\n      <system-out>${xml(`${summary}: ${m.reason}`)}</system-out>\n    </testcase>`;
    const evidence = m.worst.map((w) => `[${w.set}/${w.id}] ${fmt(w.base)} -> ${fmt(w.head)}: ${clip(w.prompt, 100)}\n  base: ${clip(w.baseAnswer, 200)}\n  head: ${clip(w.headAnswer, 200)}`).join('\n');
    return `${open}\n      <failure type="regression" message="${xml(linked(`${summary}: ${m.reason}`, links?.compare))}">${xml(evidence)}</failure>\n    </testcase>`;
  }));
  // A first build's errored items make it untrusted too (exit 3), baseline or not.
  const untrusted = r.verdict === 'untrusted' || r.headErrors > r.maxErrors;
  if (untrusted) {
    cases.push(`    <testcase classname="tunegate.gate" name="errored items" time="0">\n      <error type="untrusted" message="${xml(linked(`${r.headErrors} errored items in the head run (max ${r.maxErrors})`, links?.head))}"/>\n    </testcase>`);
  }
  const failures = r.metrics.filter((m) => m.verdict === 'regression').length;
  const skipped = r.metrics.filter((m) => m.verdict === 'skipped').length + (r.verdict === 'no-baseline' ? 1 : 0);
  const errors = untrusted ? 1 : 0;
  const name = xml(`tunegate gate: ${runLabel(r.head)} vs ${r.baseline === null ? 'no baseline' : runLabel(r.baseline)}`);
  const dashboard = Object.entries(links ?? {}).filter(([, url]) => url !== null).map(([page, url]) => [`dashboard.${page}`, url as string]);
  const properties = [['reference', referenceLine(r, runLabel)], ...dashboard, ...r.sensitivity.map((x) => [`sensitivity.${x.metric}`, sensitivityLine(r, x.text)])]
    .map(([name, value]) => `      <property name="${xml(name!)}" value="${xml(value!)}"/>`);
  const reference = `    <properties>\n${properties.join('\n')}\n    </properties>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="tunegate gate" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}">
  <testsuite name="${name}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" timestamp="${new Date().toISOString().slice(0, 19)}">
${reference}
${cases.join('\n')}
  </testsuite>
</testsuites>
`;
}

/** Our own text in a Markdown table cell: one line, no table breaks, no HTML. */
function cell(text: string | null, max = 120): string {
  return clip(text, max).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/`/g, "'");
}

/**
 * Untrusted text (answers, prompts, names, warnings quoting them) as inert Markdown: one line,
 * control characters escaped, inside a code span whose fence is longer than any backtick run in
 * it. Nothing in a code span is markup (no images, links, autolinks, HTML or emphasis), and
 * GitHub turns no @mention or #123 inside code into a link or a notification. In a table cell a
 * pipe is escaped as \| (GFM's rule, inside code spans too), and a backslash before it is kept
 * apart by U+200B so no renderer reads "\\|" as an escaped backslash and a cell break.
 */
function inert(text: string | null, max: number, where: 'table' | 'text' = 'table'): string {
  let line = clip(text, max);
  if (line === '') return '';
  if (where === 'table') line = line.replace(/\\(?=\|)/g, '\\\u200B').replace(/\|/g, '\\|');
  const fence = '`'.repeat(Math.max(0, ...(line.match(/`+/g) ?? []).map((run) => run.length)) + 1);
  // The spaces let the text start or end with a backtick; CommonMark strips one on each side.
  return `${fence} ${line} ${fence}`;
}

/** A run in Markdown: the checkpoint's name is untrusted (it may hold an @). */
const runLabelMd = (r: GateReport['head']) => `run ${r.runId} (${inert(r.checkpoint, 200, 'text')}${r.step === null ? '' : `, step ${r.step}`})`;

/**
 * The dashboard links as Markdown links. The URLs are ours (a checked http(s) base and numeric
 * ids, percent-encoded by URL), so no `<`, `>` or line break ends the pointy-bracket destination.
 */
function linksMd(r: GateReport, l: GateLinks): string {
  return [
    ...(l.compare !== null ? [`[compare in the dashboard](<${l.compare}>)`] : []),
    `[head run ${r.head.runId}](<${l.head}>)`,
    ...(l.baseline !== null && r.baseline !== null ? [`[baseline run ${r.baseline.runId}](<${l.baseline}>)`] : []),
  ].join(' · ');
}

/** A short Markdown summary for a pull-request comment or $GITHUB_STEP_SUMMARY; with `links`, a line of links into the dashboard. */
export function gateMarkdown(r: GateReport, links?: GateLinks, optionName: OptionWording = coreWording): string {
  const dashboard = links === undefined ? [] : ['', linksMd(r, links)];
  if (r.verdict === 'no-baseline') {
    const rest = r.warnings.slice(1).map((w) => `> ⚠️ ${inert(w, 300, 'text')}`);
    return `${[`## tunegate gate: ${ICON[r.verdict]}`, '', `**Head ${runLabelMd(r.head)} ${NOT_GATED}.**`, '', inert(noBaselineText(r, optionName), 600, 'text'), ...dashboard, ...(rest.length > 0 ? ['', ...rest] : [])].join('\n')}\n`;
  }
  const lines = [
    `## tunegate gate: ${ICON[r.verdict]}`,
    '',
    `Head ${runLabelMd(r.head)} vs baseline ${runLabelMd(r.baseline!)}: ${r.items.compared} items compared` +
      `${r.significance ? `; a regression is worse than its tolerance and significant, with α = ${r.alpha} shared across the metrics (Holm)` : '; tolerance only'}.`,
    '',
    `Reference: ${inert(referenceLine(r, (x) => `run ${x.runId} (${x.checkpoint})`), 300, 'text')}`,
    ...dashboard,
    '',
    '| metric | base | head | delta | interval | p | level | n | verdict |',
    '|---|---:|---:|---:|---|---:|---:|---:|---|',
    ...r.metrics.map((m) => `| ${cell(m.metric)} | ${fmt(m.base)} | ${fmt(m.head)} | ${signed(m.delta)} | ${interval(m)}${coverage(m)} | ${pValue(m)} | ${level(m)} | ${m.n} | ${m.verdict === 'regression' ? '**regression**' : m.verdict} |`),
    '',
    `<sub>${cell(method(r), 400)}</sub>`,
  ];
  for (const m of r.metrics.filter((x) => x.verdict === 'regression' && x.worst.length > 0)) {
    lines.push('', `### ${cell(m.metric)}: items that got worse most`, '', '| item | base → head | baseline answer | head answer |', '|---|---|---|---|');
    for (const w of m.worst) lines.push(`| ${inert(`${w.set}/${w.id}`, 120)}: ${inert(w.prompt, 60)} | ${fmt(w.base)} → ${fmt(w.head)} | ${inert(w.baseAnswer, 120)} | ${inert(w.headAnswer, 120)} |`);
  }
  if (r.sensitivity.length > 0) lines.push('', ...r.sensitivity.map((x) => `- sensitivity: ${cell(x.text, 300)}; power and items needed: \`${r.planCommand}\``));
  if (r.warnings.length > 0) lines.push('', ...r.warnings.map((w) => `> ⚠️ ${inert(w, 300, 'text')}`));
  return `${lines.join('\n')}\n`;
}
