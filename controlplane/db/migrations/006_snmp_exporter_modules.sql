-- 006_snmp_exporter_modules.sql - the modules of snmp_exporter's snmp.yml
-- that a device runs (argos --snmp-exporter-config, docs/snmp-exporter.md).
--
--   snmp_exporter_module  module names, comma-separated; '' (the default):
--                         the device's profile, as before
--   snmp_exporter_auth    an entry of the file's auths:; '': the device's
--                         own snmp_version and snmp_community
--
-- Adding a column with a constant default rewrites nothing (Postgres 11
-- and later); the CHECKs read the table once.  A claim returns both
-- columns: an edit takes effect at the device's next poll.

ALTER TABLE devices
	ADD COLUMN snmp_exporter_module text NOT NULL DEFAULT ''
		CHECK (length(snmp_exporter_module) < 512),
	ADD COLUMN snmp_exporter_auth text NOT NULL DEFAULT ''
		CHECK (length(snmp_exporter_auth) < 128);
