-- QoS 2 admin requests that changed state, so that a retransmission runs once:
-- the key is the SHA-256 of the client id, the payload and the correlation data.
CREATE TABLE admin_requests (
  key TEXT PRIMARY KEY,
  response TEXT NOT NULL,
  at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX admin_requests_at ON admin_requests(at);
