-- 007_snmpv3.sql - SNMPv3 devices (docs/argos-db.md, "Schema (migrations)"): horus's
-- snmpv3_* column names, net-snmp's protocol names.
--
--   snmp_version              '1', '2c', or now '3'
--   snmpv3_security_level     noAuthNoPriv, authNoPriv, authPriv (any case)
--   snmpv3_auth_user          the USM user, 1..32 bytes
--   snmpv3_auth_proto         MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512
--   snmpv3_auth_passwd        8..128 bytes
--   snmpv3_privacy_proto      DES, AES, AES-192, AES-256, AES-192-C, AES-256-C
--   snmpv3_privacy_passwd     8..128 bytes
--   snmpv3_context_name       0..32 bytes
--   snmpv3_context_engine_id  hex, 5..32 bytes; '': the agent's engine
--
-- The CHECKs bound the lengths only; argos judges the values (the same
-- rules as the devices file), refusing a bad row through the API and
-- reporting a row written by hand as bad-device at its claim.  The
-- passphrases never leave the database through the API.  Adding columns
-- with a constant default rewrites nothing.

ALTER TABLE devices
	DROP CONSTRAINT devices_snmp_version_check,
	ADD CONSTRAINT devices_snmp_version_check CHECK (snmp_version IN ('1', '2c', '3')),
	ADD COLUMN snmpv3_security_level text NOT NULL DEFAULT ''
		CHECK (length(snmpv3_security_level) <= 16),
	ADD COLUMN snmpv3_auth_user text NOT NULL DEFAULT ''
		CHECK (length(snmpv3_auth_user) <= 32),
	ADD COLUMN snmpv3_auth_proto text NOT NULL DEFAULT ''
		CHECK (length(snmpv3_auth_proto) <= 16),
	ADD COLUMN snmpv3_auth_passwd text NOT NULL DEFAULT ''
		CHECK (length(snmpv3_auth_passwd) <= 128),
	ADD COLUMN snmpv3_privacy_proto text NOT NULL DEFAULT ''
		CHECK (length(snmpv3_privacy_proto) <= 16),
	ADD COLUMN snmpv3_privacy_passwd text NOT NULL DEFAULT ''
		CHECK (length(snmpv3_privacy_passwd) <= 128),
	ADD COLUMN snmpv3_context_name text NOT NULL DEFAULT ''
		CHECK (length(snmpv3_context_name) <= 32),
	ADD COLUMN snmpv3_context_engine_id text NOT NULL DEFAULT ''
		CHECK (length(snmpv3_context_engine_id) <= 64);

-- The appliances hear of edits to these, and to the snmp_exporter
-- columns of 006, like the others (003, 005).
DROP TRIGGER devices_notify_update ON devices;
CREATE TRIGGER devices_notify_update AFTER UPDATE OF active, hostname, ip_address, profile_id,
	tags, snmp_version, snmp_community, snmp_alternate_community, snmp_port, snmp_timeout,
	snmp_retries, snmp_max_repetitions, snmp_disable_bulk, snmp_allow_other_source,
	snmp_allow_nonincreasing_oids, snmp_walk_past_exceptions, polling_frequency,
	ping_frequency, priority, poller_group, snmp_exporter_module, snmp_exporter_auth,
	snmpv3_security_level, snmpv3_auth_user, snmpv3_auth_proto, snmpv3_auth_passwd,
	snmpv3_privacy_proto, snmpv3_privacy_passwd, snmpv3_context_name,
	snmpv3_context_engine_id ON devices
	FOR EACH ROW EXECUTE FUNCTION argos_notify_device_row();
