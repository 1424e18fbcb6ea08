/**
 * Help texts. Kept in a module that imports nothing, so `tunegate --help` starts without loading
 * the database driver or the HTTP client.
 */

const EXIT_CODES = `Exit codes:
  0    success
  1    gate: a metric regressed; evalset check-leak (and the imports with --train): an eval
       item's prompt or reference is in the training file
  2    bad usage or invalid input (nothing was sent to any model)
  3    the run finished but some items errored (results are stored and printed);
       gate: the head run has more errored items than --max-errors
  4    internal error (a bug, or a database that cannot be used)
  5    run --server: the run was not seen to stop (the server or its stream was lost after
       retries); it may still be running there
  130  interrupted (Ctrl-C) or cancelled; resume with \`tunegate resume RUN_ID\``;

const DB = `  --db PATH             SQLite database (default: $TUNEGATE_DB, else runs/tunegate.db)`;

export const HELP: Record<string, string> = {
  main: `tunegate — evaluate fine-tuned LLM checkpoints on bio accuracy and blog quality

Usage: tunegate <command> [options]

Commands:
  checkpoint add NAME     register an OpenAI-compatible endpoint serving a checkpoint
  checkpoint list         list registered checkpoints
  run CHECKPOINT          run eval sets against a checkpoint, store and print scores
  resume RUN_ID           finish an interrupted run (only items without a result are sent)
  categorize --base CKPT  categorize eval items as known/unknown to the base model (SliCK)
  advise --tag run=NAME   the step to stop a training run at: best held-out accuracy, no forgetting
  judge RUN_ID            LLM judge of a run's blog posts and refusal answers (optionally pairwise)
  gate                    fail the build on regression: compare a run with a baseline
  plan --run ID           what the gate can see of a run's sets, and the items it would take
  checkpoint baseline NAME flag the checkpoint the gate compares with by default
  runs                    list runs, newest first
  show RUN_ID             a run's metrics, provenance and (with --items) every answer
  evalset validate [PATH…] check eval-set files and print item counts
  evalset check-leak --train FILE  eval items whose text is also in a training file
  evalset import-jekyll DIR  held-out blog items from a Jekyll/Hugo posts folder
  evalset import-sft FILE  held-out blog items from a chat fine-tuning JSONL file
  evalset generate --facts F --generator SPEC  bio and false-premise eval sets and training pairs from facts
  serve                   the HTTP server: API, run queue and dashboard (npm start)
  demo                    scripted demo in runs/demo.db, then the dashboard on it (no model needed)

Global options:
  -h, --help              help for tunegate or for a command (tunegate run --help)
  --version               print the version

Environment:
  TUNEGATE_DB             default database path (overridden by --db)
  TUNEGATE_TOKEN          serve: bearer token every non-GET request needs; client: sent by --server
  TUNEGATE_PROTECT_READS  serve: 1 = reads need the token too (as --protect-reads)
  TUNEGATE_KEY_ENVS       serve: key variables the server may read (as --key-env; A=URL_PREFIX,B)
  TUNEGATE_ALLOWED_HOSTS  serve: extra Host names (as --allowed-host; a,b)
  TUNEGATE_RATE_LIMIT     serve: requests per client per 10 s (as --rate-limit)
  TUNEGATE_MAX_EVENT_LOOP_DELAY  serve: ms of event-loop delay before 503s (as --max-event-loop-delay)
  TUNEGATE_MAX_RESPONSE_BYTES  cap on an endpoint's response body (default 8 MiB)
  TUNEGATE_MAX_ANSWER_CHARS    cap on a stored answer (default 262144 characters)
  ANTHROPIC_API_KEY       key for --judge anthropic:MODEL (serve: only with --key-env ANTHROPIC_API_KEY)
  ANTHROPIC_BASE_URL      base URL for the anthropic judge (proxies, test servers)

${EXIT_CODES}`,

  checkpoint: `Usage:
  tunegate checkpoint add NAME --base-url URL --model MODEL [options]
  tunegate checkpoint list [--json]
  tunegate checkpoint baseline NAME       (the gate's default baseline)

Run \`tunegate checkpoint add --help\` or \`tunegate checkpoint list --help\` for details.`,

  'checkpoint add': `Usage: tunegate checkpoint add NAME --base-url URL --model MODEL [options]

Registers a checkpoint: an OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, LM Studio,
TGI, …) and the model name it serves.

Options:
  --base-url URL        the endpoint's base URL, e.g. http://127.0.0.1:8000/v1 (required; no
                        user:password in it: name a key variable with --api-key-env).
                        Repeat it for replicas of one model on several machines: requests go to
                        the one with the fewest in flight, --concurrency applies per replica, and
                        a replica that stops answering is rested while the others take its items
  --model MODEL         model name sent in requests (required); checked against the server's
                        GET /v1/models before every run (see tunegate run --help)
  --step N              training step (whole number ≥ 0); orders checkpoints in charts
  --api chat|completions
                        chat: /chat/completions (default); completions: /completions with
                        --prompt-template, for base models without a chat template
  --prompt-template T   completions prompt; {prompt} and {system} are replaced (default "{prompt}\\n\\n")
  --api-key-env VAR     name of the environment variable holding the API key. The key is read
                        at request time and never stored. Local servers need none.
  --tag k=v             label (repeatable), e.g. --tag mix=bio-v2; a key has no "=" and is not
                        __proto__, constructor or prototype
  --base NAME           the registered checkpoint it was fine-tuned from: its knowledge categories
                        (tunegate categorize --base NAME) are the ones this checkpoint's runs use
  --judge SPEC          the LLM judge this checkpoint's runs use (see tunegate judge --help)
  --judge-key-env VAR   key variable for an openai:MODEL@BASE_URL judge
  --server URL          register it on a running tunegate server instead (TUNEGATE_TOKEN is sent)
  --json                print the checkpoint as JSON
${DB}`,

  'checkpoint list': `Usage: tunegate checkpoint list [--json]

Lists checkpoints ordered by step.

Options:
  --json                print a JSON array
${DB}`,

  run: `Usage:
  tunegate run CHECKPOINT [options]
  tunegate run --base-url URL --model MODEL --checkpoint NAME [--step N] [options]

Runs eval sets against a checkpoint. Every finished item is stored at once, so an interrupted
run loses nothing and \`tunegate resume\` finishes it. The second form registers the
checkpoint on the fly (or reuses it when it is registered with the same endpoint).

Before the run is created, tunegate asks the endpoint GET /v1/models: a server that lists models
without --model stops the run with exit 2 naming the models it serves, before any completion
(SGLang and TGI answer a mistyped name with another model, silently). A server without a model
list gets a warning. It also reads who serves (vLLM, SGLang, llama.cpp, Ollama, TGI, LM Studio),
its version and context length into the run's provenance. An endpoint that accepts no connection
is exit 2. A server that dies mid-run (20 refused connections in a row on every replica and no
answer for 10 s; timeouts do not count) stops the run \`interrupted\`; \`tunegate resume\`
continues it.

Options:
  --evalsets PATH…      eval-set files, folders or names in ./evalsets (bio → evalsets/bio.jsonl);
                        several may follow one flag. Default: every evalsets/*.jsonl
  --concurrency N       requests in flight, per replica (default 8)
  --samples N           answers per item (default 1); an item's score is the mean over samples
  --temperature T       sampling temperature (default 0)
  --max-tokens N        max tokens per answer (default 512 for keyword items, 1024 for blog
                        items), sent as max_tokens (max_completion_tokens where the server asks
                        for it). For a reasoning model it covers reasoning and answer. Answers
                        cut off at it (finish_reason "length"), and reasoning with an empty
                        answer, are counted (counts.truncated, per set) and noted when over 5% of
                        a set: they score low without the model being worse
  --no-model-check      do not check --model against GET /v1/models (a gateway that lists
                        other names than it accepts)
  --seed N              seed sent with every request (sample k gets N+k)
  --timeout SECONDS     per-request timeout, 0.001 to 86400 (default 60)
  --retries N           retries per request on 429, 5xx, timeouts, dropped connections and
                        unparsable bodies, honouring Retry-After (default 6). Other 4xx (context
                        overflow, unknown model, validation) are not retried; each cause is
                        reported once in the run's notes with its count
  --json                print one JSON object: {runId, checkpoint, status, metrics, sets, counts}
  --perplexity          also measure the perplexity of each blog reference given its title
                        (blog_perplexity) via /completions with echo + logprobs (vLLM, SGLang);
                        skipped with a one-line note naming the server where it cannot
  --no-likelihood       do not measure knowledge_margin, knowledge_rank and answer_logprob after
                        the run (by default measured for items with "answer"/"wrong_answers":
                        one request per candidate; vLLM, SGLang with --api completions; skipped
                        with a one-line note naming the server where it cannot)
  --judge SPEC          after the run, score blog posts with an LLM judge (blog_judge) and judge
                        refusal answers pass/fail (refusal-v1), reported with how often the judge
                        agrees with the keywords; default: the checkpoint's judge.
                        anthropic:MODEL or openai:MODEL@BASE_URL
  --judge-key-env VAR   key variable for an openai:MODEL@BASE_URL judge
  --judge-pairwise RUN  also compare blog posts with run RUN's, both orders: win rate + 95% interval
  --judge-concurrency N judge requests in flight (default 4)
  --server URL          run on a tunegate server instead of the local database: registers the
                        checkpoint there (one-shot form), queues the run, follows its events and
                        exits as a local run would; --evalsets are names the server offers;
                        Ctrl-C cancels the run on the server. TUNEGATE_TOKEN is sent when set.
                        A dropped stream is reopened where it stopped (Last-Event-ID); exit 0
                        only for a completed run, 5 when the run was lost to this client
  --lease SECONDS       this process's claim on the run lasts this long without renewal
                        (default 30; renewed every 2 s). Another process may take over a run
                        whose lease expired
  --gate                after the run, gate it (see tunegate gate --help); exit 1 on regression.
                        Takes the gate's options: --baseline, --require-baseline, --tolerance,
                        --alpha, --no-significance, --max-errors, --metrics, --junit, --markdown.
                        Default reference as in gate --help; with none yet (a first build) the
                        verdict is no-baseline, exit 0, unless --require-baseline (exit 2). With
                        --json, prints one object: {"run": …, "gate": …}
  --base-url, --model, --checkpoint, --step, --api, --prompt-template, --api-key-env, --tag
                        one-shot registration, as in \`tunegate checkpoint add\`
${DB}

Metrics: bio_accuracy, refusal_accuracy and known_accuracy are the mean keyword-hit score of
keyword items in the sets bio, refusal and known and those starting with one of them and a
separator (bio-extra, bio_v2; not biology); in refusal sets an answer containing a forbidden
string scores 0. hallucination_rate is the share of keyword items that have a forbidden list
whose answer contains a forbidden string (items without a list are not counted); blog_quality is the mean over blog items of
(chrF/100 + ROUGE-L)/2 with penalties for repetition, length and wrong language; each component
is reported too (blog_chrf, blog_rouge_l, blog_repetition, blog_distinct_2, blog_length_ratio,
blog_language_match), and blog_judge when judged. Errored items are counted, not scored.

Provenance: each run records the tool version and git revision, the endpoint (every replica),
parameters, eval-set hashes and scorer versions, who served it (server, version, context length,
the model check's outcome), and the model and system_fingerprint the endpoint reported.

${EXIT_CODES}`,

  categorize: `Usage: tunegate categorize --base CHECKPOINT [--evalsets PATH…] [--prompts 10] [--shots 4]
       [--samples 16] [--temperature 0.5] [--top-k 40] [--concurrency N] [--fast] [--recategorize]

Categorizes every keyword item by how well the base checkpoint knows its fact, as in Gekhman et
al. 2024 (SliCK, arXiv 2405.05904). Each item is asked with --prompts different random k-shot
prompts (--shots exemplars drawn from other items of its eval set, answered with their keywords),
one greedy answer and --samples sampled answers (temperature, top-k) per prompt. An answer is
correct when it has every keyword and no forbidden string. P(T=0) is the share of correct greedy
answers, P(T>0) of correct sampled answers:

  HighlyKnown   P(T=0) = 1            MaybeKnown    0 < P(T=0) < 1
  WeaklyKnown   P(T=0) = 0, P(T>0) > 0   Unknown    P(T=0) = 0, P(T>0) = 0

The defaults are the paper's: 10 × (1 + 16) = 170 requests an item. --fast uses 4 prompts and
4 samples (20 an item), and says so in the stored parameters. It is a run (kind "categorize"):
stored as it goes, resumable with \`tunegate resume RUN_ID\`; the categories are stored per
base checkpoint and item content when it completes. Items already categorized against this base
are refused unless --recategorize. top_k is sent as an extra body field (vLLM, SGLang and
llama.cpp read it); a server that refuses it is noted, one that ignores it cannot be told.

Options:
  --base CHECKPOINT     the registered base checkpoint (required)
  --evalsets PATH…      as for run (default: every evalsets/*.jsonl); blog items are skipped
  --prompts N           k-shot prompts per item (default 10; --fast 4)
  --shots N             exemplars per prompt (default 4)
  --samples N           sampled answers per prompt (default 16; --fast 4)
  --temperature T       temperature of the sampled answers (default 0.5)
  --top-k N             top-k of the sampled answers (default 40)
  --seed N              seeds the exemplar choice and the sampled answers (default 0)
  --max-tokens N        max tokens per answer (default 64: short facts; raise it for a reasoning
                        base model, whose thinking counts against it)
  --concurrency N       requests in flight, per replica (default 8)
  --fast                fewer prompts and samples for a quick look
  --recategorize        replace categories already stored for these items
  --no-model-check      do not check the base's model name against GET /v1/models
  --json                print {runId, base, status, settings, categories, notes}
${DB}

${EXIT_CODES}`,

  advise: `Usage: tunegate advise --tag KEY=VALUE [--alpha 0.05] [--json]

Early-stopping advice (Gekhman et al. 2024): across the checkpoints tagged KEY=VALUE (one training
run, e.g. --tag run=bio-v2), names the step with the highest held-out accuracy among those whose
accuracy on HighlyKnown and MaybeKnown items did not fall significantly below the base model's,
and shows why: each checkpoint's held-out accuracy with its interval, and each Known category's
accuracy against the base with the gate's paired sign-flip test (Holm over the two, at --alpha).
Ties go to the earlier step. Held-out accuracy is heldout_accuracy (keyword items not tagged
in_train) when any item is tagged in_train, else bio_accuracy. Each checkpoint's latest completed
run is used; the base is the one whose categories the checkpoints use (see categorize --help),
and it needs a completed evaluation run too.

Options:
  --tag KEY=VALUE       the checkpoints of one training run (required)
  --alpha A             false-alarm rate of the Known-accuracy test (default 0.05)
  --json                print the advice as JSON
${DB}`,

  resume: `Usage: tunegate resume RUN_ID [--retry-errors] [--no-model-check] [--json]

Finishes an interrupted, failed or killed run with its original items and parameters: requests
are sent only for items without a stored result, and no result is ever stored twice (a failed run
with every item stored just ends completed; POST /api/runs/:id/resume does the same). A run whose answers
were scored by other scorer versions than this tunegate's (an upgrade changed a scorer) is
refused with exit 2 before anything is sent: start a new run instead.

A run has one owner at a time: a run another live process executes (a CLI, a server, on this
host or another sharing the database) is refused with exit 2, naming its PID, host and lease.
A killed owner's run is resumable at once on the same host (its PID is gone), and from anywhere
once its lease expires (30 s after its last renewal).

Options:
  --retry-errors        also retry items whose stored result is an error
  --no-model-check      do not check the model against GET /v1/models this time (a run created
                        with --no-model-check is never checked). A resume served by another
                        server or version than before gets a note saying so
  --lease SECONDS       this process's claim on the run lasts this long without renewal (default 30)
  --json                print one JSON object, as \`tunegate run --json\`
${DB}

${EXIT_CODES}`,

  runs: `Usage: tunegate runs [--checkpoint NAME] [--limit N] [--categorizations] [--json]

Lists runs, newest first, with their headline metrics.

Options:
  --checkpoint NAME     only this checkpoint's runs
  --limit N             at most N runs
  --categorizations     list categorizations (tunegate categorize) instead of evaluations
  --json                print a JSON array of run objects
${DB}`,

  show: `Usage: tunegate show RUN_ID [--items] [--json]

Shows a run: status, metrics per eval set, answers cut off at max tokens, notes, parameters and
provenance (tool version and git revision, endpoint, eval-set content hashes, scorer versions,
the model and system_fingerprint the endpoint reported). Every metric is shown with its 95%
interval and n: Wilson's interval where each item scores 0 or 1, else a seeded bootstrap over
items (expanded for small sets). Fourteen items scored 0 or 1 give an interval about ±0.2 wide: read differences
between checkpoints with that in mind. A set whose items carry fact_id also shows its consistency
beside its score: the share of its facts right in every phrasing, n = facts counted (every
phrasing answered) of all.

Options:
  --items               add every item's id, set, prompt, answer, scores, latency and error
                        (keyword items: "marks", which keywords hit and which forbidden strings);
                        control characters in answers are shown escaped (ESC as \\u001b)
  --json                print one JSON object: "metrics", "stats" ({metric: {n, ci, method}}),
                        "sets" (each with its own "stats" and "truncated"; "consistency" and
                        "groups" in sets with fact_id items), "counts" ({items,
                        results, errors, missing, truncated}), "notes", "provenance"; with
                        --items: "items": [{"id", …, "finishReason"}]
${DB}`,

  gate: `Usage: tunegate gate [--run RUN_ID | --checkpoint NAME] [--baseline RUN_ID|CHECKPOINT|previous|baseline] [options]

Compares a run with a baseline item by item and fails on regression. Eval sets are small, so a
threshold on the mean is mostly noise: a metric regresses only when its mean worsening exceeds
the tolerance AND a one-sided paired sign-flip (permutation) test over the items both runs share
(same content hash) says it is worse beyond noise: exact while feasible (the exact sign test on
0/1 scores), else a seeded Monte Carlo of 10,000 sign patterns. Alpha is for the whole gate:
Holm's step-down shares it across the gated metrics, so a build with no true change fails with
probability at most alpha. Each interval inverts the same test at the metric's level. Each
tested metric gets a sensitivity line: the smallest drop its items could ever show at the level
a lone regression meets, and \`tunegate plan --run ID\` for what it would take. With --samples K, the item is the unit: each item's K samples are
averaged first and the test pairs per-item means (samples are not independent draws).

Head run: --run, else the latest completed run of --checkpoint, else the latest completed run.
Baseline: a run id; a checkpoint (its latest completed run); previous (the checkpoint with the
highest step below the head's); baseline (the one flagged by \`tunegate checkpoint baseline\`).
Default: a fixed reference, never the previous step (against which small losses add up unseen):
the flagged baseline, else the head's base checkpoint (--base), else the lowest-step checkpoint
sharing its run= tag. The report says which and why. When none has a completed run (a first
build) the verdict is no-baseline: said first, every report still written, exit 0.

Options:
  --require-baseline    no reference is exit 2 instead of a no-baseline pass (for pipelines
                        that must never pass ungated)
  --tolerance METRIC=ABS  allowed worsening, ABS a number ≥ 0 (repeatable; default 0.02 each;
                        default=ABS sets all; relative for blog_perplexity: 0.05 = 5%)
  --alpha A             the gate's family-wise false-alarm rate (default 0.05), shared by Holm
  --no-significance     decide on the tolerance alone
  --allow-mismatch      gate runs measured differently anyway (scorer versions, temperature, max
                        tokens, samples, prompt template, system prompts, judge rubric); without
                        it such a pair is refused with exit 2, the differences listed
  --max-errors N        errored items the head run may have (default 0); more is exit 3
  --metrics a,b         gated metrics (default bio_accuracy,hallucination_rate,blog_quality,
                        known_accuracy, and acc_highly_known,acc_maybe_known when the items are
                        categorized: the forgetting alarm, see categorize --help); also
                        refusal_accuracy, acc_weakly_known, acc_unknown, train_accuracy,
                        heldout_accuracy, blog_judge, blog_* and set:NAME.
                        hallucination_rate, blog_repetition, blog_perplexity: lower is better
  --json                print the report as JSON (the same as GET /api/gate)
  --junit FILE          JUnit XML: one testcase per metric, a failure for each regression
  --markdown FILE       a summary for a pull request or $GITHUB_STEP_SUMMARY
${DB}

Exit codes: 0 no regression, or no baseline yet; 1 regression; 2 bad usage, unknown run, no
comparable items, runs measured differently (without --allow-mismatch), or no baseline with
--require-baseline; 3 the head run has more errored items than --max-errors.`,

  plan: `Usage: tunegate plan --run ID [--detect 0.10] [--power 0.8] [--json]

How much the gate can see of a run's eval sets, and what it would take to see more. For each
gated metric: the smallest drop its gate detects with probability --power now, and how many
items it would take to detect a drop of --detect, with the command that gets them. Found by
simulating the gate's own test (the paired sign-flip test at alpha/m, Holm's first step:
the level a lone regression meets), 200 seeded simulated gates per point, not by a formula.
The per-item noise is the run's paired spread against its default reference (see gate --help);
with none, the run alone: 0/1 scores with no churn (a lower bound on the items needed),
continuous scores as the difference of two random items (an upper bound).

Options:
  --run ID              the run to plan for (required)
  --detect D            the drop to detect, above 0 and at most 1 (default 0.10; relative for
                        blog_perplexity)
  --power P             detection probability, strictly between 0 and 1 (default 0.8)
  --json                print the plan as JSON (the same as GET /api/plan)
${DB}

Exit codes: 0 a plan printed; 2 bad usage or unknown run.`,

  judge: `Usage: tunegate judge RUN_ID [--judge SPEC] [--pairwise BASELINE_RUN] [options]

Scores a stored run's blog posts with an LLM judge and a versioned rubric (on-topic, coherence and
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
  openai:MODEL@BASE_URL     any OpenAI-compatible server; --judge-key-env VAR names its key

Options:
  --judge SPEC          default: the judge the run was made with, else its checkpoint's
  --judge-key-env VAR   key variable for an openai: judge
  --pairwise RUN        compare with this baseline run (blog items with the same content)
  --concurrency N       judge requests in flight (default 4)
  --json                print the run as JSON with "judge", "refusalJudge" and "pairwise"
${DB}`,

  evalset: `Usage:
  tunegate evalset validate [PATH…] [--json]
  tunegate evalset check-leak --train FILE [--evalsets PATH…] [--ngram 8] [--json]
  tunegate evalset import-jekyll DIR --out evalsets/NAME.jsonl [--holdout N] [--since DATE] [--seed S] [--lang zh|en]
                                     [--train FILE [--ngram 8]] [--force]
  tunegate evalset import-sft FILE --out evalsets/NAME.jsonl [--holdout N] [--seed S] [--rest FILE]
                                  [--train FILE [--ngram 8]] [--force]
  tunegate evalset generate --facts facts.md --generator SPEC [--langs zh,en] [--questions N] [--paraphrases K]
                            [--out-dir evalsets] [--train-out data/bio-train.jsonl] [--system-prompt FILE] [--seed S]

Run \`tunegate evalset <command> --help\` for details.`,

  'evalset import-jekyll': `Usage: tunegate evalset import-jekyll DIR --out evalsets/NAME.jsonl [options]

Reads a Jekyll or Hugo folder of Markdown posts with front matter (title, date, lang), strips the
front matter, Liquid tags and HTML comments, and writes blog items (title → body). Evaluate on
posts the checkpoint did NOT train on: each item's meta.source names its file, so it can be left
out of the training data. Prints every file it skipped and why (no title, draft, too short, …).

Options:
  --out PATH            the eval set to write (required); an existing file needs --force
  --holdout N           pick N posts at random (seeded) instead of all of them
  --seed S              seed for --holdout (default 0): the same folder and seed give the same posts
  --since DATE          only posts dated on or after YYYY-MM-DD
  --lang zh|en          only posts in this language (front matter lang, else detected)
  --min-chars N         skip posts whose cleaned body is shorter (default 200)
  --train FILE          before writing, check the held-out posts against this training JSONL file
                        (as evalset check-leak does): if any leaks, print where and exit 1
                        writing nothing
  --ngram N             the check's n-gram length (default 8; see evalset check-leak --help)
  --force               replace --out if it exists`,

  'evalset import-sft': `Usage: tunegate evalset import-sft FILE --out evalsets/NAME.jsonl [options]

Samples held-out pairs from an OpenAI chat fine-tuning JSONL file ({"messages": […]} lines): the
last assistant message of each line is the reference. Invalid lines are skipped with the reason.

Options:
  --out PATH            the eval set to write (required); an existing file needs --force
  --holdout N           how many lines to hold out (default: all valid lines)
  --seed S              seed for the sample (default 0)
  --rest PATH           also write every other valid line there: train on that file, so the
                        held-out lines stay unseen
  --train FILE          before writing, check the held-out pairs against this training JSONL file
                        (as evalset check-leak does): if any leaks, print where and exit 1
                        writing nothing. Checking FILE itself always leaks: use --rest instead
  --ngram N             the check's n-gram length (default 8; see evalset check-leak --help)
  --force               replace --out / --rest if they exist`,

  'evalset generate': `Usage: tunegate evalset generate --facts facts.md --generator SPEC [options]

From a file of true facts, writes held-out eval sets and training pairs that share no question:
  OUT_DIR/bio-generated.jsonl       held-out phrasings of direct questions (keyword items)
  OUT_DIR/refusal-generated.jsonl   held-out phrasings of false-premise questions (forbidden_fails)
  --train-out                       the other phrasings with answers, OpenAI chat fine-tuning JSONL
The generator writes, per fact and language, questions with paraphrases and false-premise
questions, as JSON validated against a schema (an invalid reply is retried once, then reported).
Each question's phrasings are split by the seed: half (rounded down, at least one) held out, the
rest trained on; a held-out phrasing check-leak would flag against the training pairs (the same
question up to case, width, punctuation and spacing, or 8 shared tokens) is dropped and listed.
Keywords must be short exact spans of the fact (any alternative, e.g. ["HSBC", "汇丰"], found in
the fact text), in none of their forms in the question, in the training answer, and at least
4 letters or digits or 2 CJK characters ("Au" would match "because"); forbidden strings must not be
in any fact of the file or inside a keyword. What is dropped is listed with the reason. Replies are
cached in the database by input (generator, prompt version, fact, counts): running again costs
nothing. Output paths are checked first: none may be another output or an input.

Facts file: optional front matter (---, name: Zhiwei Li, 李智维, lzwjava, ---; the first name is the
name, the others aliases; or aliases: a, b), then one fact per line or per "- " bullet (or 1.,
1、, ·; indented lines continue a bullet; # headings, --- rules and <!-- comments --> are
skipped). Each fact's id is
f-<8 hex of its text's hash>, or the {#id} written at the end of its line; items carry it as
fact_id (runs report consistency per fact group) with in_train: false and meta (generator,
prompt_version, seed, lang, fact, question, phrasing).

Options:
  --facts FILE          the facts file (required)
  --generator SPEC      anthropic:MODEL (key in ANTHROPIC_API_KEY) or openai:MODEL@BASE_URL (required)
  --generator-key-env VAR
                        key variable for an openai: generator
  --langs zh,en         languages of the questions (default zh,en)
  --questions N         direct questions per fact and language (default 2)
  --paraphrases K       rewordings of each question (default 3)
  --false-premises M    false-premise questions per fact and language (default 1; 0: no refusal set)
  --out-dir DIR         where the eval sets go (default evalsets)
  --train-out PATH      the training pairs (default data/bio-train.jsonl); not in --out-dir, a
                        folder that is read whole as eval sets
  --system-prompt FILE  a system message put first in every training pair (the anchor)
  --seed S              seed of the train/held-out split (default 0): same replies and seed, same files
  --dry-run             print a sample of each output and what was rejected; write nothing
  --force               replace output files that exist (checked before the generator is asked)
  --skip-failed         write what validated even if some requests failed (else nothing is written)
  --concurrency N       generator requests in flight (default 4)
  --max-tokens N        the generator's reply budget (default 4000)
  --json                print {facts, asked, cached, written, files: {bio|refusal|train: {path, lines}},
                        rejected: [{factId, lang, where, reason}], failures: [{factId, line, lang, error}]}
${DB}

Exit codes: 0 written (or --dry-run), 2 bad input or an output exists without --force,
3 some requests failed (nothing written), 130 interrupted by Ctrl-C (nothing written; the replies
received are cached).`,
  'evalset check-leak': `Usage: tunegate evalset check-leak --train FILE [--evalsets PATH…] [--ngram 8] [--json]

Lists the eval items whose text the model saw in training: a held-out post that is also in the
training file makes blog quality measure recall, and a question that is in it is not held out.
The prompt of every item and the reference of blog items are checked against every line of the
training file, and the text of every message of a line counts (system, user, assistant, tool),
as do "prompt" and "completion" or "text" in the other line formats.

Texts are compared as tokens: case, width (NFKC), punctuation and whitespace do not matter; each
CJK character (Chinese, Japanese kana, Korean) is a token, other text is split into words.
  - A text of at least N tokens leaks into a training line that shares N consecutive tokens with
    it; the longest shared span is shown.
  - A shorter text (a short question or title) leaks only into a line one of whose messages is
    the same text: "where did  ZHIWEI li work" is "Where did Zhiwei Li work?", but a post that
    mentions the question is not a leak.

Prints one block per leaking item (set:id, file:line), each field with the training lines
(longest span first, five at most; --json lists all) and the span quoted as the eval item has
it, then "K of M items leak into FILE (ngram N)". Exit 1 when any item leaks, 0 when none does,
2 on bad input (a training line that is not JSON or has no text names its file:line).

Options:
  --train FILE          the fine-tuning JSONL file (required): {"messages": […]} lines (content a
                        string or text parts), {"prompt", "completion"} or {"text"} lines
  --evalsets PATH…      as for run (default: every evalsets/*.jsonl)
  --ngram N             shared tokens that make a leak (whole number ≥ 2, default 8: eight
                        words, or eight CJK characters)
  --json                print {train, ngram, items, leaks}: items is the number of eval items
                        checked; each leak is {set, id, file, line, field ("prompt" or
                        "reference"), training: [{line, message, span, tokens}]}, where line is
                        the training file's line, message the text that shares the span
                        ("messages[1]", "prompt", "completion", "text"), span the shared text as
                        the eval item has it, tokens its length; longest first, then by line`,

  'evalset validate': `Usage: tunegate evalset validate [PATH…] [--json]

Checks eval-set files (default: every evalsets/*.jsonl) and prints their item counts and content
hashes. Errors name file, line and field; a file that is not UTF-8 is an error naming the line
and byte. The exit code is 2 if any file is invalid.

Options:
  --json                print a JSON array: [{name, path, hash, items, keyword, blog, warnings}]`,

  serve: `Usage: tunegate serve [--host 127.0.0.1] [--port 3000] [--db PATH] [--evalsets DIR] [options]

Serves the HTTP API (OpenAPI docs at /api/docs), runs queued evaluations in the background and
serves the dashboard: / (every checkpoint against training step, and the bio-vs-blog trade-off),
/compare?base=RUN&head=RUN (before/after), /runs/ID (a run, live while it runs) and
/checkpoints/new (register one). All state is in the database, so the CLI, the server and a restarted server
agree. Runs left "running" by a process that died (its PID gone on this host, or its lease
expired) are marked interrupted (resumable), on start and every few seconds after. A run another
live process executes is never taken over. Ctrl-C or SIGTERM stops gracefully: running runs are
interrupted after their results are stored, and event streams end.

Options:
  --host HOST           address to bind (default 127.0.0.1)
  --port PORT           port (default 3000; 0 picks a free one)
  --db PATH             database (default $TUNEGATE_DB, else runs/tunegate.db)
  --evalsets DIR        folder of the eval sets the API offers by name (default ./evalsets)
  --per-endpoint N      runs executed at once against one endpoint (default 1)
  --key-env NAME=URL_PREFIX  an environment variable the server may read as an API key, sent
                        only to URLs under URL_PREFIX (repeatable, several prefixes per name;
                        default none; else TUNEGATE_KEY_ENVS=A=URL,B). Checkpoints (apiKeyEnv) and
                        judges (keyEnv; anthropic: ANTHROPIC_API_KEY) naming any other variable,
                        or a URL outside its prefixes, are refused with a 400. A plain NAME may be
                        sent to any URL (warned at start). TUNEGATE_TOKEN is never allowed.
  --allowed-host NAME   a host name the server answers to besides localhost, loopback addresses
                        and the --host address (repeatable; else TUNEGATE_ALLOWED_HOSTS=a,b);
                        requests with any other Host header get 403 (DNS rebinding)
  --max-response-bytes N  largest response body read from an endpoint or judge (default 8388608,
                        8 MiB; else TUNEGATE_MAX_RESPONSE_BYTES); a larger one is an item error
  --max-answer-chars N  longest answer stored (default 262144; else TUNEGATE_MAX_ANSWER_CHARS);
                        a longer one is stored cut, marked "[truncated by tunegate: …]"
  --insecure-no-auth    allow a non-loopback --host without TUNEGATE_TOKEN
  --protect-reads       reads need the token too: every /api request but /api/health, the API docs
                        and the event streams (the page asks for the token once); needs
                        TUNEGATE_TOKEN (else TUNEGATE_PROTECT_READS=1)
  --quiet               no request log
  --lease SECONDS       how long the server's claim on a run it executes lasts without renewal
                        (default 30; renewed every 2 s)
  --rate-limit N        requests one client (address) may make per 10 s (default 300; else
                        TUNEGATE_RATE_LIMIT; 0: no limit); more get 429 with Retry-After.
                        /api/health and event streams are not counted
  --max-event-loop-delay MS  above this mean event-loop delay every request but /api/health and
                        event streams gets 503 with Retry-After (default 1000; else
                        TUNEGATE_MAX_EVENT_LOOP_DELAY; 0: never)

Security: with TUNEGATE_TOKEN set, every non-GET request needs "Authorization: Bearer <token>"
(the scheme in any case); with --protect-reads every GET under /api/ too, but /api/health. Without it the server only binds a loopback address unless
--insecure-no-auth is given. Every POST, PATCH and DELETE needs "Content-Type: application/json"
(415 otherwise; an empty body is read as {}). API calls to endpoints and judges never follow
redirects, and keys are redacted from every stored or logged error text. See README, Security.`,

  demo: `Usage: tunegate demo [--port 3000] [--no-serve] [--db PATH] [--json]

Starts a scripted OpenAI-compatible endpoint on 127.0.0.1 that replays a fine-tuning story: a base
model (the baseline) and two training runs from it, tagged mix=blog-only and mix=bio-v2, saved at
steps 1000, 2000 and 3000. It registers the seven checkpoints in runs/demo.db (recreated each
time; never your own database), runs the shipped eval sets through the real runner and store,
prints a table, and serves the dashboard on that database (started first: it fills in as the
runs finish). Ctrl-C stops it. A second demo on the same database is refused while one runs.

The demo's answers are SCRIPTED, not generated by a model.

Options:
  --port PORT           dashboard port (default 3000; if 3000 is taken, a free one)
  --no-serve            print the table and exit (for scripts)
  --db PATH             demo database (default runs/demo.db; it is replaced)
  --json                print the checkpoints and their metrics as JSON and exit (implies --no-serve)`,
};

/** Help for a command path such as ["checkpoint", "add"]; falls back to the closest parent. */
export function helpFor(path: readonly string[]): string {
  for (let n = path.length; n > 0; n--) {
    const key = path.slice(0, n).join(' ');
    if (HELP[key] !== undefined) return HELP[key]!;
  }
  return HELP.main!;
}
