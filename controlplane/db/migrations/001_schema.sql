-- 001_schema.sql - the argos tables: devices, profiles (as horus),
-- reports and appliances.  Table and column names follow horus; the
-- claim lease, the due times and last_poll_ok are argos's additions.

-- The claim order key: a device's due time moved earlier by 60 s per
-- priority level, so a higher priority goes first but a low priority
-- device wins once it is late enough (docs/argos-db.md).  IMMUTABLE is
-- true here: an interval of whole seconds added to a timestamptz does
-- not depend on the time zone.  It lets the claim use an index.
CREATE FUNCTION argos_rank(due timestamptz, priority integer)
RETURNS timestamptz LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT due - priority * interval '60 seconds' $$;

CREATE TABLE profiles (
	id          serial PRIMARY KEY,
	name        text NOT NULL UNIQUE,
	category    text NOT NULL DEFAULT '',
	vendor      text NOT NULL DEFAULT '',
	model       text NOT NULL DEFAULT '',
	version     text NOT NULL DEFAULT '',
	description text NOT NULL DEFAULT ''
);

CREATE TABLE metrics (
	id              serial PRIMARY KEY,
	name            text NOT NULL UNIQUE,
	oid             text NOT NULL CHECK (oid ~ '^\.?[0-9]+(\.[0-9]+)+$'),
	description     text NOT NULL DEFAULT '',
	active          boolean NOT NULL DEFAULT true,
	export_as_label boolean NOT NULL DEFAULT false,
	index_pattern   text NOT NULL DEFAULT '',
	post_processors text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE measures (
	id              serial PRIMARY KEY,
	name            text NOT NULL UNIQUE,
	description     text NOT NULL DEFAULT '',
	is_indexed      boolean NOT NULL DEFAULT false,
	index_metric_id integer REFERENCES metrics (id) ON DELETE SET NULL,
	-- argos: the subtree walked for this measure; NULL: each metric's
	-- OID is fetched on its own (GET for .0, else a walk).
	walk_oid        text CHECK (walk_oid ~ '^\.?[0-9]+(\.[0-9]+)+$')
);

CREATE TABLE measure_metrics (
	measure_id integer NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
	metric_id  integer NOT NULL REFERENCES metrics (id) ON DELETE CASCADE,
	PRIMARY KEY (measure_id, metric_id)
);

CREATE TABLE profile_measures (
	profile_id integer NOT NULL REFERENCES profiles (id) ON DELETE CASCADE,
	measure_id integer NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
	PRIMARY KEY (profile_id, measure_id)
);

CREATE TABLE devices (
	id                       bigserial PRIMARY KEY,
	active                   boolean NOT NULL DEFAULT true,
	hostname                 text NOT NULL CHECK (length(hostname) BETWEEN 1 AND 255),
	ip_address               inet NOT NULL CHECK (family(ip_address) = 4 AND masklen(ip_address) = 32),
	profile_id               integer NOT NULL DEFAULT 1 REFERENCES profiles (id),
	tags                     jsonb NOT NULL DEFAULT '{}'
	                         CHECK (jsonb_typeof(tags) = 'object' AND length(tags::text) <= 400),
	snmp_version             text NOT NULL DEFAULT '2c' CHECK (snmp_version IN ('1', '2c')),
	snmp_community           text NOT NULL DEFAULT 'public' CHECK (length(snmp_community) <= 63),
	snmp_alternate_community text NOT NULL DEFAULT '' CHECK (length(snmp_alternate_community) <= 63),
	snmp_port                integer NOT NULL DEFAULT 161 CHECK (snmp_port BETWEEN 1 AND 65535),
	snmp_timeout             integer NOT NULL DEFAULT 2 CHECK (snmp_timeout BETWEEN 1 AND 60),
	snmp_retries             integer NOT NULL DEFAULT 1 CHECK (snmp_retries BETWEEN 0 AND 10),
	snmp_max_repetitions     integer NOT NULL DEFAULT 25 CHECK (snmp_max_repetitions BETWEEN 1 AND 1000),
	snmp_disable_bulk        boolean NOT NULL DEFAULT false,
	polling_frequency        integer NOT NULL DEFAULT 300 CHECK (polling_frequency >= 0),
	ping_frequency           integer NOT NULL DEFAULT 0 CHECK (ping_frequency >= 0),
	priority                 integer NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 1000),
	poller_group             text NOT NULL DEFAULT 'default',
	-- state written by the appliances, never by hand
	is_polling               boolean NOT NULL DEFAULT false,
	last_polled_at           timestamptz,
	last_poll_ok             boolean,
	snmp_due_at              timestamptz NOT NULL DEFAULT now(),
	claim_owner              text,
	claim_until              timestamptz,
	is_pinging               boolean NOT NULL DEFAULT false,
	last_pinged_at           timestamptz,
	ping_due_at              timestamptz NOT NULL DEFAULT now(),
	ping_claim_owner         text,
	ping_claim_until         timestamptz
);

-- The claims walk these in order and stop at the limit; devices being
-- polled or inactive are not in them at all.
CREATE INDEX devices_snmp_claim ON devices (poller_group, argos_rank(snmp_due_at, priority))
	WHERE active AND NOT is_polling AND polling_frequency > 0;
CREATE INDEX devices_ping_claim ON devices (poller_group, argos_rank(ping_due_at, priority))
	WHERE active AND NOT is_pinging AND ping_frequency > 0;
-- The unlocker looks only at devices held.
CREATE INDEX devices_snmp_lease ON devices (claim_until) WHERE is_polling;
CREATE INDEX devices_ping_lease ON devices (ping_claim_until) WHERE is_pinging;

-- A changed frequency moves the due time at once.
CREATE FUNCTION argos_devices_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.snmp_due_at := coalesce(NEW.last_polled_at + NEW.polling_frequency * interval '1 second', now());
	NEW.ping_due_at := coalesce(NEW.last_pinged_at + NEW.ping_frequency * interval '1 second', now());
	RETURN NEW;
END $$;
CREATE TRIGGER devices_due BEFORE UPDATE OF polling_frequency, ping_frequency ON devices
	FOR EACH ROW WHEN (OLD.polling_frequency IS DISTINCT FROM NEW.polling_frequency
	               OR OLD.ping_frequency IS DISTINCT FROM NEW.ping_frequency)
	EXECUTE FUNCTION argos_devices_due();

-- Errors only: successful polls are not stored.  A row with a null
-- report_received_at is a poll whose appliance never answered (its
-- lease expired); --report-flush-freq removes those.
CREATE TABLE reports (
	id                 bigserial PRIMARY KEY,
	device_id          bigint NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
	kind               text NOT NULL DEFAULT 'snmp' CHECK (kind IN ('snmp', 'ping')),
	appliance          text NOT NULL,
	requested_at       timestamptz NOT NULL,
	report_received_at timestamptz,
	poll_duration_ms   integer,
	poll_error         text NOT NULL,
	poll_error_detail  text NOT NULL DEFAULT ''
);
-- A batch written again after a lost connection inserts nothing twice.
CREATE UNIQUE INDEX reports_once ON reports (device_id, kind, requested_at);
CREATE INDEX reports_requested_at ON reports (requested_at);

CREATE TABLE appliances (
	name         text PRIMARY KEY,
	poller_group text NOT NULL DEFAULT 'default',
	active       boolean NOT NULL DEFAULT false,
	last_seen    timestamptz NOT NULL DEFAULT now(),
	cores        integer NOT NULL DEFAULT 0,
	load         real NOT NULL DEFAULT 0
);
