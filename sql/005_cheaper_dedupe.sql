-- Schema version 5: duplicates are recognised without a table of their own.
-- A progress report's id is unique per device in the history itself; a
-- status's id is kept with the status. (Recent ids of both kinds are also
-- remembered in memory by the plugin.)

DELETE FROM progress_reports WHERE id NOT IN
  (SELECT MIN(id) FROM progress_reports GROUP BY product, device, message_id);
CREATE UNIQUE INDEX progress_reports_by_message ON progress_reports (product, device, message_id);
ALTER TABLE devices ADD COLUMN status_message_id TEXT;
DROP TABLE seen_messages;
