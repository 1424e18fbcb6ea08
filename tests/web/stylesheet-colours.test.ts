/*
 * The page's colours, read from web/src/styles.css as each colour scheme resolves them: every text
 * colour meets WCAG AA (4.5:1) on every background it is used on, in light and in dark, and no rule
 * writes a colour of its own (a colour written outside the variables would stay light in dark mode).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../server/paths.js';
import { contrast, over, parseColour, stylesheetVariables } from '../helpers/colours.js';

const css = readFileSync(packagePath('web', 'src', 'styles.css'), 'utf8');

/** Text colours and the backgrounds each is drawn on (see the rules using them in styles.css). */
const PAIRS: Array<[string[], string[]]> = [
  [['--fg', '--muted', '--accent', '--good', '--bad', '--warn'], ['--bg', '--soft', '--field']],
  // Gate banners and the live box: their words in --fg, --muted, --accent, --good, --bad and --warn.
  [['--fg', '--muted', '--accent', '--good', '--bad', '--warn'], ['--good-soft', '--bad-soft', '--warn-soft', '--accent-soft']],
  // Keyword marks in answers keep the text colour.
  [['--fg'], ['--mark-hit', '--mark-forbidden']],
  [['--on-accent'], ['--accent']],
  [['--chart-tooltip-text'], ['--chart-tooltip']],
];

describe('the stylesheet\'s colours', () => {
  it.each(['light', 'dark'] as const)('%s: every text colour is at least 4.5:1 on its backgrounds', (scheme) => {
    const v = stylesheetVariables(scheme, css);
    const low: string[] = [];
    for (const [texts, backgrounds] of PAIRS) {
      for (const t of texts) {
        for (const b of backgrounds) {
          // A translucent background (the tooltip) is judged over the page.
          const ratio = contrast(v(t), over(parseColour(v(b)), parseColour(v('--bg'))));
          if (ratio < 4.5) low.push(`${t} ${v(t)} on ${b} ${v(b)}: ${ratio.toFixed(2)}`);
        }
      }
    }
    expect(low).toEqual([]);
  });

  it('dark redefines every colour a page or chart shows on its background, with a dark background and light text', () => {
    const light = stylesheetVariables('light', css);
    const dark = stylesheetVariables('dark', css);
    const names = [...css.matchAll(/(--[\w-]+)\s*:/g)].map((m) => m[1]!);
    // Colours that read on both backgrounds may stay: the Okabe–Ito hues other than black.
    const kept = new Set(['--palette-1', '--palette-2', '--palette-3', '--palette-4', '--palette-5', '--palette-6', '--palette-8', '--chart-text']);
    const same = [...new Set(names)].filter((n) => !kept.has(n) && light(n) !== '' && light(n) === dark(n));
    expect(same).toEqual([]);
    expect(contrast(dark('--bg'), '#000000')).toBeLessThan(1.5);
    expect(contrast(dark('--fg'), '#ffffff')).toBeLessThan(1.5);
  });

  it('no rule writes a colour: colours are custom properties, defined in the :root blocks only', () => {
    const outsideRoots = css.replace(/:root\s*\{[^}]*\}/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
    expect(outsideRoots.match(/#[0-9a-f]{3,8}\b|rgba?\(|hsla?\(|(?<![\w-])(white|black)(?![\w-])/gi) ?? []).toEqual([]);
  });
});
