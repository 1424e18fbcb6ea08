import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { DEFAULT_PARAMS, RUN_OPTION_BOUNDS, type Bound } from '../../runs/run-options.js';
import { ENDPOINT_OPTIONS, JUDGE_OPTIONS } from './checkpoint.js';
import { DB_OPTION, LEASE_OPTION, specOf, type CommandDoc } from './command-doc.js';
import { GATE_OPTIONS } from './gate.js';

/** "1 to 1024": a run option's range as help prints it. */
export function range(b: Bound): string {
  return `${b.min} to ${b.max}`;
}

export const RUN_DOC: CommandDoc = {
  name: 'run',
  synopsis: 'run CHECKPOINT',
  summary: 'run eval sets against a checkpoint, store and print scores',
  usage: ['run CHECKPOINT [options]', 'run --base-url URL --model MODEL --checkpoint NAME [--step N] [options]'],
  about: `Runs eval sets against a checkpoint. Every finished item is stored at once, so an interrupted
run loses nothing and \`tunegate resume\` finishes it. The second form registers the
checkpoint on the fly (or reuses it when it is registered with the same endpoint).

Before the run is created, tunegate asks the endpoint GET /v1/models: a server that lists models
without --model stops the run with exit 2 naming the models it serves, before any completion
(SGLang and TGI answer a mistyped name with another model, silently). A server without a model
list gets a warning. It also reads who serves (vLLM, SGLang, llama.cpp, Ollama, TGI, LM Studio),
its version and context length into the run's provenance. An endpoint that accepts no connection
is exit 2. A server that dies mid-run (20 refused connections in a row on every replica and no
answer for 10 s; timeouts do not count) stops the run \`interrupted\`; \`tunegate resume\`
continues it.`,
  options: [
    {
      options: {
        evalsets: {
          type: 'string',
          variadic: true,
          value: 'PATH',
          help: `eval-set files, folders or names in ./${DEFAULT_EVALSETS_DIR} (bio → ${DEFAULT_EVALSETS_DIR}/bio.jsonl); several may follow one flag`,
          default: `every ${DEFAULT_EVALSETS_DIR}/*.jsonl`,
        },
        concurrency: { type: 'string', value: 'N', help: `requests in flight, per replica, ${range(RUN_OPTION_BOUNDS.concurrency)}`, default: DEFAULT_PARAMS.concurrency },
        samples: { type: 'string', value: 'N', help: `answers per item, ${range(RUN_OPTION_BOUNDS.samples)}; an item's score is the mean over samples`, default: DEFAULT_PARAMS.samples },
        temperature: { type: 'string', value: 'T', help: `sampling temperature, ${range(RUN_OPTION_BOUNDS.temperature)}`, default: DEFAULT_PARAMS.temperature },
        'max-tokens': {
          type: 'string',
          value: 'N',
          help: 'max tokens per answer, sent as max_tokens (max_completion_tokens where the server asks for it). For a reasoning model it covers reasoning and answer. Answers cut off at it (finish_reason "length"), and reasoning with an empty answer, are counted (counts.truncated, per set) and noted when over 5% of a set: they score low without the model being worse',
          default: `${DEFAULT_PARAMS.maxTokens.keyword} for keyword items, ${DEFAULT_PARAMS.maxTokens.blog} for blog items`,
        },
        'no-model-check': { type: 'boolean', help: 'do not check --model against GET /v1/models (a gateway that lists other names than it accepts)' },
        seed: { type: 'string', value: 'N', help: 'seed sent with every request (sample k gets N+k)' },
        timeout: { type: 'string', value: 'SECONDS', help: `per-request timeout, ${range(RUN_OPTION_BOUNDS.timeout)}`, default: DEFAULT_PARAMS.timeoutMs / 1000 },
        retries: {
          type: 'string',
          value: 'N',
          help: 'retries per request on 429, 5xx, timeouts, dropped connections and unparsable bodies, honouring Retry-After. Other 4xx (context overflow, unknown model, validation) are not retried; each cause is reported once in the run\'s notes with its count',
          default: DEFAULT_PARAMS.retries,
        },
        json: { type: 'boolean', help: 'print one JSON object: {runId, checkpoint, status, metrics, sets, counts}' },
        perplexity: {
          type: 'boolean',
          help: 'also measure the perplexity of each blog reference given its title (blog_perplexity) via /completions with echo + logprobs (vLLM, SGLang); skipped with a one-line note naming the server where it cannot',
        },
        'no-likelihood': {
          type: 'boolean',
          help: 'do not measure knowledge_margin, knowledge_rank and answer_logprob after the run (by default measured for items with "answer"/"wrong_answers": one request per candidate; vLLM, SGLang with --api completions; skipped with a one-line note naming the server where it cannot)',
        },
        judge: {
          ...JUDGE_OPTIONS.judge,
          help: 'after the run, score blog posts with an LLM judge (blog_judge) and judge refusal answers pass/fail (refusal-v1), reported with how often the judge agrees with the keywords. anthropic:MODEL or openai:MODEL@BASE_URL',
          default: "the checkpoint's judge",
        },
        'judge-key-env': JUDGE_OPTIONS['judge-key-env'],
        'judge-pairwise': { type: 'string', value: 'RUN', help: "also compare blog posts with run RUN's, both orders: win rate + 95% interval" },
        'judge-concurrency': { type: 'string', value: 'N', help: 'judge requests in flight', default: 4 },
        server: {
          type: 'string',
          value: 'URL',
          help: 'run on a tunegate server instead of the local database: registers the checkpoint there (one-shot form), queues the run, follows its events and exits as a local run would; --evalsets are names the server offers; Ctrl-C cancels the run on the server. TUNEGATE_TOKEN is sent when set. A dropped stream is reopened where it stopped (Last-Event-ID); exit 0 only for a completed run, 5 when the run was lost to this client. With --gate, the server gates the run (GET /api/gate) and the reports are written here',
        },
        ...LEASE_OPTION,
        gate: {
          type: 'boolean',
          help: 'after the run, gate it (see tunegate gate --help); exit 1 on regression. Takes the gate\'s options (below). Default reference as in gate --help; with none yet (a first build) the verdict is no-baseline, exit 0, unless --require-baseline (exit 2). With --json, prints one object: {"run": …, "gate": …}. With --server, gates on the server (its database holds the reference) with the same options, reports and exit codes',
        },
        ...DB_OPTION,
      },
    },
    {
      title: 'One-shot registration (the second form), as in `tunegate checkpoint add`',
      options: {
        checkpoint: { type: 'string', value: 'NAME', help: 'the name to register the endpoint under (reused when it is registered with the same endpoint)' },
        ...ENDPOINT_OPTIONS,
      },
    },
    { title: 'Gate options (with --gate; see tunegate gate --help)', options: GATE_OPTIONS },
  ],
  notes: `Metrics: bio_accuracy, refusal_accuracy and known_accuracy are the mean keyword-hit score of
keyword items in the sets bio, refusal and known and those starting with one of them and a
separator (bio-extra, bio_v2; not biology); in refusal sets an answer containing a forbidden
string scores 0. hallucination_rate is the share of keyword items that have a forbidden list
whose answer contains a forbidden string (items without a list are not counted); blog_quality is
the mean over blog items of (chrF/100 + ROUGE-L)/2 with penalties for repetition, length and wrong
language; each component is reported too (blog_chrf, blog_rouge_l, blog_repetition,
blog_distinct_2, blog_length_ratio, blog_language_match), and blog_judge when judged. Errored
items are counted, not scored.

Provenance: each run records the tool version and git revision, the endpoint (every replica),
parameters, eval-set hashes and scorer versions, who served it (server, version, context length,
the model check's outcome), and the model and system_fingerprint the endpoint reported.`,
  exit: 'common',
};

export const RUN_SPEC = specOf(RUN_DOC);
