/*
 * Colours as the tests judge them: parsed from CSS text or a computed style, composited, and
 * compared by WCAG 2 contrast; and the stylesheet's custom properties as a page in either colour
 * scheme would resolve them (so a pure test reads the same definitions the browser does).
 */
import { readFileSync } from 'node:fs';
import { packagePath } from '../../server/paths.js';

export interface Rgba { r: number; g: number; b: number; a: number }

/** '#rgb', '#rrggbb', 'rgb(1, 2, 3)', 'rgba(1, 2, 3, 0.5)' (what computed styles and the stylesheet use). */
export function parseColour(text: string): Rgba {
  const s = text.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/.exec(s);
  if (hex !== null) {
    const h = hex[1]!.length === 3 ? [...hex[1]!].map((c) => c + c).join('') : hex[1]!;
    return { r: parseInt(h.slice(0, 2), 16), g: parseInt(h.slice(2, 4), 16), b: parseInt(h.slice(4, 6), 16), a: 1 };
  }
  const fn = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+))?\s*\)$/.exec(s);
  if (fn !== null) return { r: Number(fn[1]), g: Number(fn[2]), b: Number(fn[3]), a: fn[4] === undefined ? 1 : Number(fn[4]) };
  throw new Error(`not a colour the tests read: ${JSON.stringify(text)}`);
}

/** `top` painted over the opaque `bottom`. */
export function over(top: Rgba, bottom: Rgba): Rgba {
  const mix = (t: number, b: number) => t * top.a + b * (1 - top.a);
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: 1 };
}

/** WCAG 2 relative luminance (0 black … 1 white). */
export function luminance(c: Rgba): number {
  const lin = (v: number) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG 2 contrast ratio of two colours (1 … 21); a translucent `a` is composited over `b` first. */
export function contrast(a: Rgba | string, b: Rgba | string): number {
  const bottom = typeof b === 'string' ? parseColour(b) : b;
  const top = over(typeof a === 'string' ? parseColour(a) : a, bottom);
  const [hi, lo] = [luminance(top), luminance(bottom)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/**
 * The stylesheet's custom properties for a colour scheme: the first `:root` block, overridden in
 * dark by the `:root` inside `@media (prefers-color-scheme: dark)`; `var(--x)` resolved.
 */
export function stylesheetVariables(scheme: 'light' | 'dark', css = readFileSync(packagePath('web', 'src', 'styles.css'), 'utf8')): (name: string) => string {
  const declarations = (block: string) => new Map([...block.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)].map((m) => [m[1]!, m[2]!.trim()]));
  const root = /(?:^|\n):root\s*\{([^}]*)\}/.exec(css);
  if (root === null) throw new Error('styles.css has no :root block');
  const vars = declarations(root[1]!);
  if (scheme === 'dark') {
    const dark = /@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}/.exec(css);
    if (dark === null) throw new Error('styles.css has no dark :root block');
    for (const [k, v] of declarations(dark[1]!)) vars.set(k, v);
  }
  const resolve = (name: string, depth = 0): string => {
    const v = vars.get(name);
    if (v === undefined || depth > 10) return '';
    return v.replace(/var\((--[\w-]+)\)/g, (_m, ref: string) => resolve(ref, depth + 1));
  };
  return resolve;
}
