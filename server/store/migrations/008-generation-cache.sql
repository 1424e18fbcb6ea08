-- Replies of the eval-set generator (tunegate evalset generate) by exact input: generator,
-- prompt version and a hash of everything it was asked. Re-generating costs nothing.
CREATE TABLE generation_cache (
  key            TEXT PRIMARY KEY,
  generator      TEXT NOT NULL,
  prompt_version TEXT NOT NULL,
  reply          TEXT NOT NULL,
  created_at     TEXT NOT NULL
);
