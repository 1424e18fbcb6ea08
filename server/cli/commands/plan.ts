import { TunegateError } from '../../errors.js';
import { checkPlanOption, MAX_PLAN_ITEMS, plan } from '../../gate/plan.js';
import { planText } from '../../gate/plan-text.js';
import { expectPositionals, flag, parseArgs, str, type Values } from '../args.js';
import { withStore } from '../context.js';
import { PLAN_SPEC } from '../specs/plan.js';
import { println, type Io } from '../io.js';
import { inFlags } from '../schema-options.js';
import { parseRunId } from './resume.js';

/** A plan option given as text: a number, in its bounds, named by its flag. */
function option(v: Values, name: 'detect' | 'power'): number | undefined {
  const raw = str(v, name);
  if (raw === undefined) return undefined;
  if (raw.trim() === '' || !Number.isFinite(Number(raw))) throw new TunegateError('USAGE', `--${name} must be a number, got "${raw}"`);
  return inFlags(() => checkPlanOption(name, Number(raw)));
}

/** `tunegate plan --run ID`: what the gate can see of this run's sets and what it would take (gate/plan.ts). */
export async function planCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, PLAN_SPEC, 'plan');
  expectPositionals(p, 0, 'plan');
  const raw = str(p.values, 'run');
  if (raw === undefined) throw new TunegateError('USAGE', 'plan needs --run ID (see tunegate runs)');
  const runId = parseRunId(raw, '--run');
  const detect = option(p.values, 'detect');
  const power = option(p.values, 'power');
  return withStore(p.values, io, (store) => {
    const result = inFlags(() => plan(store, store.runs.get(runId), { ...(detect !== undefined ? { detect } : {}), ...(power !== undefined ? { power } : {}) }));
    println(io.stdout, flag(p.values, 'json') ? JSON.stringify(result) : planText(result, MAX_PLAN_ITEMS));
    return 0;
  });
}
