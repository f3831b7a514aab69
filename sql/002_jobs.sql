-- Schema version 2: upgrade jobs, their per-device executions and the history
-- of every execution.

CREATE TABLE jobs (
  id              TEXT    PRIMARY KEY,
  seq             INTEGER NOT NULL UNIQUE,     -- creation order, for paging newest first
  product         TEXT    NOT NULL,
  type            TEXT    NOT NULL,
  version         TEXT    NOT NULL,
  version_key     TEXT    NOT NULL,
  url             TEXT    NOT NULL,
  md5             TEXT    NOT NULL,
  size            INTEGER NOT NULL,
  sha256          TEXT,
  from_versions   TEXT,                        -- JSON array, or NULL for any version
  timeout_seconds INTEGER NOT NULL,
  expires_at      INTEGER,                     -- unix ms
  state           TEXT    NOT NULL,            -- in_progress, completed, canceled, aborted
  created_at      INTEGER NOT NULL,
  finished_at     INTEGER,
  -- Execution counts per state, kept up to date with every change.
  n_queued      INTEGER NOT NULL DEFAULT 0,
  n_sent        INTEGER NOT NULL DEFAULT 0,
  n_downloading INTEGER NOT NULL DEFAULT 0,
  n_installing  INTEGER NOT NULL DEFAULT 0,
  n_succeeded   INTEGER NOT NULL DEFAULT 0,
  n_failed      INTEGER NOT NULL DEFAULT 0,
  n_timed_out   INTEGER NOT NULL DEFAULT 0,
  n_canceled    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_product ON jobs (product, seq);
CREATE INDEX jobs_by_state ON jobs (state, seq);
CREATE INDEX jobs_expiring ON jobs (expires_at) WHERE state = 'in_progress' AND expires_at IS NOT NULL;

CREATE TABLE executions (
  id             INTEGER PRIMARY KEY,
  job_id         TEXT    NOT NULL REFERENCES jobs (id),
  product        TEXT    NOT NULL,
  device         TEXT    NOT NULL,
  type           TEXT    NOT NULL,            -- copied from the job: matched by progress reports
  version        TEXT    NOT NULL,
  version_key    TEXT    NOT NULL,
  request_id     TEXT    NOT NULL,            -- the command's id, the same on every re-send
  state          TEXT    NOT NULL,
  reason         TEXT,
  progress       INTEGER,
  desc           TEXT,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  first_sent_at  INTEGER,
  last_sent_at   INTEGER,
  resends        INTEGER NOT NULL DEFAULT 0,
  deadline_at    INTEGER,                     -- timeout; NULL once final
  next_resend_at INTEGER,                     -- set while 'sent' and re-sends remain
  UNIQUE (job_id, device)
);
CREATE INDEX executions_by_device ON executions (product, device, id);
CREATE INDEX executions_by_job_state ON executions (job_id, state, device);
CREATE INDEX executions_deadline ON executions (deadline_at) WHERE deadline_at IS NOT NULL;
CREATE INDEX executions_resend ON executions (next_resend_at) WHERE next_resend_at IS NOT NULL;

CREATE TABLE execution_history (
  id           INTEGER PRIMARY KEY,
  execution_id INTEGER NOT NULL REFERENCES executions (id),
  at           INTEGER NOT NULL,
  event        TEXT    NOT NULL,              -- 'state' (a state change) or 'progress' (a report)
  state        TEXT    NOT NULL,
  progress     INTEGER,
  reason       TEXT,
  desc         TEXT
);
CREATE INDEX execution_history_by_execution ON execution_history (execution_id, id);
