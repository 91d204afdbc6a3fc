-- 008_ownership.sql - own mode (--db-mode own, docs/argos-db.md): the
-- appliances of a poller group share its devices by bucket, a device's
-- bucket being devices.id % 1024.  An appliance holds its buckets under
-- one lease, its row's lease_until, which it renews every second with
-- its heartbeat: one row written a second, whatever it holds.  A bucket
-- whose owner's lease has passed may be taken by any appliance of the
-- group.  The owner loads its buckets' devices once and schedules their
-- polls itself; nothing is written per poll.

ALTER TABLE appliances ADD COLUMN lease_until timestamptz;

CREATE TABLE device_buckets (
	poller_group text NOT NULL,
	bucket       integer NOT NULL CHECK (bucket BETWEEN 0 AND 1023),
	owner        text,              -- appliances.name; NULL: free
	taken_at     timestamptz,
	PRIMARY KEY (poller_group, bucket)
);

-- The owner reads its buckets' devices with this, a few buckets a statement.
CREATE INDEX devices_bucket ON devices (poller_group, ((id % 1024)::int)) WHERE active;
