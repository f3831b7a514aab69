-- Schema version 2 (PostgreSQL): upgrade jobs, their per-device executions and
-- the history of every execution.

CREATE TABLE jobs (
  id                    text    COLLATE "C" PRIMARY KEY,
  -- Creation order, for paging newest first. A sequence, not MAX + 1: several
  -- brokers may insert jobs at once.
  seq                   bigint  GENERATED ALWAYS AS IDENTITY UNIQUE,
  product               text    COLLATE "C" NOT NULL,
  type                  text    NOT NULL,
  version               text    NOT NULL,
  version_key           text    NOT NULL,
  url                   text    NOT NULL,
  md5                   text    NOT NULL,
  size                  bigint  NOT NULL,
  sha256                text,
  image_signature       text,                -- the vendor's, base64
  from_versions         text[],              -- NULL for any version
  timeout_seconds       bigint  NOT NULL,
  expires_at            bigint,              -- unix ms
  state                 text    NOT NULL,    -- in_progress, completed, canceled, aborted
  created_at            bigint  NOT NULL,
  finished_at           bigint,
  max_per_minute        bigint,              -- first sends per minute, NULL: no limit
  next_send_at          bigint,              -- unix ms of the next first-send slot
  abort_failure_percent double precision,    -- abort when failed + timed_out pass this share
  abort_min_finished    bigint,              -- ... of at least this many finished executions
  dynamic               boolean NOT NULL DEFAULT false,  -- devices reporting a matching status join
  fill_cursor           text    COLLATE "C", -- last device considered; NULL once all were
  -- Execution counts per state, kept up to date with every change.
  n_queued      bigint NOT NULL DEFAULT 0,
  n_sent        bigint NOT NULL DEFAULT 0,
  n_downloading bigint NOT NULL DEFAULT 0,
  n_installing  bigint NOT NULL DEFAULT 0,
  n_succeeded   bigint NOT NULL DEFAULT 0,
  n_failed      bigint NOT NULL DEFAULT 0,
  n_timed_out   bigint NOT NULL DEFAULT 0,
  n_canceled    bigint NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_product ON jobs (product, seq);
CREATE INDEX jobs_by_state ON jobs (state, seq);
CREATE INDEX jobs_expiring ON jobs (expires_at) WHERE state = 'in_progress' AND expires_at IS NOT NULL;

CREATE TABLE executions (
  id             bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id         text    COLLATE "C" NOT NULL REFERENCES jobs (id),
  product        text    COLLATE "C" NOT NULL,
  device         text    COLLATE "C" NOT NULL,
  type           text    NOT NULL,            -- copied from the job: matched by progress reports
  version        text    NOT NULL,
  version_key    text    NOT NULL,
  request_id     text    NOT NULL,            -- the command's id, the same on every re-send
  state          text    NOT NULL,
  reason         text,
  progress       integer,
  description    text,
  created_at     bigint  NOT NULL,
  updated_at     bigint  NOT NULL,
  first_sent_at  bigint,
  last_sent_at   bigint,
  resends        integer NOT NULL DEFAULT 0,
  deadline_at    bigint,                      -- timeout; NULL once final
  next_resend_at bigint,                      -- set while 'sent' and re-sends remain
  history_kept   bigint  NOT NULL DEFAULT 0,  -- entries in execution_history, trimmed to 1,000
  UNIQUE (job_id, device)
);
CREATE INDEX executions_by_device ON executions (product, device, id);
CREATE INDEX executions_by_job_state ON executions (job_id, state, device);
CREATE INDEX executions_deadline ON executions (deadline_at) WHERE deadline_at IS NOT NULL;
CREATE INDEX executions_resend ON executions (next_resend_at) WHERE next_resend_at IS NOT NULL;
-- A product's unfinished executions of a type: the "busy" devices of createUpgrade.
CREATE INDEX executions_unfinished ON executions (product, type, device)
  WHERE state IN ('queued', 'sent', 'downloading', 'installing');

CREATE TABLE execution_history (
  id           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  execution_id bigint  NOT NULL REFERENCES executions (id),
  at           bigint  NOT NULL,
  event        text    NOT NULL,              -- 'state' (a state change) or 'progress' (a report)
  state        text    NOT NULL,
  progress     integer,
  reason       text,
  description  text
);
CREATE INDEX execution_history_by_execution ON execution_history (execution_id, id);
