import type { Category } from '../scoring/category.js';
import type { RunSummary } from '../scoring/metrics.js';

export type Api = 'chat' | 'completions';

export interface Checkpoint {
  id: number;
  name: string;
  /** The first of baseUrls. */
  baseUrl: string;
  /** Every machine serving this checkpoint (replicas of one model); one for most checkpoints. */
  baseUrls: string[];
  model: string;
  step: number | null;
  api: Api;
  promptTemplate: string | null;
  /** Name of the environment variable holding the API key; the key itself is never stored. */
  apiKeyEnv: string | null;
  tags: Record<string, string>;
  isBaseline: boolean;
  /** The LLM judge its runs use unless a run names another. */
  judge: JudgeSettings | null;
  /** The checkpoint it was fine-tuned from, whose knowledge categories its runs use; null: the baseline's. */
  base: string | null;
  /** A LoRA adapter loaded into the server before each run and evaluated as `model` (its name); null: a served model. */
  lora: LoraAdapter | null;
  createdAt: string;
}

/** A LoRA adapter: its path on the model server (sent as given, never read here) and the name it is loaded as. */
export interface LoraAdapter {
  path: string;
  name: string;
}

export interface NewCheckpoint {
  name: string;
  baseUrl: string;
  /** Replicas: every base URL, the first being baseUrl (absent: baseUrl alone). */
  baseUrls?: string[];
  model: string;
  step?: number | null;
  api?: Api;
  promptTemplate?: string | null;
  apiKeyEnv?: string | null;
  tags?: Record<string, string>;
  judge?: JudgeSettings | null;
  base?: string | null;
  /** A LoRA adapter: `model` must then be its name. */
  lora?: LoraAdapter | null;
}

/** An LLM judge: its spec (anthropic:MODEL, openai:MODEL@URL) and its key variable's name. */
export interface JudgeSettings {
  spec: string;
  keyEnv: string | null;
}

export type RunStatus = 'queued' | 'running' | 'completed' | 'interrupted' | 'failed' | 'cancelled';

/** Generation and execution parameters of a run (recorded; resume reuses them). */
export interface RunParams {
  temperature: number;
  maxTokens: { keyword: number; blog: number };
  seed: number | null;
  samples: number;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  /** The judge this run was (or is to be) judged with; null when none. */
  judge?: JudgeSettings | null;
  /** Measure the perplexity of blog references given their titles (completions API, echo + logprobs). */
  perplexity?: boolean;
  /** false: the likelihood metrics (knowledge_margin, …) are not measured after the run (--no-likelihood). Absent: measured where items have an `answer`. */
  likelihood?: boolean;
  /** false: the model name is not checked against GET /v1/models before sending (--no-model-check). Absent: checked. */
  modelCheck?: boolean;
  /** A categorization run (kind 'categorize'): how each item is asked; `samples` above is prompts × (1 + samples). */
  categorize?: SlickSettings;
}

/** How a base checkpoint's knowledge of each item is estimated (the paper's SliCK). */
export interface SlickSettings {
  /** Different random k-shot prompts per item. */
  prompts: number;
  /** Exemplars per prompt, drawn from other items of the same eval set. */
  shots: number;
  /** Sampled answers per prompt (besides the one greedy answer). */
  samples: number;
  /** Sampling temperature of the sampled answers. */
  temperature: number;
  /** top-k of the sampled answers (sent as an extra body field; not an OpenAI parameter). */
  topK: number;
  /** Max tokens per answer: answers are short facts. */
  maxTokens: number;
  /** Seeds the choice of exemplars (and the requests' seeds). */
  seed: number;
  /** A quick look with fewer prompts and samples than the paper's. */
  fast: boolean;
  /** Replace categories other runs stored for these items (checked when planned and again when stored). */
  recategorize?: boolean;
}

/** An evaluation of a checkpoint, or a categorization of a base checkpoint's knowledge (SliCK). */
export type RunKind = 'eval' | 'categorize';

export interface RunSetRecord {
  name: string;
  path: string;
  hash: string;
  items: number;
}

/** What an endpoint said about itself in its responses (untrusted: cleaned and capped, see reported-endpoint.ts). */
export interface ReportedEndpoint {
  /** Distinct `model` values of the responses (what served the run, which a proxy may change). */
  models: string[];
  /** Distinct `system_fingerprint` values: a change means the serving backend or its configuration changed. */
  systemFingerprints: string[];
}

/** What one base URL said about itself before the run (serving-probe.ts); untrusted text, cleaned and capped. */
export interface ServingReplica {
  /** Without any user:password part. */
  baseUrl: string;
  /** vLLM, SGLang, llama.cpp, Ollama, TGI, LM Studio; null when it did not say. */
  server: string | null;
  version: string | null;
  /** Served context in tokens (max_model_len, n_ctx, max_total_tokens, loaded context), when told. */
  contextLength: number | null;
  /** Names GET /v1/models listed (the first 20); null when it lists none. */
  models: string[] | null;
  /** passed: the model is listed; not-listed: the server lists no models; skipped: --no-model-check; unreachable: no answer (it is sent nothing). */
  modelCheck: 'passed' | 'not-listed' | 'skipped' | 'unreachable';
}

/**
 * Where a run's numbers came from: enough to reproduce it or refuse a bad comparison. Fields
 * added later are optional: runs stored before them lack them.
 */
export interface Provenance {
  tool: string;
  /** The git commit of tunegate's own checkout; null when it ran from a package. */
  revision?: string | null;
  node: string;
  endpoint: {
    baseUrl: string; model: string; api: Api; promptTemplate: string | null;
    /** Every replica's base URL when the checkpoint has several (redacted). */
    baseUrls?: string[];
    /** The LoRA adapter loaded before the run: `model` is its name, `path` the model server's path. */
    lora?: LoraAdapter;
  };
  /** Which server answered, read before the first request of each execution; absent in older runs. */
  serving?: ServingReplica[];
  scorers: Record<string, string>;
  evalsets: RunSetRecord[];
  /** Recorded as answers arrive and kept across resumes. */
  reported?: ReportedEndpoint;
}

export interface Run {
  id: number;
  kind: RunKind;
  checkpointId: number;
  checkpoint: string;
  step: number | null;
  status: RunStatus;
  params: RunParams;
  provenance: Provenance;
  summary: RunSummary | null;
  error: string | null;
  ownerPid: number | null;
  ownerHost: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** What the run noticed and reported, e.g. a metric it had to skip. */
  notes: string[];
}

/** One stored result: an item × sample, answered or errored. */
export interface ResultRecord {
  runId: number;
  set: string;
  itemId: string;
  sample: number;
  prompt: string;
  answer: string | null;
  reasoning: string | null;
  scores: Record<string, unknown> | null;
  score: number | null;
  hallucinated: boolean | null;
  passed: boolean | null;
  error: string | null;
  attempts: number;
  latencyMs: number | null;
  promptTokens: number | null;
  completionTokens: number | null;
  finishReason: string | null;
  createdAt: string;
}

/** One item's knowledge category against a base checkpoint, and the evidence for it. */
export interface CategoryRecord {
  baseCheckpointId: number;
  itemHash: string;
  set: string;
  itemId: string;
  category: Category;
  greedy: { correct: number; total: number };
  sampled: { correct: number; total: number };
  /** The categorization run whose answers (and k-shot prompts) it came from. */
  runId: number;
  createdAt: string;
}
