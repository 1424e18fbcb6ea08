-- LoRA adapters: a checkpoint may name an adapter that tunegate loads into a running server
-- before each run (its path is the model server's, sent as given; its name is the model sent).
-- Both NULL for a checkpoint that is a served model (all rows before this).
ALTER TABLE checkpoints ADD COLUMN lora_path TEXT;
ALTER TABLE checkpoints ADD COLUMN lora_name TEXT;

-- The adapters a tunegate server loaded, per model server, so `serve --lora-keep N` unloads the
-- oldest ones even after a restart: the store, not the process, remembers what is loaded.
CREATE TABLE lora_loads (
  seq INTEGER PRIMARY KEY,
  base_url TEXT NOT NULL,
  lora_name TEXT NOT NULL,
  loaded_at TEXT NOT NULL,
  UNIQUE (base_url, lora_name)
);
