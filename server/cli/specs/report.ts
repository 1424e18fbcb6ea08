import type { Spec } from '../args.js';
import { DB_OPTION, specOf, type CommandDoc } from './command-doc.js';
import { GATE_OPTIONS } from './gate.js';

// The gate's test options, without those that choose the reference (--base names it) or write other reports.
const NOT_HERE = new Set(['baseline', 'require-baseline', 'junit', 'markdown', 'html']);
const TEST_OPTIONS: Spec = Object.fromEntries(Object.entries(GATE_OPTIONS).filter(([name]) => !NOT_HERE.has(name)));

export const REPORT_DOC: CommandDoc = {
  name: 'report',
  synopsis: 'report --base RUN_ID --head RUN_ID --html FILE',
  summary: 'write the compare view of two runs as one HTML file a reviewer opens from disk',
  usage: ['report --base RUN_ID --head RUN_ID --html FILE [gate options]'],
  about: `Writes one self-contained HTML file with the dashboard's compare view of two runs: the gate's
verdict on them and its sensitivity, the metrics chart with intervals and its table, how each
set's keyword items moved, the items that changed outcome with both answers and their keyword
marks, blog posts, and both runs' provenance. Styles, script, Chart.js and data are inside the
file, and its Content-Security-Policy forbids every request: it opens from disk or from a CI
artifact with no network. Model output is shown as text, as on the page. The gate's options
(tolerance, alpha, metrics, …) change the verdict shown, as in \`tunegate gate\`; \`gate --html\` and
\`run --gate --html\` write the same file for the pair they gate.`,
  options: [{
    options: {
      base: { type: 'string', value: 'RUN_ID', help: 'the run before (required)' },
      head: { type: 'string', value: 'RUN_ID', help: 'the run after (required)' },
      html: { type: 'string', value: 'FILE', help: 'where to write the report (required)' },
      ...TEST_OPTIONS,
      ...DB_OPTION,
    },
  }],
  exit: `Exit codes: 0 the report written (whatever the verdict: \`gate\` is the command that fails a
build); 2 bad usage or unknown run.`,
};

export const REPORT_SPEC = specOf(REPORT_DOC);
