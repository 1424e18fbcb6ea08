/*
 * Building DOM from data. Every string becomes a text node or a property: nothing here parses
 * HTML, so model output, prompts, names and tags can never become markup or script.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];

export interface Props {
  class?: string;
  /** Set as attributes (data-*, aria-*, role, for, …); values are text. */
  attrs?: Record<string, string | number | boolean | undefined>;
  /** Set as element properties (value, checked, href, title, …). */
  [prop: string]: unknown;
}

function append(el: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(el, c);
    return;
  }
  el.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : (child as Node));
}

/** An element with properties, attributes and children. `on*` props that are functions become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props | null = null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'attrs') {
      for (const [a, av] of Object.entries(v as Record<string, unknown>)) {
        if (av === undefined || av === false) continue;
        el.setAttribute(a, av === true ? '' : String(av));
      }
    } else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else (el as unknown as Record<string, unknown>)[k] = v;
  }
  for (const c of children) append(el, c);
  return el;
}

/** A test hook: `data-testid`. */
export const tid = (id: string) => ({ 'data-testid': id });

/** Replaces an element's children. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  for (const c of children) append(el, c);
}

/**
 * The text with each needle's occurrences (case-insensitive) wrapped in <mark class=…>. Matching
 * for scores is NFKC + case fold on the server; this is only the visual aid, so a needle it
 * cannot find is simply not highlighted (the keyword chips carry the verdict). Matches are found
 * in the text itself (not a lower-cased copy, whose length can differ: "İ" lower-cases to two
 * code units), so every mark wraps exactly what it names. A needle may instead give its ranges
 * (offsets into the text: the text search's matches, shared/text-search.ts matchRanges); where
 * marks overlap, the earlier listed needle wins.
 */
export function highlighted(text: string, needles: ReadonlyArray<{ text: string; cls: string } | { ranges: ReadonlyArray<{ start: number; end: number }>; cls: string }>): Node[] {
  const given: Array<{ start: number; end: number; cls: string }> = [];
  const found: Array<{ start: number; end: number; cls: string }> = [];
  for (const n of needles) {
    if ('ranges' in n) {
      for (const r of n.ranges) given.push({ start: r.start, end: r.end, cls: n.cls });
      continue;
    }
    if (n.text === '') continue;
    const re = new RegExp(n.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu');
    for (const m of text.matchAll(re)) found.push({ start: m.index, end: m.index + m[0].length, cls: n.cls });
  }
  const byStart = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start - b.start || b.end - a.end;
  // Given ranges claim their characters first; among found ones, the earlier, longer one wins.
  const spans: typeof given = [];
  for (const s of [...given.sort(byStart), ...found.sort(byStart)]) if (!spans.some((k) => s.start < k.end && k.start < s.end)) spans.push(s);
  spans.sort(byStart);
  const out: Node[] = [];
  let at = 0;
  for (const s of spans) {
    if (s.start > at) out.push(document.createTextNode(text.slice(at, s.start)));
    out.push(h('mark', { class: s.cls }, text.slice(s.start, s.end)));
    at = s.end;
  }
  if (at < text.length) out.push(document.createTextNode(text.slice(at)));
  return out;
}
