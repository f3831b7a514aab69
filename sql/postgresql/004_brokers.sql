-- Schema version 4 (PostgreSQL): several brokers on one database
-- (store/cluster.h). Times are the server's clock in unix ms, so that the
-- brokers' own clocks need not agree.

CREATE TABLE brokers (
  id           text   COLLATE "C" PRIMARY KEY,
  heartbeat_at bigint NOT NULL,
  outbox_seq   bigint NOT NULL DEFAULT 0   -- the outbox read up to here
);

-- Events a broker relays to the leader, applied and removed in one transaction.
CREATE TABLE cluster_inbox (
  seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  broker text   COLLATE "C" NOT NULL,
  body   bytea  NOT NULL
);

-- What the leader decided, for one broker (broker set) or for all (NULL). Only
-- the leader writes it, one transaction at a time, so seq is commit order.
CREATE TABLE cluster_outbox (
  seq    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  broker text   COLLATE "C",
  body   bytea  NOT NULL
);

-- The device sessions each broker holds, as the leader applied them: a new
-- leader knows who is online from here.
CREATE TABLE cluster_sessions (
  broker    text   COLLATE "C" NOT NULL,
  conn      bigint NOT NULL,
  product   text   COLLATE "C" NOT NULL,
  device    text   COLLATE "C" NOT NULL,
  client_id text   NOT NULL,
  PRIMARY KEY (broker, conn)
);
