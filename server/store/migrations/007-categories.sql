-- Knowledge categories (SliCK, Gekhman et al. 2024). A run is either an evaluation or a
-- categorization of a base checkpoint's knowledge: the latter asks each keyword item with several
-- k-shot prompts, greedy and sampled, and is resumable like any run. Lists, charts and the gate
-- read evaluations only.
ALTER TABLE runs ADD COLUMN kind TEXT NOT NULL DEFAULT 'eval' CHECK (kind IN ('eval', 'categorize'));

-- The checkpoint a fine-tuned one was trained from: its categories are the ones its runs use.
ALTER TABLE checkpoints ADD COLUMN base TEXT;

-- One category per base checkpoint and item content: an edited item has a new hash and is
-- uncategorized until categorized again. Re-categorizing replaces rows only when asked to.
CREATE TABLE categories (
  base_checkpoint_id INTEGER NOT NULL REFERENCES checkpoints(id) ON DELETE CASCADE,
  item_hash          TEXT NOT NULL,
  set_name           TEXT NOT NULL,
  item_id            TEXT NOT NULL,
  category           TEXT NOT NULL CHECK (category IN ('HighlyKnown', 'MaybeKnown', 'WeaklyKnown', 'Unknown')),
  greedy_correct     INTEGER NOT NULL,
  greedy_total       INTEGER NOT NULL,
  sampled_correct    INTEGER NOT NULL,
  sampled_total      INTEGER NOT NULL,
  run_id             INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  created_at         TEXT NOT NULL,
  PRIMARY KEY (base_checkpoint_id, item_hash)
);
