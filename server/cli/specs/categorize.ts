import { SLICK_DEFAULTS, SLICK_FAST } from '../../categorize/slick.js';
import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { DEFAULT_PARAMS } from '../../runs/run-options.js';
import { DB_OPTION, LEASE_OPTION, specOf, type CommandDoc } from './command-doc.js';

const D = SLICK_DEFAULTS;
const REQUESTS = D.prompts * (1 + D.samples);
const FAST_REQUESTS = SLICK_FAST.prompts * (1 + SLICK_FAST.samples);

export const CATEGORIZE_DOC: CommandDoc = {
  name: 'categorize',
  synopsis: 'categorize --base CKPT',
  summary: 'categorize eval items as known/unknown to the base model (SliCK)',
  usage: [
    `categorize --base CHECKPOINT [--evalsets PATH…] [--prompts ${D.prompts}] [--shots ${D.shots}] [--samples ${D.samples}]
[--temperature ${D.temperature}] [--top-k ${D.topK}] [--concurrency N] [--fast] [--recategorize]`,
  ],
  about: `Categorizes every keyword item by how well the base checkpoint knows its fact, as in Gekhman et
al. 2024 (SliCK, arXiv 2405.05904). Each item is asked with --prompts different random k-shot
prompts (--shots exemplars drawn from other items of its eval set, answered with their keywords),
one greedy answer and --samples sampled answers (temperature, top-k) per prompt. An answer is
correct when it has every keyword and no forbidden string. P(T=0) is the share of correct greedy
answers, P(T>0) of correct sampled answers:

  HighlyKnown   P(T=0) = 1            MaybeKnown    0 < P(T=0) < 1
  WeaklyKnown   P(T=0) = 0, P(T>0) > 0   Unknown    P(T=0) = 0, P(T>0) = 0

The defaults are the paper's: ${D.prompts} × (1 + ${D.samples}) = ${REQUESTS} requests an item. --fast uses ${SLICK_FAST.prompts} prompts and
${SLICK_FAST.samples} samples (${FAST_REQUESTS} an item), and says so in the stored parameters. It is a run (kind "categorize"):
stored as it goes, resumable with \`tunegate resume RUN_ID\`; the categories are stored per
base checkpoint and item content when it completes. Items already categorized against this base
are refused unless --recategorize. top_k is sent as an extra body field (vLLM, SGLang and
llama.cpp read it); a server that refuses it is noted, one that ignores it cannot be told.`,
  options: [{
    options: {
      base: { type: 'string', value: 'CHECKPOINT', help: 'the registered base checkpoint (required)' },
      evalsets: { type: 'string', variadic: true, value: 'PATH', help: 'as for run; blog items are skipped', default: `every ${DEFAULT_EVALSETS_DIR}/*.jsonl` },
      prompts: { type: 'string', value: 'N', help: 'k-shot prompts per item', default: `${D.prompts}; --fast ${SLICK_FAST.prompts}` },
      shots: { type: 'string', value: 'N', help: 'exemplars per prompt', default: D.shots },
      samples: { type: 'string', value: 'N', help: 'sampled answers per prompt', default: `${D.samples}; --fast ${SLICK_FAST.samples}` },
      temperature: { type: 'string', value: 'T', help: 'temperature of the sampled answers', default: D.temperature },
      'top-k': { type: 'string', value: 'N', help: 'top-k of the sampled answers', default: D.topK },
      seed: { type: 'string', value: 'N', help: 'seeds the exemplar choice and the sampled answers', default: D.seed },
      'max-tokens': {
        type: 'string',
        value: 'N',
        help: 'max tokens per answer; raise it for a reasoning base model, whose thinking counts against it',
        default: `${D.maxTokens}: short facts`,
      },
      concurrency: { type: 'string', value: 'N', help: 'requests in flight, per replica', default: DEFAULT_PARAMS.concurrency },
      fast: { type: 'boolean', help: 'fewer prompts and samples for a quick look' },
      recategorize: { type: 'boolean', help: 'replace categories already stored for these items' },
      'no-model-check': { type: 'boolean', help: "do not check the base's model name against GET /v1/models" },
      json: { type: 'boolean', help: 'print {runId, base, status, settings, categories, notes}' },
      ...LEASE_OPTION,
      ...DB_OPTION,
    },
  }],
  exit: 'common',
};

export const CATEGORIZE_SPEC = specOf(CATEGORIZE_DOC);
