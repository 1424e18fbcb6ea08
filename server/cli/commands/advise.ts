import { TunegateError } from '../../errors.js';
import { advise } from '../../gate/advise.js';
import { AdviseOptionsSchema } from '../../gate/options.js';
import { parseTag } from '../../tag.js';
import { expectPositionals, flag, parseArgs, str } from '../args.js';
import { withStore } from '../context.js';
import { ADVISE_SPEC } from '../specs/runs.js';
import { table } from '../format.js';
import { println, type Io } from '../io.js';
import { readOptions } from '../schema-options.js';

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(3));

/** `tunegate advise --tag run=NAME`: the step to stop at (gate/advise.ts), with the numbers and the test. */
export async function adviseCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, ADVISE_SPEC, 'advise');
  expectPositionals(p, 0, 'advise');
  const raw = str(p.values, 'tag');
  if (raw === undefined) throw new TunegateError('USAGE', 'advise needs --tag KEY=VALUE naming the checkpoints of one training run, e.g. --tag run=bio-v2');
  const tag = parseTag(raw, '--tag', 'USAGE');
  const { alpha } = readOptions(AdviseOptionsSchema, p.values);
  return withStore(p.values, io, (store) => {
    const a = advise(store, tag, alpha !== undefined ? { alpha } : {});
    if (flag(p.values, 'json')) {
      println(io.stdout, JSON.stringify(a));
      return 0;
    }
    const known = (r: (typeof a.rows)[number], metric: string) => {
      const m = r.known.find((k) => k.metric === metric);
      return m === undefined || m.verdict === 'skipped' ? '–' : `${fmt(m.base)} → ${fmt(m.head)} (p=${m.p === null ? '–' : m.p.toPrecision(2)}${m.verdict === 'regression' ? ', fell' : ''})`;
    };
    println(io.stdout, `Checkpoints tagged ${tag.key}=${tag.value}, against base ${a.base.checkpoint} (run ${a.base.runId}):`);
    println(io.stdout, table(['step', 'checkpoint', 'run', a.heldoutMetric, 'HighlyKnown acc', 'MaybeKnown acc', ''], a.rows.map((r) => [
      r.step === null ? '-' : String(r.step), r.checkpoint, String(r.runId),
      `${fmt(r.heldout.value)}${r.heldout.ci !== null ? ` [${fmt(r.heldout.ci[0])}, ${fmt(r.heldout.ci[1])}]` : ''} n=${r.heldout.n}`,
      known(r, 'acc_highly_known'), known(r, 'acc_maybe_known'),
      a.pick?.runId === r.runId ? '← advised' : r.status === 'base' ? 'base' : r.status === 'ok' ? '' : r.status,
    ])));
    for (const r of a.rows) if (r.excluded !== null) println(io.stdout, `excluded ${r.checkpoint}: ${r.excluded}`);
    println(io.stdout, a.pick === null ? `advice: none. ${a.reason}` : `advice: stop at step ${a.pick.step ?? '-'} (${a.pick.checkpoint}, run ${a.pick.runId}): ${a.reason}`);
    if (a.heldoutMetric === 'bio_accuracy') println(io.stdout, 'note: no item is tagged in_train, so held-out accuracy is bio_accuracy over every bio item');
    return 0;
  });
}
