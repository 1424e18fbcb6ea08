/*
 * The HTML report: one self-contained file (styles, script with Chart.js, data inline) with the
 * dashboard's compare view of a gated pair, for a reviewer to open from a CI run. Pure: the data
 * and the built report bundle (web/src/report.ts) in, the HTML text out.
 */
import { createHash } from 'node:crypto';
import type { Comparison } from '../compare/compare-runs.js';
import type { ReferenceChoice } from '../runs/reference.js';
import type { RunJson } from '../report/run-json.js';
import type { MetricDef } from '../scoring/metric-registry.js';
import type { GateReport } from './decide.js';

/** What the report shows; the page's report.ts reads it back from the file (one definition of its shape). */
export interface ReportData {
  comparison: Comparison & { reference: ReferenceChoice };
  /** The gate's report on the pair, or why there is none. */
  gate: GateReport | { error: string };
  definitions: { metrics: MetricDef[]; pass: string; consistency: string };
  /** Both runs, for their provenance. */
  runs: { base: RunJson; head: RunJson };
  /** ISO time the file was written. */
  generatedAt: string;
  /** The dashboard to link runs to; null: run names are plain text. */
  dashboardUrl: string | null;
}

/** The built report script and stylesheet (web/dist/report.js, report.css). */
export interface ReportBundle { js: string; css: string }

/**
 * The data as the text of a `<script type="application/json">`: `<`, `>` and `&` escaped so no
 * model output can end the element or open a comment, U+2028/2029 so the text is also valid
 * JavaScript. JSON.parse of the element's text gives the data back unchanged.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The report's HTML. Its CSP allows nothing from anywhere (default-src 'none'), only the one
 * inline script and stylesheet by hash: the file makes no request, and an answer that somehow
 * became markup could still run nothing.
 */
export function htmlReport(data: ReportData, bundle: ReportBundle): string {
  // A script element's text ends at the first "</script": the bundle must not contain it (esbuild escapes it in strings).
  if (/<\/script/i.test(bundle.js) || /<\/style/i.test(bundle.css)) throw new Error('report bundle contains a closing tag; rebuild it (npm run build)');
  const c = data.comparison;
  const title = `tunegate: ${c.base.checkpoint} (run ${c.base.runId}) → ${c.head.checkpoint} (run ${c.head.runId})`;
  const csp = `default-src 'none'; script-src ${sha256(bundle.js)}; style-src ${sha256(bundle.css)}; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${bundle.css}</style>
</head>
<body>
<header class="top"><span class="brand">tunegate</span><span class="note">report written ${escapeHtml(data.generatedAt)}</span></header>
<main id="view" tabindex="-1"><noscript>This report draws its view with JavaScript; the same data is in the report-data element of this file.</noscript></main>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${bundle.js}</script>
</body>
</html>
`;
}
