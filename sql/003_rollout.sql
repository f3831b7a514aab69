-- Schema version 3: rollout controls of a job.

ALTER TABLE jobs ADD COLUMN max_per_minute INTEGER;         -- first sends per minute, NULL: no limit
ALTER TABLE jobs ADD COLUMN next_send_at INTEGER;           -- unix ms of the next first-send slot
ALTER TABLE jobs ADD COLUMN abort_failure_percent REAL;     -- abort when failed + timed_out pass this share
ALTER TABLE jobs ADD COLUMN abort_min_finished INTEGER;     -- ... of at least this many finished executions
ALTER TABLE jobs ADD COLUMN dynamic INTEGER NOT NULL DEFAULT 0;  -- devices reporting a matching status join
