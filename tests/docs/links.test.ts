import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { packagePath, packageRoot } from '../../server/paths.js';

/**
 * The README is a short map of docs/, and no link in it or in a docs page points nowhere. Links
 * are read from the rendered Markdown (GitHub's flavour), so a link shown inside a code block is
 * text, as on GitHub; anchors are matched against GitHub's heading ids.
 */

const MAX_README_LINES = 250;


const render = (md: string) => micromark(md, { allowDangerousHtml: true, extensions: [gfm()], htmlExtensions: [gfmHtml()] });

const decode = (html: string) =>
  html.replace(/<[^>]*>/g, '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, '&');

/** The ids GitHub gives a page's headings: lower case, punctuation dropped, spaces as '-', repeats numbered. */
function headingIds(md: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of render(md).matchAll(/<h[1-6]>([\s\S]*?)<\/h[1-6]>/g)) {
    const base = decode(m[1]!).trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

/** Every link and image target of a Markdown file, as written. */
function targets(md: string): string[] {
  return [...render(md).matchAll(/<(?:a href|img src)="([^"]*)"/g)].map((m) => decode(m[1]!));
}

const root = packageRoot();
const docPages = readdirSync(packagePath('docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
const pages = ['README.md', ...docPages];
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');
const idsOf = new Map<string, Set<string>>();
const headingIdsOf = (rel: string) => idsOf.get(rel) ?? idsOf.set(rel, headingIds(read(rel))).get(rel)!;

/** What is wrong with one link of `from` (a path relative to the package root), or null. */
function brokenLink(from: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // another site: not ours to check
  const hash = target.indexOf('#');
  const path = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? '' : decodeURIComponent(target.slice(hash + 1));
  const file = path === '' ? from : relative(root, join(root, dirname(from), decodeURIComponent(path)));
  if (!existsSync(join(root, file))) return `${target}: no file ${file}`;
  if (anchor !== '' && file.endsWith('.md') && !headingIdsOf(file).has(anchor)) return `${target}: no heading #${anchor} in ${file}`;
  return null;
}

describe('the README and docs/', () => {
  it(`keeps the README at most ${MAX_README_LINES} lines`, () => {
    expect(read('README.md').trimEnd().split('\n').length).toBeLessThanOrEqual(MAX_README_LINES);
  });

  it('links every docs/*.md page from the README', () => {
    const linked = new Set(targets(read('README.md')).map((t) => t.split('#')[0]));
    expect(docPages.length).toBeGreaterThan(0);
    expect(docPages.filter((p) => !linked.has(p))).toEqual([]);
  });

  it('has no relative link or anchor that points nowhere', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const page of pages) {
      for (const target of targets(read(page))) {
        checked++;
        const problem = brokenLink(page, target);
        if (problem) broken.push(`${page}: ${problem}`);
      }
    }
    expect(checked).toBeGreaterThan(pages.length);
    expect(broken).toEqual([]);
  });

  it('reads anchors as GitHub does, so the check above can fail', () => {
    const md = '# Model servers: vLLM, llama.cpp\n\n## Planning: `tunegate plan`\n\n## Planning: `tunegate plan`\n\n```\n[x](nowhere.md)\n```\n[y](here.md#a)';
    expect([...headingIds(md)]).toEqual(['model-servers-vllm-llamacpp', 'planning-tunegate-plan', 'planning-tunegate-plan-1']);
    expect(targets(md)).toEqual(['here.md#a']);
    expect(brokenLink('docs/gate.md', 'metrics.md#no-such-heading')).toMatch(/no heading #no-such-heading in docs\/metrics\.md/);
    expect(brokenLink('docs/gate.md', 'no-such-page.md')).toMatch(/no file docs\/no-such-page\.md/);
    expect(brokenLink('README.md', 'docs/gate.md#the-reference-baseline')).toBeNull();
  });
});
