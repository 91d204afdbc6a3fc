-- 004_hot_claim.sql - make a claim a HOT update: the claim writes only
-- columns that no index covers and no index predicate reads, on a page
-- that keeps room for the new row version, so Postgres neither moves
-- the row nor touches an index (docs/argos-db.md, "The claim").
--
-- Why each step:
--  * The claim indexes of 001 had "NOT is_polling" in their predicate
--    and the lease indexes indexed claim_until WHERE is_polling: every
--    claim and every release changed an indexed column, so no claim
--    could be HOT.  The due indexes below leave the lease columns out;
--    the claim skips held devices by reading is_polling from the row,
--    and the unlocker (every --device-unlock-freq, 600 s by default)
--    reads the whole table instead of an index.
--  * fillfactor 40: devices that share a page are usually due together
--    (loaded together, same frequency), so one claim round updates every
--    row of a page at once, and each new version is a little longer
--    than the old (the owner and lease end were null).  At 50 the last
--    row or two of a full page found no room; 40 leaves room for a new
--    version of every row.
--  * labels: the tags as the claim hands them to the dataplane
--    (key 0x1f value, pairs separated by 0x1e), kept by a trigger when
--    tags change.  Computing them in the claim's RETURNING cost a
--    subquery per claimed row.  A stored generated column would not do:
--    with a BEFORE UPDATE trigger on the table (devices_due), Postgres
--    recomputes it on every update, claims included.
--
-- The ALTER COLUMN ... USING rewrites the table once (the new
-- fillfactor applies to every existing page): it holds an exclusive
-- lock on devices for that time, about half a minute per million rows.

DROP INDEX devices_snmp_claim, devices_ping_claim, devices_snmp_lease, devices_ping_lease;

CREATE FUNCTION argos_labels(tags jsonb) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT coalesce((SELECT string_agg(translate(key, E'\x1e\x1f', '  ') || E'\x1f' ||
	translate(value, E'\x1e\x1f', '  '), E'\x1e') FROM jsonb_each_text(tags)), '') $$;

ALTER TABLE devices SET (fillfactor = 40);
ALTER TABLE devices ADD COLUMN labels text NOT NULL DEFAULT '';
ALTER TABLE devices ALTER COLUMN labels TYPE text USING argos_labels(tags);

-- Fires only when a statement sets tags or labels: claims and
-- write-backs never run it.
CREATE FUNCTION argos_devices_labels() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.labels := argos_labels(NEW.tags);
	RETURN NEW;
END $$;
CREATE TRIGGER devices_labels BEFORE INSERT OR UPDATE OF tags, labels ON devices
	FOR EACH ROW EXECUTE FUNCTION argos_devices_labels();

-- The claims walk these in due order and stop at the limit; the devices
-- held (is_polling) stay in them and are skipped by the claim's filter.
CREATE INDEX devices_snmp_due ON devices (poller_group, argos_rank(snmp_due_at, priority))
	WHERE active AND polling_frequency > 0;
CREATE INDEX devices_ping_due ON devices (poller_group, argos_rank(ping_due_at, priority))
	WHERE active AND ping_frequency > 0;
