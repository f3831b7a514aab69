-- Schema version 8: a device's progress history is kept in chunks. The reports
-- a device sent within one commit are one row, linked to the device's previous
-- chunk; progress_heads points at each device's newest chunk. Under load a
-- commit then writes one row per device and a few dense head pages, where a row
-- and an index entry per report dirtied a page of the per-device index for
-- every device in every commit (bench/store_cost: ~6 us of ~8 us per report).

CREATE TABLE progress_chunks (
  id      INTEGER PRIMARY KEY,
  product TEXT    NOT NULL,
  device  TEXT    NOT NULL,
  prev_id INTEGER,            -- the device's previous chunk; NULL for its first
  n       INTEGER NOT NULL,   -- reports in this chunk
  reports TEXT    NOT NULL    -- JSON array, oldest first, of
                              -- {"messageId","type","version","progress","desc"?,"at"}
);

CREATE TABLE progress_heads (
  product TEXT    NOT NULL,
  device  TEXT    NOT NULL,
  last_id INTEGER NOT NULL,   -- the device's newest chunk
  PRIMARY KEY (product, device)
) WITHOUT ROWID;

-- Each report kept so far becomes a chunk of its own.
INSERT INTO progress_chunks (id, product, device, prev_id, n, reports)
  SELECT id, product, device, LAG(id) OVER (PARTITION BY product, device ORDER BY id), 1,
         json_array(json_object('messageId', message_id, 'type', type, 'version', version,
                                'progress', progress, 'desc', desc, 'at', at))
  FROM progress_reports;
INSERT INTO progress_heads (product, device, last_id)
  SELECT product, device, MAX(id) FROM progress_reports GROUP BY product, device;
DROP TABLE progress_reports;
