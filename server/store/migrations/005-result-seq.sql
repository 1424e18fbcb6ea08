-- Every stored result gets a sequence number, increasing per run and never reused (a counter
-- on the run, not MAX(seq): results deleted by --retry-errors do not give their numbers back).
-- Server-Sent Events carry it as `id:`, so a client that reconnects with Last-Event-ID is sent
-- exactly the results it missed, read from the store.
ALTER TABLE runs ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE results ADD COLUMN seq INTEGER;
UPDATE results SET seq = numbered.n
FROM (SELECT rowid AS rid, ROW_NUMBER() OVER (PARTITION BY run_id ORDER BY rowid) AS n FROM results) AS numbered
WHERE numbered.rid = results.rowid;
UPDATE runs SET last_seq = (SELECT COUNT(*) FROM results WHERE results.run_id = runs.id);
CREATE INDEX results_by_seq ON results(run_id, seq);
