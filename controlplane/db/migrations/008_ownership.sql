-- 008_ownership.sql - own mode (--db-mode own, docs/argos-db.md): the
-- appliances of a poller group share its devices by bucket, a device's
-- bucket being devices.id % 1024, each bucket held under a lease its
-- owner renews every second.  The owner loads its buckets' devices once
-- and schedules their polls itself; nothing is written per poll.

CREATE TABLE device_buckets (
	poller_group text NOT NULL,
	bucket       integer NOT NULL CHECK (bucket BETWEEN 0 AND 1023),
	owner        text,              -- appliances.name, NULL: free
	lease_until  timestamptz,       -- past: the owner is gone, anyone may take it
	PRIMARY KEY (poller_group, bucket)
);

-- The owner reads its buckets' devices with this, a few buckets a statement.
CREATE INDEX devices_bucket ON devices (poller_group, ((id % 1024)::int)) WHERE active;
