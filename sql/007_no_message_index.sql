-- Schema version 7: progress ids are no longer indexed on their own. The plugin
-- remembers each device's recent ids in memory and, the first time it hears
-- from a device, reads its last ones from progress_reports_by_device; the extra
-- index cost a page write per device per commit.

DROP INDEX progress_reports_by_message;
