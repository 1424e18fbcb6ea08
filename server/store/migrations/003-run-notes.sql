-- Notes a run collects while it works (e.g. "perplexity skipped: the endpoint returns no
-- prompt logprobs"), shown with its results. A JSON array of strings.
ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
