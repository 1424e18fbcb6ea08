/*
 * `report --html`, `gate --html` and `run --gate --html` write the HTML report: the pair's data
 * in the file, read back here and checked against the store. (The file in a browser:
 * tests/web/html-report.test.ts.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { cli } from '../helpers/cli.js';
import { hostileProject } from '../helpers/hostile.js';

const reportJson = (file: string) => JSON.parse(/<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(readFileSync(file, 'utf8'))![1]!);

describe('the HTML report from the CLI', () => {
  it('report needs --base, --head and --html; an unknown run is exit 2 and writes nothing', async () => {
    const p = await hostileProject(2);
    const missing = await cli(['report', '--base', '1', '--head', '2', '--db', p.db], { cwd: p.cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('report needs --html');
    const unknown = await cli(['report', '--base', '1', '--head', '99', '--html', 'x.html', '--db', p.db], { cwd: p.cwd });
    expect(unknown.code).toBe(2);
    expect(existsSync(join(p.cwd, 'x.html'))).toBe(false);

    // A pair the gate refuses (measured differently) still gets its report, saying why there is no verdict.
    const hot = await cli(['run', 'base', '--temperature', '0.5', '--db', p.db], { cwd: p.cwd });
    expect(hot.code, hot.stderr).toBe(0);
    const refused = await cli(['report', '--base', '3', '--head', '2', '--html', 'refused.html', '--db', p.db], { cwd: p.cwd });
    expect(refused.code, refused.stderr).toBe(0);
    const data = reportJson(join(p.cwd, 'refused.html'));
    expect(data.gate.error).toMatch(/measured differently \(temperature\).*--allow-mismatch/);
    const store = openStore(p.db);
    const stored = new Map(store.results.list(2).map((r) => [`${r.set}/${r.itemId}`, r.answer]));
    store.close();
    expect(data.comparison.flips.map((f: any) => [`${f.set}/${f.id}`, f.head.answer])).toEqual([...stored].filter(([k]) => k.startsWith('bio/')));
    expect(data.comparison.blog.map((b: any) => [`${b.set}/${b.id}`, b.head.answer])).toEqual([...stored].filter(([k]) => k.startsWith('blog/')));
    expect(data.runs.head.provenance.endpoint.model).toContain('model ');

    // A first build (no reference yet): exit 0, and the report shows the head alone under the no-baseline verdict.
    const first = await cli(['gate', '--checkpoint', 'base', '--html', 'first.html', '--db', p.db], { cwd: p.cwd });
    expect(first.code, first.stderr).toBe(0);
    const alone = reportJson(join(p.cwd, 'first.html'));
    expect([alone.gate.verdict, alone.comparison.base.runId, alone.comparison.head.runId, alone.comparison.flips]).toEqual(['no-baseline', 3, 3, []]);
  });

  it('run --gate --html writes the report of the run it gated, and exits with the gate', async () => {
    const p = await hostileProject();
    const r = await cli(['run', 'head', '--gate', '--baseline', 'base', '--allow-mismatch', '--html', 'run.html', '--db', p.db], { cwd: p.cwd });
    expect(r.code, r.stderr).toBe(1);
    const data = reportJson(join(p.cwd, 'run.html'));
    expect([data.comparison.base.runId, data.comparison.head.runId, data.gate.verdict]).toEqual([1, 3, 'regression']);
    expect(data.comparison.flips).toHaveLength(12);
  });
});
