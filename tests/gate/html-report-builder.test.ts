import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { htmlReport, jsonForScript, type ReportBundle, type ReportData } from '../../server/gate/html-report.js';

/** The answer of the brief: it would end the data element and add an image that runs script. */
const ATTACK = '</script><img src=x onerror=alert(1)>';
/** Control characters, the line separators JavaScript once refused in strings, a comment opener and a lone surrogate. */
const CONTROLS = 'nul\u0000 esc\u001b[2J bell\u0007 del\u007f c1\u009b ls\u2028 ps\u2029 <!-- --> lone\ud800 &amp;';

// A report's data with hostile text where model output goes (answers, the prompt, a warning).
const side = (answer: string) => ({ answer, sample: null, score: 0, marks: { keywords: [{ alternatives: ['Paris'], matched: null }], forbidden: [] } });
const DATA = {
  comparison: {
    base: { runId: 1, checkpoint: 'base', step: 0, status: 'completed' },
    head: { runId: 2, checkpoint: `head ${ATTACK}`, step: 1, status: 'completed' },
    metrics: {}, consistency: {}, items: { compared: 1, changedContent: 0, onlyInBase: 0, onlyInHead: 0 }, transitions: {},
    flips: [{ set: 'bio', id: 'q0', prompt: CONTROLS, tags: [], category: null, from: 'pass', to: 'fail', drop: 1, base: side('Paris'), head: side(ATTACK) }],
    blog: [], mismatches: [], warnings: [CONTROLS], reference: { kind: 'run', why: 'asked for by run id' },
  },
  gate: { error: ATTACK },
  definitions: { metrics: [], pass: 'p', consistency: 'c' },
  runs: { base: {}, head: {} },
  generatedAt: '2026-12-07T00:00:00.000Z',
  dashboardUrl: null,
} as unknown as ReportData;
const BUNDLE: ReportBundle = { js: 'document.body.dataset.x = "1";', css: 'body { color: black }' };

const hash = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

describe('the HTML report builder: data inert, round-tripping, and nothing allowed but its own script and style', () => {
  it('keeps hostile model output out of the markup and gives the data back unchanged', () => {
    const html = htmlReport(DATA, BUNDLE);
    // Only the two script elements of the file end: the data cannot close its element early.
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<!--');
    expect(html).not.toMatch(/[\u0000\u001b\u0007\u2028\u2029]/);
    const text = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html)?.[1];
    expect(text).toBeDefined();
    expect(JSON.parse(text!)).toEqual(DATA);
    // The title names the head checkpoint, escaped.
    expect(html).toContain('<title>tunegate: base (run 1) → head &#60;/script&#62;&#60;img src=x onerror=alert(1)&#62; (run 2)</title>');
  });

  it('escapes the characters that could end an element or a JavaScript string', () => {
    expect(jsonForScript(['<>&\u2028\u2029'])).toBe('["\\u003c\\u003e\\u0026\\u2028\\u2029"]');
    expect(JSON.parse(jsonForScript({ a: CONTROLS }))).toEqual({ a: CONTROLS });
  });

  it('allows no request: default-src none, the inline script and style only by their hashes', () => {
    const html = htmlReport(DATA, BUNDLE);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1]?.replaceAll('&#39;', "'");
    expect(csp).toBe(`default-src 'none'; script-src ${hash(BUNDLE.js)}; style-src ${hash(BUNDLE.css)}; img-src data:; base-uri 'none'; form-action 'none'`);
    expect(html).toContain(`<script>${BUNDLE.js}</script>`);
    expect(html).toContain(`<style>${BUNDLE.css}</style>`);
    expect(html).not.toMatch(/\b(src|href)="(?!data:)/);
  });

  it('refuses a bundle that would end its own element', () => {
    expect(() => htmlReport(DATA, { js: 'x("</script>")', css: '' })).toThrow(/closing tag/);
  });
});
