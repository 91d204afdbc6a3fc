-- 002_if_mib_profile.sql - the default profile, equal to argos's built-in
-- if-mib (controlplane/config.c): it walks system, ifTable and ifXTable.
-- Metric names are snmp_exporter's if_mib names.  Devices use profile 1
-- unless told otherwise.
--
-- index_pattern is a regular expression matched against the OID arcs
-- that follow the metric's own OID; its first group is the row index
-- ('^(\d+)$': the last arc is ifIndex).

INSERT INTO profiles (id, name, category, description)
VALUES (1, 'if-mib', 'default', 'system, ifTable and ifXTable, as argos''s built-in profile');
SELECT setval(pg_get_serial_sequence('profiles', 'id'), (SELECT max(id) FROM profiles));

INSERT INTO measures (name, description, is_indexed, walk_oid) VALUES
	('system', 'the system group', false, '1.3.6.1.2.1.1'),
	('ifTable', 'IF-MIB ifTable', true, '1.3.6.1.2.1.2.2.1'),
	('ifXTable', 'IF-MIB ifXTable', true, '1.3.6.1.2.1.31.1.1.1');

INSERT INTO metrics (name, oid, export_as_label, index_pattern) VALUES
	('sysDescr', '1.3.6.1.2.1.1.1.0', true, ''),
	('sysUpTime', '1.3.6.1.2.1.1.3.0', false, ''),
	('sysName', '1.3.6.1.2.1.1.5.0', true, ''),
	('ifIndex', '1.3.6.1.2.1.2.2.1.1', false, '^(\d+)$'),
	('ifDescr', '1.3.6.1.2.1.2.2.1.2', true, '^(\d+)$'),
	('ifType', '1.3.6.1.2.1.2.2.1.3', false, '^(\d+)$'),
	('ifMtu', '1.3.6.1.2.1.2.2.1.4', false, '^(\d+)$'),
	('ifSpeed', '1.3.6.1.2.1.2.2.1.5', false, '^(\d+)$'),
	('ifPhysAddress', '1.3.6.1.2.1.2.2.1.6', false, '^(\d+)$'),
	('ifAdminStatus', '1.3.6.1.2.1.2.2.1.7', false, '^(\d+)$'),
	('ifOperStatus', '1.3.6.1.2.1.2.2.1.8', false, '^(\d+)$'),
	('ifLastChange', '1.3.6.1.2.1.2.2.1.9', false, '^(\d+)$'),
	('ifInOctets', '1.3.6.1.2.1.2.2.1.10', false, '^(\d+)$'),
	('ifInUcastPkts', '1.3.6.1.2.1.2.2.1.11', false, '^(\d+)$'),
	('ifInNUcastPkts', '1.3.6.1.2.1.2.2.1.12', false, '^(\d+)$'),
	('ifInDiscards', '1.3.6.1.2.1.2.2.1.13', false, '^(\d+)$'),
	('ifInErrors', '1.3.6.1.2.1.2.2.1.14', false, '^(\d+)$'),
	('ifInUnknownProtos', '1.3.6.1.2.1.2.2.1.15', false, '^(\d+)$'),
	('ifOutOctets', '1.3.6.1.2.1.2.2.1.16', false, '^(\d+)$'),
	('ifOutUcastPkts', '1.3.6.1.2.1.2.2.1.17', false, '^(\d+)$'),
	('ifOutNUcastPkts', '1.3.6.1.2.1.2.2.1.18', false, '^(\d+)$'),
	('ifOutDiscards', '1.3.6.1.2.1.2.2.1.19', false, '^(\d+)$'),
	('ifOutErrors', '1.3.6.1.2.1.2.2.1.20', false, '^(\d+)$'),
	('ifOutQLen', '1.3.6.1.2.1.2.2.1.21', false, '^(\d+)$'),
	('ifSpecific', '1.3.6.1.2.1.2.2.1.22', false, '^(\d+)$'),
	('ifName', '1.3.6.1.2.1.31.1.1.1.1', true, '^(\d+)$'),
	('ifInMulticastPkts', '1.3.6.1.2.1.31.1.1.1.2', false, '^(\d+)$'),
	('ifInBroadcastPkts', '1.3.6.1.2.1.31.1.1.1.3', false, '^(\d+)$'),
	('ifOutMulticastPkts', '1.3.6.1.2.1.31.1.1.1.4', false, '^(\d+)$'),
	('ifOutBroadcastPkts', '1.3.6.1.2.1.31.1.1.1.5', false, '^(\d+)$'),
	('ifHCInOctets', '1.3.6.1.2.1.31.1.1.1.6', false, '^(\d+)$'),
	('ifHCInUcastPkts', '1.3.6.1.2.1.31.1.1.1.7', false, '^(\d+)$'),
	('ifHCInMulticastPkts', '1.3.6.1.2.1.31.1.1.1.8', false, '^(\d+)$'),
	('ifHCInBroadcastPkts', '1.3.6.1.2.1.31.1.1.1.9', false, '^(\d+)$'),
	('ifHCOutOctets', '1.3.6.1.2.1.31.1.1.1.10', false, '^(\d+)$'),
	('ifHCOutUcastPkts', '1.3.6.1.2.1.31.1.1.1.11', false, '^(\d+)$'),
	('ifHCOutMulticastPkts', '1.3.6.1.2.1.31.1.1.1.12', false, '^(\d+)$'),
	('ifHCOutBroadcastPkts', '1.3.6.1.2.1.31.1.1.1.13', false, '^(\d+)$'),
	('ifLinkUpDownTrapEnable', '1.3.6.1.2.1.31.1.1.1.14', false, '^(\d+)$'),
	('ifHighSpeed', '1.3.6.1.2.1.31.1.1.1.15', false, '^(\d+)$'),
	('ifPromiscuousMode', '1.3.6.1.2.1.31.1.1.1.16', false, '^(\d+)$'),
	('ifConnectorPresent', '1.3.6.1.2.1.31.1.1.1.17', false, '^(\d+)$'),
	('ifAlias', '1.3.6.1.2.1.31.1.1.1.18', true, '^(\d+)$'),
	('ifCounterDiscontinuityTime', '1.3.6.1.2.1.31.1.1.1.19', false, '^(\d+)$');

INSERT INTO measure_metrics (measure_id, metric_id)
SELECT ms.id, mt.id FROM (VALUES
	('system', 'sysDescr'),
	('system', 'sysUpTime'),
	('system', 'sysName'),
	('ifTable', 'ifIndex'),
	('ifTable', 'ifDescr'),
	('ifTable', 'ifType'),
	('ifTable', 'ifMtu'),
	('ifTable', 'ifSpeed'),
	('ifTable', 'ifPhysAddress'),
	('ifTable', 'ifAdminStatus'),
	('ifTable', 'ifOperStatus'),
	('ifTable', 'ifLastChange'),
	('ifTable', 'ifInOctets'),
	('ifTable', 'ifInUcastPkts'),
	('ifTable', 'ifInNUcastPkts'),
	('ifTable', 'ifInDiscards'),
	('ifTable', 'ifInErrors'),
	('ifTable', 'ifInUnknownProtos'),
	('ifTable', 'ifOutOctets'),
	('ifTable', 'ifOutUcastPkts'),
	('ifTable', 'ifOutNUcastPkts'),
	('ifTable', 'ifOutDiscards'),
	('ifTable', 'ifOutErrors'),
	('ifTable', 'ifOutQLen'),
	('ifTable', 'ifSpecific'),
	('ifXTable', 'ifName'),
	('ifXTable', 'ifInMulticastPkts'),
	('ifXTable', 'ifInBroadcastPkts'),
	('ifXTable', 'ifOutMulticastPkts'),
	('ifXTable', 'ifOutBroadcastPkts'),
	('ifXTable', 'ifHCInOctets'),
	('ifXTable', 'ifHCInUcastPkts'),
	('ifXTable', 'ifHCInMulticastPkts'),
	('ifXTable', 'ifHCInBroadcastPkts'),
	('ifXTable', 'ifHCOutOctets'),
	('ifXTable', 'ifHCOutUcastPkts'),
	('ifXTable', 'ifHCOutMulticastPkts'),
	('ifXTable', 'ifHCOutBroadcastPkts'),
	('ifXTable', 'ifLinkUpDownTrapEnable'),
	('ifXTable', 'ifHighSpeed'),
	('ifXTable', 'ifPromiscuousMode'),
	('ifXTable', 'ifConnectorPresent'),
	('ifXTable', 'ifAlias'),
	('ifXTable', 'ifCounterDiscontinuityTime')
) AS v (measure, metric)
JOIN measures ms ON ms.name = v.measure
JOIN metrics mt ON mt.name = v.metric;

UPDATE measures SET index_metric_id = (SELECT id FROM metrics WHERE name = 'ifIndex')
WHERE name IN ('ifTable', 'ifXTable');

INSERT INTO profile_measures (profile_id, measure_id)
SELECT 1, id FROM measures WHERE name IN ('system', 'ifTable', 'ifXTable');
