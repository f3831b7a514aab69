-- Schema version 1: devices, their latest status, progress history and the
-- message ids already applied (for QoS 1 duplicates).

CREATE TABLE devices (
  product    TEXT    NOT NULL,
  device     TEXT    NOT NULL,
  status     TEXT    NOT NULL,   -- the whole status object, as the device sent it
  status_at  INTEGER NOT NULL,   -- unix ms when it arrived
  PRIMARY KEY (product, device)
) WITHOUT ROWID;

-- One row per string member of a device's status, so that "devices of a product
-- at version V of key K" is an index range, not a scan.
CREATE TABLE device_versions (
  product     TEXT NOT NULL,
  device      TEXT NOT NULL,
  version_key TEXT NOT NULL,
  version     TEXT NOT NULL,
  PRIMARY KEY (product, device, version_key)
) WITHOUT ROWID;
CREATE INDEX device_versions_by_version
  ON device_versions (product, version_key, version, device);

CREATE TABLE progress_reports (
  id         INTEGER PRIMARY KEY,
  product    TEXT    NOT NULL,
  device     TEXT    NOT NULL,
  message_id TEXT    NOT NULL,
  type       TEXT    NOT NULL,
  version    TEXT    NOT NULL,
  progress   INTEGER NOT NULL,
  desc       TEXT,
  at         INTEGER NOT NULL
);
CREATE INDEX progress_reports_by_device ON progress_reports (product, device, id);

-- Message ids a device has sent, newest kept per device (at least 1000).
CREATE TABLE seen_messages (
  product    TEXT    NOT NULL,
  device     TEXT    NOT NULL,
  message_id TEXT    NOT NULL,
  seq        INTEGER NOT NULL,
  PRIMARY KEY (product, device, message_id)
) WITHOUT ROWID;
CREATE INDEX seen_messages_by_seq ON seen_messages (product, device, seq);
