import { JUDGE_OPTIONS } from './checkpoint.js';
import { DB_OPTION, specOf, type CommandDoc } from './command-doc.js';

export const JUDGE_DOC: CommandDoc = {
  name: 'judge',
  synopsis: 'judge RUN_ID',
  summary: "LLM judge of a run's blog posts and refusal answers (optionally pairwise)",
  usage: ['judge RUN_ID [--judge SPEC] [--pairwise BASELINE_RUN] [options]'],
  about: `Scores a stored run's blog posts with an LLM judge and a versioned rubric (on-topic, coherence and
fluency, structure, no repetition, the author's voice; each 1–5), reported as blog_judge in 0–1.
Answers to refusal sets (refusal, refusal-*, refusal_*, refusal.*) are judged too, with the rubric
refusal-v1: does the answer correct the false premise, assert a false fact, state a true one? It
passes when it corrects, asserts nothing false and states something true. Keyword matching cannot
tell "he was not born in 1992" from "he was born in 1992"; the judge reads the answer. Its verdict
is stored beside the keyword verdict, and the run reports how often the two agree (counts and
Cohen's kappa, in a note and in "refusalJudge" of --json) and the judge's pass rate. One judge
call per refusal answer.
With --pairwise, also asks which of two posts for the same title is better, this run's or the
baseline's, in both orders to cancel position bias, and reports a win rate with a 95% interval.
Verdicts are cached by judge, rubric version and exact inputs: judging again never pays twice.
A judge failure is stored as that answer's judge error; it never fails the run.

Judges (SPEC):
  anthropic:MODEL           key from ANTHROPIC_API_KEY; ANTHROPIC_BASE_URL overrides the URL
  openai:MODEL@BASE_URL     any OpenAI-compatible server; --judge-key-env VAR names its key`,
  options: [{
    options: {
      judge: { ...JUDGE_OPTIONS.judge, help: 'the judge (see Judges above)', default: "the judge the run was made with, else its checkpoint's" },
      'judge-key-env': { ...JUDGE_OPTIONS['judge-key-env'], help: 'key variable for an openai: judge' },
      pairwise: { type: 'string', value: 'RUN', help: 'compare with this baseline run (blog items with the same content)' },
      concurrency: { type: 'string', value: 'N', help: 'judge requests in flight', default: 4 },
      json: { type: 'boolean', help: 'print the run as JSON with "judge", "refusalJudge" and "pairwise"' },
      ...DB_OPTION,
    },
  }],
};

export const JUDGE_SPEC = specOf(JUDGE_DOC);
