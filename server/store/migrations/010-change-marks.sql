-- Cheap change marks, so the server can cache what it computes from a run (a comparison, a
-- results page, a gate) and know with one indexed read whether it still holds. Triggers keep
-- them, so every writer bumps them: this server, another server, a CLI, an older code path.
-- A run's mark is (created_at, last_seq, version): last_seq moves with every stored result;
-- version with every other change to what is read from the run (its row, result updates and
-- deletions, judgments, pairwise verdicts). The lease heartbeat (lease_until) moves neither.
ALTER TABLE runs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER runs_version AFTER UPDATE OF kind, checkpoint_id, status, params, provenance, summary, error, started_at, finished_at, notes ON runs
BEGIN UPDATE runs SET version = version + 1 WHERE id = NEW.id; END;
CREATE TRIGGER results_update_version AFTER UPDATE ON results
BEGIN UPDATE runs SET version = version + 1 WHERE id = NEW.run_id; END;
CREATE TRIGGER results_delete_version AFTER DELETE ON results
BEGIN UPDATE runs SET version = version + 1 WHERE id = OLD.run_id; END;
CREATE TRIGGER judgments_insert_version AFTER INSERT ON judgments
BEGIN UPDATE runs SET version = version + 1 WHERE id = NEW.run_id; END;
CREATE TRIGGER judgments_update_version AFTER UPDATE ON judgments
BEGIN UPDATE runs SET version = version + 1 WHERE id = NEW.run_id; END;
CREATE TRIGGER judgments_delete_version AFTER DELETE ON judgments
BEGIN UPDATE runs SET version = version + 1 WHERE id = OLD.run_id; END;
CREATE TRIGGER pairwise_insert_version AFTER INSERT ON pairwise
BEGIN UPDATE runs SET version = version + 1 WHERE id = NEW.run_id; END;
CREATE TRIGGER pairwise_update_version AFTER UPDATE ON pairwise
BEGIN UPDATE runs SET version = version + 1 WHERE id = NEW.run_id; END;
CREATE TRIGGER pairwise_delete_version AFTER DELETE ON pairwise
BEGIN UPDATE runs SET version = version + 1 WHERE id = OLD.run_id; END;

-- Checkpoints (names, steps, tags, base, the baseline flag) and knowledge categories are read
-- by many runs' views at once: one counter each. 'runs' counts runs created and deleted; with
-- the sum of every run's last_seq + version (which only grow) it marks all runs at once.
CREATE TABLE change_counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
INSERT INTO change_counters (name) VALUES ('checkpoints'), ('categories'), ('runs');
CREATE TRIGGER runs_insert_count AFTER INSERT ON runs
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'runs'; END;
CREATE TRIGGER runs_delete_count AFTER DELETE ON runs
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'runs'; END;
CREATE TRIGGER checkpoints_insert_count AFTER INSERT ON checkpoints
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'checkpoints'; END;
CREATE TRIGGER checkpoints_update_count AFTER UPDATE ON checkpoints
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'checkpoints'; END;
CREATE TRIGGER checkpoints_delete_count AFTER DELETE ON checkpoints
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'checkpoints'; END;
CREATE TRIGGER categories_insert_count AFTER INSERT ON categories
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'categories'; END;
CREATE TRIGGER categories_update_count AFTER UPDATE ON categories
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'categories'; END;
CREATE TRIGGER categories_delete_count AFTER DELETE ON categories
BEGIN UPDATE change_counters SET n = n + 1 WHERE name = 'categories'; END;
