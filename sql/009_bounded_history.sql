-- Schema version 9: bounded history (SPEC "Hostile input, overload and
-- faults": each device keeps its last progress_history progress reports, each
-- execution its last 1,000 history entries; work per report stays constant).

-- Progress. A device's chain of chunks loses its oldest entries as new ones
-- arrive: whole chunks are deleted off the tail, the oldest remaining one is
-- rewritten. An entry is a whole report, or only its message id once the
-- report is past progress_history (the newest 1,000 ids serve duplicate
-- detection after a restart). The limit is an option, so it is applied as
-- reports arrive, not here. progress_heads counts what each device keeps and
-- points at the tail; a chunk's successor is found through its prev_id.
ALTER TABLE progress_heads ADD COLUMN first_id INTEGER;        -- the device's oldest chunk
ALTER TABLE progress_heads ADD COLUMN first_whole_id INTEGER;  -- its oldest chunk holding a whole report
ALTER TABLE progress_heads ADD COLUMN n_reports INTEGER NOT NULL DEFAULT 0;  -- whole reports kept
ALTER TABLE progress_heads ADD COLUMN n_entries INTEGER NOT NULL DEFAULT 0;  -- entries kept, ids only included

-- Until now nothing was deleted: every entry is a whole report, and chunk ids
-- grow along each device's chain.
UPDATE progress_heads
  SET first_id = c.first_id, first_whole_id = c.first_id, n_reports = c.n, n_entries = c.n
  FROM (SELECT product, device, MIN(id) AS first_id, SUM(n) AS n FROM progress_chunks GROUP BY product, device) AS c
  WHERE c.product = progress_heads.product AND c.device = progress_heads.device;
CREATE INDEX progress_chunks_by_prev ON progress_chunks (prev_id);

-- Execution history: the newest 1,000 entries of each execution stay; the
-- count kept makes the trimming of each new entry one indexed delete.
ALTER TABLE executions ADD COLUMN history_kept INTEGER NOT NULL DEFAULT 0;
DELETE FROM execution_history WHERE id IN
  (SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY execution_id ORDER BY id DESC) AS newer
                   FROM execution_history)
   WHERE newer > 1000);
UPDATE executions SET history_kept = h.n
  FROM (SELECT execution_id, COUNT(*) AS n FROM execution_history GROUP BY execution_id) AS h
  WHERE h.execution_id = executions.id;
