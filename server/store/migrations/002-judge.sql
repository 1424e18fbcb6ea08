-- A checkpoint may name the LLM judge its runs use (a spec such as "anthropic:MODEL").
ALTER TABLE checkpoints ADD COLUMN judge TEXT;

-- Judge verdicts by exact input: judge, rubric version and a hash of everything it was shown.
-- Re-judging, re-gating or re-charting never pays for the same verdict twice.
CREATE TABLE judge_cache (
  key        TEXT PRIMARY KEY,
  judge      TEXT NOT NULL,
  rubric     TEXT NOT NULL,
  verdict    TEXT NOT NULL,
  created_at TEXT NOT NULL
);

-- The judge's score of one blog answer (or its error: a judge failure never fails the run).
CREATE TABLE judgments (
  run_id     INTEGER NOT NULL,
  set_name   TEXT NOT NULL,
  item_id    TEXT NOT NULL,
  sample     INTEGER NOT NULL,
  judge      TEXT NOT NULL,
  rubric     TEXT NOT NULL,
  score      REAL,
  verdict    TEXT,
  error      TEXT,
  cached     INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (run_id, set_name, item_id, sample),
  FOREIGN KEY (run_id, set_name, item_id, sample) REFERENCES results (run_id, set_name, item_id, sample) ON DELETE CASCADE
);

-- Pairwise comparisons of a run's blog answers with a baseline run's, asked in both orders.
CREATE TABLE pairwise (
  run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  baseline_run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  set_name        TEXT NOT NULL,
  item_id         TEXT NOT NULL,
  judge           TEXT NOT NULL,
  rubric          TEXT NOT NULL,
  head_first      TEXT,
  base_first      TEXT,
  score           REAL,
  error           TEXT,
  created_at      TEXT NOT NULL,
  PRIMARY KEY (run_id, baseline_run_id, set_name, item_id)
);
