import { redactKnownSecrets } from '../http/redact.js';
import { requestPrompt, type GenerateRequest } from '../runs/prompt.js';
import type { Store } from '../store/open.js';
import { retryLocked } from '../store/write-lock.js';
import type { ResultRecord, Run } from '../store/types.js';
import { capText } from './answer-cap.js';
import type { ItemEvent, Progress } from './run-progress.js';
import type { Task } from './work-left.js';

/** What one item × sample ended with, as stored. */
export type Outcome = Pick<ResultRecord, 'answer' | 'reasoning' | 'scores' | 'score' | 'hallucinated' | 'passed' | 'error' | 'latencyMs' | 'promptTokens' | 'completionTokens' | 'finishReason'>;

/** An errored outcome: nothing but the error. */
export function errorOutcome(error: string): Outcome {
  return {
    answer: null, reasoning: null, scores: null, score: null, hallucinated: null, passed: null, error,
    latencyMs: null, promptTokens: null, completionTokens: null, finishReason: null,
  };
}

export interface RecorderOptions {
  store: Store;
  runId: number;
  endpoint: Run['provenance']['endpoint'];
  /** Results stored before this execution, for the first progress report. */
  counts: { results: number; errors: number };
  total: number;
  /** Values no stored text may hold (the endpoint's key, which it may echo). */
  secrets: readonly (string | undefined)[];
  maxAnswerChars: number;
  onProgress?: (p: Progress) => void;
  onItem?: (e: ItemEvent) => void;
}

/** Stores an execution's results and reports its progress. */
export interface ResultRecorder {
  readonly progress: Progress;
  /** Whether some stored text was cut at maxAnswerChars. */
  readonly capped: boolean;
  /** What is stored of an endpoint's text: no key, at most maxAnswerChars (see answer-cap.ts). */
  keep(text: string): { stored: string; scored: string };
  /** Stores one finished item × sample (answered or errored) with the exact prompt sent, and reports it. */
  record(task: Task, req: GenerateRequest, attempts: number, o: Outcome): Promise<void>;
  /** Reports the progress as it stands. */
  report(): void;
}

/** A recorder for one execution; it reports the progress once at the start. */
export function createRecorder(o: RecorderOptions): ResultRecorder {
  const started = performance.now();
  const progress: Progress = { done: o.counts.results, total: o.total, errors: o.counts.errors, requests: 0, elapsedMs: 0 };
  let capped = false;
  const report = () => {
    progress.elapsedMs = performance.now() - started;
    o.onProgress?.({ ...progress });
  };
  report();
  return {
    progress,
    get capped() {
      return capped;
    },
    keep(text) {
      const c = capText(redactKnownSecrets(text, o.secrets), o.maxAnswerChars);
      capped ||= c.cut;
      return c;
    },
    async record({ item, sample }, req, attempts, outcome) {
      await retryLocked(() => o.store.results.insert({ runId: o.runId, set: item.set, itemId: item.id, sample, prompt: requestPrompt(o.endpoint, req), attempts, ...outcome }));
      progress.done++;
      if (outcome.error !== null) progress.errors++;
      o.onItem?.({ set: item.set, itemId: item.id, sample, error: outcome.error, score: outcome.score });
      report();
    },
    report,
  };
}
