-- Schema version 1 (PostgreSQL): devices, their latest status and its string
-- members, and each device's progress reports. Names compare byte by byte
-- (COLLATE "C"), as in SQLite: pages of devices are cut at a name.

CREATE TABLE devices (
  product           text   COLLATE "C" NOT NULL,
  device            text   COLLATE "C" NOT NULL,
  status            text   NOT NULL,   -- the whole status object, as the device sent it
  status_at         bigint NOT NULL,   -- unix ms when it arrived
  status_message_id text,              -- a status repeated with this id is not applied again
  PRIMARY KEY (product, device)
);

-- One row per string member of a device's status, so that "devices of a product
-- at version V of key K" is an index range, not a scan.
CREATE TABLE device_versions (
  product     text COLLATE "C" NOT NULL,
  device      text COLLATE "C" NOT NULL,
  version_key text COLLATE "C" NOT NULL,
  version     text COLLATE "C" NOT NULL,
  PRIMARY KEY (product, device, version_key)
);
CREATE INDEX device_versions_by_version ON device_versions (product, version_key, version, device);

-- A device's progress reports, one row each. The newest progress_history of
-- them are whole; older ones keep only their message id (duplicate detection
-- after a restart) until they are past the newest 1,000 too.
CREATE TABLE progress_reports (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product     text    COLLATE "C" NOT NULL,
  device      text    COLLATE "C" NOT NULL,
  message_id  text    NOT NULL,
  whole       boolean NOT NULL,
  type        text,
  version     text,
  progress    integer,
  description text,
  at          bigint
);
CREATE INDEX progress_reports_by_device ON progress_reports (product, device, id);
CREATE INDEX progress_reports_whole ON progress_reports (product, device, id) WHERE whole;

-- What each device keeps, so that trimming its oldest entries is one indexed
-- statement per report, not a count.
CREATE TABLE progress_heads (
  product   text   COLLATE "C" NOT NULL,
  device    text   COLLATE "C" NOT NULL,
  n_reports bigint NOT NULL,   -- whole reports kept
  n_entries bigint NOT NULL,   -- entries kept, ids only included
  PRIMARY KEY (product, device)
);
