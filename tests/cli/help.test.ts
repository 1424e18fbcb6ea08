import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliMarkdown } from '../../server/cli/help-markdown.js';
import { HELP } from '../../server/cli/help.js';
import { specOf } from '../../server/cli/specs/command-doc.js';
import { COMMAND_DOCS } from '../../server/cli/specs/index.js';
import { packagePath } from '../../server/paths.js';
import { cli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** The options a help text lists in the rows of its option sections ("  --name VALUE   what it does"). */
function listedOptions(help: string): string[] {
  const sections = help.split('\n\n').filter((block) => /^(Options|More options|.*options.*|One-shot.*):\n/.test(block));
  return sections.flatMap((block) => [...block.matchAll(/^ {2}(?:-\w, )?--([a-z][a-z0-9-]*)/gm)].map((m) => m[1]!));
}

describe('--help is generated from the option specs', () => {
  it.each(COMMAND_DOCS.map((d) => [d.name, d] as const))('tunegate %s --help lists exactly the options the command parses', (name, doc) => {
    const help = HELP[name]!;
    expect(help).toContain(`tunegate ${name}`);
    expect(listedOptions(help).sort()).toEqual(Object.keys(specOf(doc)).sort());
    for (const [opt, o] of Object.entries(specOf(doc))) expect(o.help.trim(), `--${opt} of ${name} has no help`).not.toBe('');
  });

  it('every option a command help lists is accepted by the command itself (no help names an option it does not take)', async () => {
    const cwd = tempDir();
    for (const doc of COMMAND_DOCS) {
      for (const [opt, o] of Object.entries(specOf(doc))) {
        // Parsing stops at the first unknown option: if it is the sentinel, --opt was accepted.
        const argv = [...doc.name.split(' '), `--${opt}`, ...(o.type === 'string' ? ['x'] : []), '--zz-not-an-option'];
        const r = await cli(argv, { cwd });
        expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr, `tunegate ${doc.name} does not accept --${opt}, which its help lists`).toContain('unknown option --zz-not-an-option');
      }
    }
  });

  it('every command parses with the spec its help is generated from', () => {
    const dir = packagePath('server', 'cli', 'commands');
    const files = ['advise', 'categorize', 'checkpoint', 'checkpoint-edit', 'demo', 'evalset-generate', 'evalset', 'gate', 'judge', 'plan', 'report', 'resume', 'run', 'runs', 'serve', 'show'];
    let calls = 0;
    for (const f of files) {
      const src = readFileSync(join(dir, `${f}.ts`), 'utf8');
      for (const m of src.matchAll(/parseArgs\(argv, ([^,]+),/g)) {
        calls++;
        const id = m[1]!.trim();
        expect(id, `${f}.ts parses with an inline spec; declare it in server/cli/specs/`).toMatch(/^[A-Za-z_]+$/);
        const imported = new RegExp(`import \\{[^}]*\\b(${id}|\\w+ as ${id})\\b[^}]*\\} from '\\.\\./specs/`);
        expect(src, `${f}.ts: ${id} is not imported from ../specs/`).toMatch(imported);
      }
    }
    expect(calls).toBe(COMMAND_DOCS.length);
  });

  it('every --option named anywhere in the help is an option of some command', () => {
    const known = new Set(['help', 'version', ...COMMAND_DOCS.flatMap((d) => Object.keys(specOf(d)))]);
    const named = new Set(Object.values(HELP).flatMap((h) => [...h.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!)));
    expect([...named].filter((n) => !known.has(n))).toEqual([]);
  });

  it('tunegate --help lists every command, the environment and the exit codes', () => {
    for (const d of COMMAND_DOCS) expect(HELP.main).toContain(`  ${d.synopsis}`);
    expect(HELP.main).toContain('Environment:\n  TUNEGATE_DB');
    expect(HELP.main).toContain('130  interrupted (Ctrl-C) or cancelled');
  });

  it('help loads neither the SQLite driver nor the HTTP client: no package but the schemas\' TypeBox (imports followed from the source)', () => {
    const seen = new Set<string>();
    const external = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else external.add(spec);
      }
    };
    walk(packagePath('server', 'cli', 'help.ts'));
    // The option schemas are TypeBox (one definition for the CLI, the API and the help); nothing else.
    expect([...external].filter((e) => !e.startsWith('node:') && e !== 'typebox')).toEqual([]);
    expect([...seen].filter((f) => /store[/\\]open|runner[/\\](create-run|execute-run|openai-client)/.test(f))).toEqual([]);
  });
});

describe('docs/cli.md', () => {
  it('is what npm run docs generates from the specs', () => {
    const committed = readFileSync(packagePath('docs', 'cli.md'), 'utf8');
    expect(committed === cliMarkdown(), 'docs/cli.md is stale: run `npm run build && npm run docs` and commit it').toBe(true);
  });

  it('has every command with its usage and options', () => {
    const md = cliMarkdown();
    for (const d of COMMAND_DOCS) {
      expect(md).toContain(`## tunegate ${d.name}\n`);
      for (const opt of Object.keys(specOf(d))) expect(md).toContain(`\`--${opt}`);
    }
  });
});
