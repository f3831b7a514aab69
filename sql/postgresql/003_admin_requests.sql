-- Schema version 3 (PostgreSQL): QoS 2 admin requests that changed state, so
-- that a retransmission runs once: the key is the SHA-256 of the client id,
-- the payload and the correlation data.
CREATE TABLE admin_requests (
  key      text   COLLATE "C" PRIMARY KEY,
  response text   NOT NULL,
  at       bigint NOT NULL
);
CREATE INDEX admin_requests_at ON admin_requests (at);
