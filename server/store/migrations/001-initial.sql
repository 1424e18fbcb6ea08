-- Checkpoints: an OpenAI-compatible endpoint serving one model. Only the *name* of the
-- environment variable holding an API key is stored, never its value.
CREATE TABLE checkpoints (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  base_url        TEXT NOT NULL,
  model           TEXT NOT NULL,
  step            INTEGER CHECK (step IS NULL OR step >= 0),
  api             TEXT NOT NULL DEFAULT 'chat' CHECK (api IN ('chat', 'completions')),
  prompt_template TEXT,
  api_key_env     TEXT,
  tags            TEXT NOT NULL DEFAULT '{}',
  is_baseline     INTEGER NOT NULL DEFAULT 0,
  created_at      TEXT NOT NULL
);

-- A run: one evaluation of one checkpoint. Status lives here (not in memory) so a CLI, a
-- server and a restarted process all see the same thing.
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id),
  status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'interrupted', 'failed', 'cancelled')),
  params        TEXT NOT NULL,
  provenance    TEXT NOT NULL,
  summary       TEXT,
  error         TEXT,
  owner_pid     INTEGER,
  owner_host    TEXT,
  created_at    TEXT NOT NULL,
  started_at    TEXT,
  finished_at   TEXT
);
CREATE INDEX runs_by_checkpoint ON runs(checkpoint_id, id);

-- The eval sets a run used, with content hashes.
CREATE TABLE run_sets (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name   TEXT NOT NULL,
  path   TEXT NOT NULL,
  hash   TEXT NOT NULL,
  items  INTEGER NOT NULL,
  PRIMARY KEY (run_id, name)
);

-- A snapshot of every item a run evaluates: resume uses these, not the files, so an eval
-- set edited after the run started cannot change what the run measures.
CREATE TABLE run_items (
  run_id    INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  set_name  TEXT NOT NULL,
  item_id   TEXT NOT NULL,
  position  INTEGER NOT NULL,
  kind      TEXT NOT NULL,
  item_hash TEXT NOT NULL,
  item      TEXT NOT NULL,
  PRIMARY KEY (run_id, set_name, item_id)
);

-- One row per item and sample, written as soon as it finishes. The primary key is what makes
-- a resumed run free of duplicates.
CREATE TABLE results (
  run_id            INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  set_name          TEXT NOT NULL,
  item_id           TEXT NOT NULL,
  sample            INTEGER NOT NULL,
  prompt            TEXT NOT NULL,
  answer            TEXT,
  reasoning         TEXT,
  scores            TEXT,
  score             REAL,
  hallucinated      INTEGER,
  passed            INTEGER,
  error             TEXT,
  attempts          INTEGER NOT NULL,
  latency_ms        REAL,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  finish_reason     TEXT,
  created_at        TEXT NOT NULL,
  PRIMARY KEY (run_id, set_name, item_id, sample)
);
