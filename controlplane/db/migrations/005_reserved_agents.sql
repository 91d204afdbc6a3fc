-- 005_reserved_agents.sql - a placeholder that keeps the versions without
-- a gap on the branch of the snmp_exporter modules (006).  Version 005
-- belongs to the agents branch (learnt max-repetitions, opt-in columns):
-- when both are merged, its 005 replaces this file, which does nothing.
SELECT 1;
