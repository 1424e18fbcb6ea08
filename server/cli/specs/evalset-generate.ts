import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { DB_OPTION, specOf, type CommandDoc } from './command-doc.js';

// Its defaults (zh,en, 2 questions, …) are read in commands/evalset-generate.ts: said here in words.

export const EVALSET_GENERATE_DOC: CommandDoc = {
  name: 'evalset generate',
  synopsis: 'evalset generate --facts F --generator SPEC',
  summary: 'bio and false-premise eval sets and training pairs from facts',
  usage: [`evalset generate --facts facts.md --generator SPEC [--langs zh,en] [--questions N] [--paraphrases K]
[--out-dir ${DEFAULT_EVALSETS_DIR}] [--train-out data/bio-train.jsonl] [--system-prompt FILE] [--seed S]`],
  about: `From a file of true facts, writes held-out eval sets and training pairs that share no question:
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
skipped). Each fact's id is f-<8 hex of its text's hash>, or the {#id} written at the end of its
line; items carry it as fact_id (runs report consistency per fact group) with in_train: false and
meta (generator, prompt_version, seed, lang, fact, question, phrasing).`,
  options: [{
    options: {
      facts: { type: 'string', value: 'FILE', help: 'the facts file (required)' },
      generator: { type: 'string', value: 'SPEC', help: 'anthropic:MODEL (key in ANTHROPIC_API_KEY) or openai:MODEL@BASE_URL (required)' },
      'generator-key-env': { type: 'string', value: 'VAR', help: 'key variable for an openai: generator' },
      langs: { type: 'string', value: 'zh,en', help: 'languages of the questions', default: 'zh,en' },
      questions: { type: 'string', value: 'N', help: 'direct questions per fact and language', default: 2 },
      paraphrases: { type: 'string', value: 'K', help: 'rewordings of each question', default: 3 },
      'false-premises': { type: 'string', value: 'M', help: 'false-premise questions per fact and language (0: no refusal set)', default: 1 },
      'out-dir': { type: 'string', value: 'DIR', help: 'where the eval sets go', default: DEFAULT_EVALSETS_DIR },
      'train-out': {
        type: 'string',
        value: 'PATH',
        help: 'the training pairs; not in --out-dir, a folder that is read whole as eval sets',
        default: 'data/bio-train.jsonl',
      },
      'system-prompt': { type: 'string', value: 'FILE', help: 'a system message put first in every training pair (the anchor)' },
      seed: { type: 'string', value: 'S', help: 'seed of the train/held-out split: same replies and seed, same files', default: 0 },
      'dry-run': { type: 'boolean', help: 'print a sample of each output and what was rejected; write nothing' },
      force: { type: 'boolean', help: 'replace output files that exist (checked before the generator is asked)' },
      'skip-failed': { type: 'boolean', help: 'write what validated even if some requests failed (else nothing is written)' },
      concurrency: { type: 'string', value: 'N', help: 'generator requests in flight', default: 4 },
      'max-tokens': { type: 'string', value: 'N', help: "the generator's reply budget", default: 4000 },
      json: {
        type: 'boolean',
        help: 'print {facts, asked, cached, written, files: {bio|refusal|train: {path, lines}}, rejected: [{factId, lang, where, reason}], failures: [{factId, line, lang, error}]}',
      },
      ...DB_OPTION,
    },
  }],
  exit: `Exit codes: 0 written (or --dry-run), 2 bad input or an output exists without --force,
3 some requests failed (nothing written), 130 interrupted by Ctrl-C (nothing written; the replies
received are cached).`,
};

export const EVALSET_GENERATE_SPEC = specOf(EVALSET_GENERATE_DOC);
