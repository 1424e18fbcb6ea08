import { currentSummary } from '../../runs/summary.js';
import { expectPositionals, flag, int, parseArgs, str } from '../args.js';
import { withStore } from '../context.js';
import { RUNS_SPEC } from '../specs/runs.js';
import { fmt, table } from '../format.js';
import { runJson } from '../../report/run-json.js';
import { println, type Io } from '../io.js';

export async function runsCommand(argv: readonly string[], io: Io): Promise<number> {
  const p = parseArgs(argv, RUNS_SPEC, 'runs');
  expectPositionals(p, 0, 'runs');
  const limit = int(p.values, 'limit', 1);
  return withStore(p.values, io, (store) => {
    const name = str(p.values, 'checkpoint');
    const checkpointId = name === undefined ? undefined : store.checkpoints.get(name).id;
    const runs = store.runs.list({
      ...(checkpointId !== undefined ? { checkpointId } : {}), ...(limit !== undefined ? { limit } : {}),
      // Categorizations are runs too (resumable by id), listed apart from evaluations.
      ...(flag(p.values, 'categorizations') ? { kind: 'categorize' as const } : {}),
    });
    if (flag(p.values, 'json')) {
      println(io.stdout, JSON.stringify(runs.map((r) => runJson(r, currentSummary(store, r)))));
      return 0;
    }
    if (runs.length === 0) {
      println(io.stdout, 'no runs yet; start one with `tunegate run CHECKPOINT`');
      return 0;
    }
    const rows = runs.map((r) => {
      const s = currentSummary(store, r);
      return [
        String(r.id), r.checkpoint, r.step === null ? '-' : String(r.step), r.status, r.createdAt.slice(0, 19).replace('T', ' '),
        fmt(s.metrics.bio_accuracy), fmt(s.metrics.hallucination_rate), fmt(s.metrics.known_accuracy), fmt(s.metrics.blog_quality),
        String(s.counts.items), String(s.counts.errors),
      ];
    });
    println(io.stdout, table(['run', 'checkpoint', 'step', 'status', 'created (UTC)', 'bio', 'halluc', 'known', 'blog', 'items', 'errors'], rows));
    return 0;
  });
}
