import { DEFAULT_EVALSETS_DIR } from '../../config.js';
import { DEFAULT_NGRAM } from '../../evalsets/leak.js';
import type { Spec } from '../args.js';
import { specOf, type CommandDoc } from './command-doc.js';

const EVALSETS = {
  type: 'string',
  variadic: true,
  value: 'PATH',
  help: 'as for run',
  default: `every ${DEFAULT_EVALSETS_DIR}/*.jsonl`,
} as const;

/** The imports' --out, --seed, --force and their leak check. */
function importOptions(what: string, force: string): Spec {
  return {
    out: { type: 'string', value: 'PATH', help: 'the eval set to write (required); an existing file needs --force' },
    train: {
      type: 'string',
      value: 'FILE',
      help: `before writing, check the held-out ${what} against this training JSONL file (as evalset check-leak does): if any leaks, print where and exit 1 writing nothing`,
    },
    ngram: { type: 'string', value: 'N', help: "the check's n-gram length (see evalset check-leak --help)", default: DEFAULT_NGRAM },
    force: { type: 'boolean', help: `replace ${force}` },
  };
}

export const EVALSET_VALIDATE_DOC: CommandDoc = {
  name: 'evalset validate',
  synopsis: 'evalset validate [PATH…]',
  summary: 'check eval-set files and print item counts',
  usage: ['evalset validate [PATH…] [--json]'],
  about: `Checks eval-set files (default: every ${DEFAULT_EVALSETS_DIR}/*.jsonl) and prints their item counts and content
hashes. Errors name file, line and field; a file that is not UTF-8 is an error naming the line
and byte. The exit code is 2 if any file is invalid.`,
  options: [{ options: { json: { type: 'boolean', help: 'print a JSON array: [{name, path, hash, items, keyword, blog, warnings}]' } } }],
};

export const EVALSET_CHECK_LEAK_DOC: CommandDoc = {
  name: 'evalset check-leak',
  synopsis: 'evalset check-leak --train FILE',
  summary: 'eval items whose text is also in a training file',
  usage: [`evalset check-leak --train FILE [--evalsets PATH…] [--ngram ${DEFAULT_NGRAM}] [--json]`],
  about: `Lists the eval items whose text the model saw in training: a held-out post that is also in the
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
2 on bad input (a training line that is not JSON or has no text names its file:line).`,
  options: [{
    options: {
      train: {
        type: 'string',
        value: 'FILE',
        help: 'the fine-tuning JSONL file (required): {"messages": […]} lines (content a string or text parts), {"prompt", "completion"} or {"text"} lines',
      },
      evalsets: EVALSETS,
      ngram: { type: 'string', value: 'N', help: 'shared tokens that make a leak, words or CJK characters (whole number ≥ 2)', default: DEFAULT_NGRAM },
      json: {
        type: 'boolean',
        help: 'print {train, ngram, items, leaks}: items is the number of eval items checked; each leak is {set, id, file, line, field ("prompt" or "reference"), training: [{line, message, span, tokens}]}, where line is the training file\'s line, message the text that shares the span ("messages[1]", "prompt", "completion", "text"), span the shared text as the eval item has it, tokens its length; longest first, then by line',
      },
    },
  }],
};

export const EVALSET_IMPORT_JEKYLL_DOC: CommandDoc = {
  name: 'evalset import-jekyll',
  synopsis: 'evalset import-jekyll DIR',
  summary: 'held-out blog items from a Jekyll/Hugo posts folder',
  usage: [`evalset import-jekyll DIR --out ${DEFAULT_EVALSETS_DIR}/NAME.jsonl [--holdout N] [--since DATE] [--seed S] [--lang zh|en]
[--train FILE [--ngram ${DEFAULT_NGRAM}]] [--force]`],
  about: `Reads a Jekyll or Hugo folder of Markdown posts with front matter (title, date, lang), strips the
front matter, Liquid tags and HTML comments, and writes blog items (title → body). Evaluate on
posts the checkpoint did NOT train on: each item's meta.source names its file, so it can be left
out of the training data. Prints every file it skipped and why (no title, draft, too short, …).`,
  options: [{
    options: {
      holdout: { type: 'string', value: 'N', help: 'pick N posts at random (seeded) instead of all of them' },
      seed: { type: 'string', value: 'S', help: 'seed for --holdout: the same folder and seed give the same posts', default: 0 },
      since: { type: 'string', value: 'DATE', help: 'only posts dated on or after YYYY-MM-DD' },
      lang: { type: 'string', value: 'zh|en', help: 'only posts in this language (front matter lang, else detected)' },
      'min-chars': { type: 'string', value: 'N', help: 'skip posts whose cleaned body is shorter', default: 200 },
      ...importOptions('posts', '--out if it exists'),
    },
  }],
};

export const EVALSET_IMPORT_SFT_DOC: CommandDoc = {
  name: 'evalset import-sft',
  synopsis: 'evalset import-sft FILE',
  summary: 'held-out blog items from a chat fine-tuning JSONL file',
  usage: [`evalset import-sft FILE --out ${DEFAULT_EVALSETS_DIR}/NAME.jsonl [--holdout N] [--seed S] [--rest FILE]
[--train FILE [--ngram ${DEFAULT_NGRAM}]] [--force]`],
  about: `Samples held-out pairs from an OpenAI chat fine-tuning JSONL file ({"messages": […]} lines): the
last assistant message of each line is the reference. Invalid lines are skipped with the reason.
Checking FILE itself with --train always leaks: use --rest instead.`,
  options: [{
    options: {
      holdout: { type: 'string', value: 'N', help: 'how many lines to hold out', default: 'all valid lines' },
      seed: { type: 'string', value: 'S', help: 'seed for the sample', default: 0 },
      rest: {
        type: 'string',
        value: 'PATH',
        help: 'also write every other valid line there: train on that file, so the held-out lines stay unseen',
      },
      ...importOptions('pairs', '--out / --rest if they exist'),
    },
  }],
};

export const EVALSET_VALIDATE_SPEC = specOf(EVALSET_VALIDATE_DOC);
export const EVALSET_CHECK_LEAK_SPEC = specOf(EVALSET_CHECK_LEAK_DOC);
export const EVALSET_IMPORT_JEKYLL_SPEC = specOf(EVALSET_IMPORT_JEKYLL_DOC);
export const EVALSET_IMPORT_SFT_SPEC = specOf(EVALSET_IMPORT_SFT_DOC);
