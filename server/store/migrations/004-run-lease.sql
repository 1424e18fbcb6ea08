-- One owner per run. A process executing a run holds a lease on it: a random token of its claim
-- and an expiry (epoch ms) it renews on a heartbeat. Claiming is a compare-and-set on these
-- columns, so a CLI, a server, or processes on hosts sharing the file never execute one run at
-- once, and a run whose lease expired (its owner died) can be taken over. owner_pidns names the
-- owner's PID namespace, so a PID is checked only where it means the same process.
ALTER TABLE runs ADD COLUMN owner_pidns TEXT;
ALTER TABLE runs ADD COLUMN owner_token TEXT;
ALTER TABLE runs ADD COLUMN lease_until INTEGER;
-- Set by a cancel from another process; the owner reads it at its next heartbeat and stops.
ALTER TABLE runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
