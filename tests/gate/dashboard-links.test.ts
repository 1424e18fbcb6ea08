import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { cli } from '../helpers/cli.js';
import { endpoint } from '../helpers/endpoint.js';
import { keywordItems } from '../helpers/run.js';
import { syntheticRun } from '../helpers/synthetic.js';
import { jsonl, tempDir, writeFiles } from '../helpers/tmp.js';

const DASH = 'https://dash.example/tunegate';

/** A database with a passing baseline run (1) and a head run (2) that fails every item. */
function regressed(): { dir: string; db: string } {
  const dir = tempDir();
  const db = join(dir, 'gate.db');
  const store = openStore(db);
  syntheticRun(store, { checkpoint: 'base', step: 0, outcomes: Array(12).fill(true) });
  syntheticRun(store, { checkpoint: 'head', step: 1, outcomes: Array(12).fill(false) });
  store.close();
  return { dir, db };
}

describe('--dashboard-url links the gate reports to the dashboard', () => {
  it('gate: the compare view and both runs in the stdout report, the Markdown and the JUnit failure messages', async () => {
    const { dir, db } = regressed();
    const r = await cli(['gate', '--db', db, '--run', '2', '--baseline', '1', '--metrics', 'bio_accuracy', '--junit', 'g.xml', '--markdown', 'g.md', '--dashboard-url', `${DASH}/`], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const compare = `${DASH}/compare?base=1&head=2`;
    expect(r.stdout).toContain(`dashboard: ${compare}`);
    expect(r.stdout).toContain(`${DASH}/runs/2`);
    expect(r.stdout).toContain(`${DASH}/runs/1`);
    const md = readFileSync(join(dir, 'g.md'), 'utf8');
    expect(md).toContain(`[compare in the dashboard](<${compare}>)`);
    expect(md).toContain(`[head run 2](<${DASH}/runs/2>)`);
    expect(md).toContain(`[baseline run 1](<${DASH}/runs/1>)`);
    // Rendered as GitHub renders it, each is a link.
    const html = micromark(md, { extensions: [gfm()], htmlExtensions: [gfmHtml()] });
    expect(html).toContain(`<a href="${compare.replace('&', '&amp;')}">compare in the dashboard</a>`);
    expect(html).toContain(`<a href="${DASH}/runs/2">head run 2</a>`);
    const xml = readFileSync(join(dir, 'g.xml'), 'utf8');
    expect(xml).toMatch(new RegExp(`<failure type="regression" message="bio_accuracy: [^"]*dashboard: ${compare.replace(/[?.]/g, '\\$&').replace('&', '&amp;')}"`));
    expect(xml).toContain(`<property name="dashboard.head" value="${DASH}/runs/2"/>`);
  });

  it('TUNEGATE_DASHBOARD_URL when no flag is given; none: no links', async () => {
    const { dir, db } = regressed();
    const env = await cli(['gate', '--db', db, '--run', '2', '--baseline', '1', '--metrics', 'bio_accuracy'], { cwd: dir, env: { TUNEGATE_DASHBOARD_URL: 'http://127.0.0.1:3000' } });
    expect(env.stdout).toContain('dashboard: http://127.0.0.1:3000/compare?base=1&head=2');
    const flagWins = await cli(['gate', '--db', db, '--run', '2', '--baseline', '1', '--metrics', 'bio_accuracy', '--dashboard-url', DASH], { cwd: dir, env: { TUNEGATE_DASHBOARD_URL: 'http://127.0.0.1:3000' } });
    expect(flagWins.stdout).toContain(`dashboard: ${DASH}/compare?base=1&head=2`);
    const none = await cli(['gate', '--db', db, '--run', '2', '--baseline', '1', '--metrics', 'bio_accuracy', '--markdown', 'n.md'], { cwd: dir });
    expect(none.stdout).not.toContain('dashboard');
    expect(readFileSync(join(dir, 'n.md'), 'utf8')).not.toContain('dashboard');
  });

  it('a URL that is not http(s), carries credentials or a query is refused, naming the flag or the variable', async () => {
    const { dir, db } = regressed();
    const gate = (url: string, env = {}) => cli(['gate', '--db', db, '--run', '2', '--baseline', '1', ...(url === '' ? [] : ['--dashboard-url', url])], { cwd: dir, env });
    const ftp = await gate('ftp://dash.example/');
    expect(ftp.code).toBe(2);
    expect(ftp.stderr).toContain('--dashboard-url must be an http:// or https:// URL');
    const secret = await gate('https://me:s3cret@dash.example/');
    expect(secret.code).toBe(2);
    expect(secret.stderr).toContain('--dashboard-url: the URL carries a user name or password');
    expect(secret.stderr).not.toContain('s3cret');
    const query = await gate('https://dash.example/?x=1');
    expect(query.code).toBe(2);
    expect(query.stderr).toContain('--dashboard-url');
    const fromEnv = await gate('', { TUNEGATE_DASHBOARD_URL: 'not a url' });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('TUNEGATE_DASHBOARD_URL must be an http:// or https:// URL');
  });

  it('run --gate: a first build links its run; --dashboard-url without --gate is refused', async () => {
    const model = await endpoint((req) => ({ content: req.userText }));
    const dir = tempDir();
    writeFiles(dir, { 'evalsets/bio.jsonl': jsonl(...keywordItems(4)) });
    const args = ['run', '--base-url', model.url, '--model', 'm', '--checkpoint', 'c', '--no-likelihood', '--db', 'db.sqlite'];
    const r = await cli([...args, '--gate', '--dashboard-url', DASH, '--junit', 'r.xml', '--markdown', 'r.md'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`dashboard: head run ${DASH}/runs/1`);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toContain(`[head run 1](<${DASH}/runs/1>)`);
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toMatch(new RegExp(`<skipped message="no baseline: [^"]*dashboard: ${DASH}/runs/1"`));
    const alone = await cli([...args, '--dashboard-url', DASH], { cwd: dir });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--dashboard-url is a gate option: add --gate');
  });
});
