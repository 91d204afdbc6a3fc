-- 005_agents.sql - agents that bend the rules, and what argos learns of
-- each device's agent (docs/argos-db.md, docs/argos.1.md "AGENTS THAT
-- BEND THE RULES").
--
-- The operator's columns, each off by default: a leniency weakens a
-- check that protects argos from a broken or hostile agent, so it is
-- opted into per device.  horus's snmp_disable_bulk and
-- snmp_alternate_community (001) now take effect too.
--   snmp_allow_other_source        take replies from another address
--                                  (agents behind VRRP, or answering
--                                  from a loopback)
--   snmp_allow_nonincreasing_oids  as snmp_exporter's
--                                  allow_nonincreasing_oids, with a loop
--                                  guard
--   snmp_walk_past_exceptions      endOfMibView, noSuchObject or
--                                  noSuchInstance inside a walk reply
--                                  does not end the walk
--
-- The appliances' columns, written back with each SNMP result:
--   snmp_learnt_max_repetitions    the GETBULK max-repetitions the next
--                                  poll starts from (NULL: not learnt,
--                                  snmp_max_repetitions is used); never
--                                  above snmp_max_repetitions
--   snmp_alternate_in_use          snmp_alternate_community answered the
--                                  last poll: it is tried first
--
-- Adding columns with constant defaults rewrites nothing (Postgres 11+);
-- no index covers them, so claims stay HOT updates (004).

ALTER TABLE devices
	ADD COLUMN snmp_allow_other_source boolean NOT NULL DEFAULT false,
	ADD COLUMN snmp_allow_nonincreasing_oids boolean NOT NULL DEFAULT false,
	ADD COLUMN snmp_walk_past_exceptions boolean NOT NULL DEFAULT false,
	ADD COLUMN snmp_learnt_max_repetitions integer
		CHECK (snmp_learnt_max_repetitions BETWEEN 1 AND 1000),
	ADD COLUMN snmp_alternate_in_use boolean NOT NULL DEFAULT false;

-- A new ceiling or a new alternate starts the learning over.  Fires only
-- when an operator's statement sets these columns: never on claims or
-- write-backs.
CREATE FUNCTION argos_devices_relearn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.snmp_max_repetitions IS DISTINCT FROM OLD.snmp_max_repetitions THEN
		NEW.snmp_learnt_max_repetitions := NULL;
	END IF;
	IF NEW.snmp_alternate_community IS DISTINCT FROM OLD.snmp_alternate_community
	   OR NEW.snmp_community IS DISTINCT FROM OLD.snmp_community THEN
		NEW.snmp_alternate_in_use := false;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER devices_relearn BEFORE UPDATE OF snmp_max_repetitions, snmp_community,
	snmp_alternate_community ON devices
	FOR EACH ROW EXECUTE FUNCTION argos_devices_relearn();

-- The appliances hear of changes to the new operator's columns too (003).
DROP TRIGGER devices_notify_update ON devices;
CREATE TRIGGER devices_notify_update AFTER UPDATE OF active, hostname, ip_address, profile_id,
	tags, snmp_version, snmp_community, snmp_alternate_community, snmp_port, snmp_timeout,
	snmp_retries, snmp_max_repetitions, snmp_disable_bulk, snmp_allow_other_source,
	snmp_allow_nonincreasing_oids, snmp_walk_past_exceptions, polling_frequency,
	ping_frequency, priority, poller_group ON devices
	FOR EACH ROW EXECUTE FUNCTION argos_notify_device_row();
