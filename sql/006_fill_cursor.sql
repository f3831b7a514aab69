-- Schema version 6: a job over a whole product creates its executions a chunk
-- at a time; fill_cursor is the last device done ('' before the first chunk),
-- NULL once every device has been considered.

ALTER TABLE jobs ADD COLUMN fill_cursor TEXT;
