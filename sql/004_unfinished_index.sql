-- Schema version 4: finds a product's unfinished executions of a type (the
-- "busy" devices of createUpgrade) without reading its finished ones.

CREATE INDEX executions_unfinished ON executions (product, type, device)
  WHERE state IN ('queued', 'sent', 'downloading', 'installing');
