-- Replicas: a checkpoint served by several machines names every base URL, as a JSON array whose
-- first element is base_url. NULL for a checkpoint with one base URL (all rows before this).
ALTER TABLE checkpoints ADD COLUMN base_urls TEXT;
