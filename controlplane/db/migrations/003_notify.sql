-- 003_notify.sql - LISTEN/NOTIFY: appliances hear of device and profile
-- changes within a second.
--
--   argos_devices   payload 'changed:<id>' or 'deleted:<id>', or
--                   'bulk' when one statement touched more than 100 rows
--   argos_profiles  payload the table changed (profiles, metrics, ...)
--   argos_poll_now  sent by operators: NOTIFY argos_poll_now, '<id>'
--
-- Updates fire only for the columns an operator edits, so the
-- appliances' own write-back (is_polling, last_polled_at, ...) never
-- notifies.

CREATE FUNCTION argos_notify_device_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('argos_devices', 'changed:' || NEW.id);
	RETURN NULL;
END $$;

CREATE TRIGGER devices_notify_update AFTER UPDATE OF active, hostname, ip_address, profile_id,
	tags, snmp_version, snmp_community, snmp_alternate_community, snmp_port, snmp_timeout,
	snmp_retries, snmp_max_repetitions, snmp_disable_bulk, polling_frequency, ping_frequency,
	priority, poller_group ON devices
	FOR EACH ROW EXECUTE FUNCTION argos_notify_device_row();

CREATE FUNCTION argos_notify_device_set() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
	op text := CASE TG_OP WHEN 'INSERT' THEN 'changed:' ELSE 'deleted:' END;
	r record;
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT count(*) INTO n FROM new_rows;
	ELSE
		SELECT count(*) INTO n FROM old_rows;
	END IF;
	IF n > 100 THEN
		PERFORM pg_notify('argos_devices', 'bulk');
	ELSIF TG_OP = 'INSERT' THEN
		FOR r IN SELECT id FROM new_rows LOOP
			PERFORM pg_notify('argos_devices', op || r.id);
		END LOOP;
	ELSE
		FOR r IN SELECT id FROM old_rows LOOP
			PERFORM pg_notify('argos_devices', op || r.id);
		END LOOP;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER devices_notify_insert AFTER INSERT ON devices
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION argos_notify_device_set();
CREATE TRIGGER devices_notify_delete AFTER DELETE ON devices
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION argos_notify_device_set();

CREATE FUNCTION argos_notify_profile() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('argos_profiles', TG_TABLE_NAME);
	RETURN NULL;
END $$;

CREATE TRIGGER profiles_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON profiles
	FOR EACH STATEMENT EXECUTE FUNCTION argos_notify_profile();
CREATE TRIGGER metrics_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON metrics
	FOR EACH STATEMENT EXECUTE FUNCTION argos_notify_profile();
CREATE TRIGGER measures_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON measures
	FOR EACH STATEMENT EXECUTE FUNCTION argos_notify_profile();
CREATE TRIGGER measure_metrics_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON measure_metrics
	FOR EACH STATEMENT EXECUTE FUNCTION argos_notify_profile();
CREATE TRIGGER profile_measures_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON profile_measures
	FOR EACH STATEMENT EXECUTE FUNCTION argos_notify_profile();
