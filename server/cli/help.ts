/**
 * `--help` text, generated from the command docs and option specs in specs/ (the same ones the
 * commands parse with, and docs/cli.md is generated from). Imports nothing heavy, so
 * `tunegate --help` starts without loading the database driver or the HTTP client.
 */
import type { OptionSpec, Spec } from './args.js';
import { EXIT_CODES, ENVIRONMENT, type CommandDoc } from './specs/command-doc.js';
import { COMMAND_DOCS, COMMAND_GROUPS, GLOBAL_OPTIONS, TAGLINE } from './specs/index.js';

const WIDTH = 100;
/** Where option help starts: "  --base-url URL" padded to here. */
const COLUMN = 24;

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** "--evalsets PATH…", "-h, --help": an option as help names it. */
export function optionLabel(name: string, o: OptionSpec): string {
  const flag = o.short !== undefined ? `-${o.short}, --${name}` : `--${name}`;
  return o.type === 'boolean' ? flag : `${flag} ${o.value ?? 'VALUE'}${o.variadic ? '…' : ''}`;
}

/** An option's help with its default, as one paragraph. */
export function optionText(o: OptionSpec): string {
  if (o.default === undefined) return o.help;
  const d = String(o.default);
  // "(default 8)", "(default 0.02 each)", but "(default: every evalsets/*.jsonl)".
  return /^[A-Za-z$]/.test(d) && /\s/.test(d) ? `${o.help} (default: ${d})` : `${o.help} (default ${d})`;
}

/** Rows of a two-column list: the label, then its text wrapped beside it (under it when the label is too long). */
function rows(entries: readonly (readonly [string, string])[], column = COLUMN): string {
  return entries.map(([label, text]) => {
    const lines = wrap(text, WIDTH - column);
    const head = `  ${label}`;
    const indent = ' '.repeat(column);
    if (head.length >= column) return [head, ...lines.map((l) => indent + l)].join('\n');
    return [head.padEnd(column) + (lines[0] ?? ''), ...lines.slice(1).map((l) => indent + l)].join('\n');
  }).join('\n');
}

function optionRows(spec: Spec): string {
  return rows(Object.entries(spec).map(([name, o]) => [optionLabel(name, o), optionText(o)]));
}

/** The shared exit codes, as the help prints them. */
export function exitCodesText(): string {
  return `Exit codes:\n${EXIT_CODES.map(([code, text]) => {
    const [first, ...more] = wrap(text, WIDTH - 7);
    return [`  ${String(code).padEnd(5)}${first}`, ...more.map((l) => `       ${l}`)].join('\n');
  }).join('\n')}`;
}

/**
 * A usage line after `prefix` ("Usage: tunegate "); its continuation lines are aligned under the
 * first argument, after the command's name.
 */
export function usageLine(doc: CommandDoc, usage: string, prefix: string): string {
  const [first, ...more] = usage.split('\n').map((l) => l.trim());
  const indent = ' '.repeat(prefix.length + doc.name.length + 1);
  return [prefix + first, ...more.map((l) => indent + l)].join('\n');
}

/** The help of one command: usage, what it does, its options, notes, exit codes. */
export function commandHelp(doc: CommandDoc): string {
  const usage = doc.usage.length === 1
    ? usageLine(doc, doc.usage[0]!, 'Usage: tunegate ')
    : `Usage:\n${doc.usage.map((u) => usageLine(doc, u, '  tunegate ')).join('\n')}`;
  const parts = [usage];
  if (doc.about !== undefined) parts.push(doc.about);
  doc.options.forEach((g, i) => parts.push(`${g.title ?? (i === 0 ? 'Options' : 'More options')}:\n${optionRows(g.options)}`));
  if (doc.notes !== undefined) parts.push(doc.notes);
  if (doc.exit !== undefined) parts.push(doc.exit === 'common' ? exitCodesText() : doc.exit);
  return parts.join('\n\n');
}

/** The help of a command that groups others (`checkpoint`, `evalset`): their usage lines and summaries. */
export function groupHelp(group: string): string {
  const subs = COMMAND_DOCS.filter((d) => d.name.startsWith(`${group} `));
  return `Usage:\n${subs.flatMap((d) => d.usage.map((u) => usageLine(d, u, '  tunegate '))).join('\n')}

Commands:
${rows(subs.map((d) => [d.synopsis, d.summary]), 26)}

Run \`tunegate ${group} <command> --help\` for details.`;
}

/** `tunegate --help`: every command with its summary, the global options, environment and exit codes. */
export function mainHelp(): string {
  return `${TAGLINE}

Usage: tunegate <command> [options]

Commands:
${rows(COMMAND_DOCS.map((d) => [d.synopsis, d.summary]), 26)}

Global options:
${rows(GLOBAL_OPTIONS, 26)}

Environment:
${rows(ENVIRONMENT, 32)}

${exitCodesText()}`;
}

export const HELP: Record<string, string> = {
  main: mainHelp(),
  ...Object.fromEntries(COMMAND_GROUPS.map((g) => [g, groupHelp(g)])),
  ...Object.fromEntries(COMMAND_DOCS.map((d) => [d.name, commandHelp(d)])),
};

/** Help for a command path such as ["checkpoint", "add"]; falls back to the closest parent. */
export function helpFor(path: readonly string[]): string {
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).join(' ');
    if (HELP[key] !== undefined) return HELP[key]!;
  }
  return HELP.main!;
}
