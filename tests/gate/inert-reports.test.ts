import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { gate } from '../../server/gate/gate-head.js';
import { gateJunit, gateMarkdown } from '../../server/gate/reports.js';
import { openStore } from '../../server/store/open.js';
import { cli } from '../helpers/cli.js';
import { expectInert, hostileProject } from '../helpers/hostile.js';

/** GitHub-flavoured Markdown as HTML; raw HTML is let through, so only inert text keeps it out. */
const render = (md: string) => micromark(md, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });

/** The HTML outside <code> elements: where markup, links and mentions would take effect. */
const outsideCode = (html: string) => html.replace(/<code>[\s\S]*?<\/code>/g, '');

/** Every `<td>`…`</td>` count per body row. */
const cellsPerRow = (html: string) => [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => (m[1]!.match(/<t[dh][ >]/g) ?? []).length);

// Characters XML 1.0 forbids, and lone surrogates (never valid UTF-8).
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

describe('gate reports are inert: model output cannot become markup, links or mentions', () => {
  it('--markdown: answers render as code, with no image, link, HTML, mention or broken table', async () => {
    const p = await hostileProject();
    const r = await cli(['gate', '--checkpoint', 'head', '--baseline', 'base', '--db', p.db, '--allow-mismatch', '--markdown', 'gate.md', '--junit', 'gate.xml'], { cwd: p.cwd });
    expect(r.code, r.stderr).toBe(1);
    const bytes = readFileSync(join(p.cwd, 'gate.md'));
    expectInert(bytes, 'gate.md');
    const md = bytes.toString('utf8');
    expect(md).toContain('### bio_accuracy: items that got worse most');

    const html = render(md);
    const outside = outsideCode(html);
    for (const markup of ['<img', '<a ', '<script', '<b>', '<strong>strong', '<em>em', 'href=', 'src=']) expect(outside, markup).not.toContain(markup);
    for (const text of ['@someone', '#123', 'http://', 'www.example.com', 'a@b.example', 'onerror', 'alert', '<!--']) expect(outside, text).not.toContain(text);
    // The text is all there, inside code, HTML-escaped by the renderer.
    expect(html).toContain('<code>clear\\u001b[2J clip\\u001b]52;c;SGVsbG8=\\u0007 link\\u001b]8;;http://x\\u001b\\here');
    expect(html).toContain('<code>![img](http://x.example/i.png) [link](http://x.example) http://bare.example/x www.example.com a@b.example</code>');
    expect(html).toContain('<code>&lt;img src=x onerror=alert(1)&gt; &lt;b&gt;bold&lt;/b&gt; &lt;script&gt;alert(1)&lt;/script&gt; @someone #123 &lt;!-- c --&gt;</code>');
    expect(html).toContain('<code>`starts with a backtick | ends with one`</code>');
    // Every row keeps its columns: no pipe, backslash or backtick in an answer split a cell.
    const rows = cellsPerRow(html);
    expect(rows.filter((n) => n === 4)).toHaveLength(6); // the worst-items header and its five rows
    expect(rows.every((n) => n === 4 || n === 9)).toBe(true);
    expect(html).toContain('<code>**strong** _em_ `code` ``` fence | pipe a\\\u200b|b &amp;amp; &amp;lt; ]]&gt;</code>');

    const xmlText = readFileSync(join(p.cwd, 'gate.xml'), 'utf8');
    expect(XMLValidator.validate(xmlText)).toBe(true);
    expect(xmlText).not.toMatch(NOT_XML);
    const failure = new XMLParser({ ignoreAttributes: false }).parse(xmlText).testsuites.testsuite.testcase.find((t: any) => t.failure !== undefined).failure;
    expect(failure['#text']).toContain('head: clear\\u001b[2J clip');
    expect(failure['#text']).toContain(']]>');
  });

  it('JUnit stays well-formed whatever a report holds: NUL, lone surrogates, "]]>", U+FFFE, quotes', async () => {
    const p = await hostileProject(6);
    const store = openStore(p.db);
    const report = gate(store, 2, 1, { allowMismatch: true, noSignificance: true });
    store.close();
    const nasty = 'nul\u0000 lone\ud800 \udc00 ]]> <![CDATA[ x ]]> \ufffe\uffff "quote" \'apos\' & <tag> \u001b[2J \u0085';
    const worst = report.metrics.find((m) => m.verdict === 'regression')!;
    worst.reason = nasty;
    worst.worst[0] = { ...worst.worst[0]!, prompt: nasty, headAnswer: nasty, baseAnswer: nasty };
    report.head.checkpoint = nasty;
    report.warnings.push(nasty);
    const xmlText = gateJunit(report);
    expect(XMLValidator.validate(xmlText)).toBe(true);
    expect(xmlText).not.toMatch(NOT_XML);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(xmlText, 'utf8'))).not.toThrow();
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(xmlText);
    expect(parsed.testsuites.testsuite['@_name']).toContain('nul');
    const md = gateMarkdown(report);
    expectInert(md, 'markdown');
    expect(outsideCode(render(md))).not.toContain('<tag>');
  });
});
