/*
 * db_opts.c - the DB flags: their defaults (horus's), their checks and
 * their help text.  argos's config.c hands each DB flag to
 * cp_db_opts_set by name, so the flags are spelled and checked once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_redact.h"
#include "cp_secret.h"
#include "db_internal.h"

const char cp_db_usage[] =
	"  --dsn URL              Postgres (libpq URL or key=value): devices come from it;\n"
	"                         no password here: use --dsn-file, PGPASSFILE or a service\n"
	"  --dsn-file FILE        the DSN is FILE's first line (it may hold the password)\n"
	"  --migrate              apply the schema migrations to --dsn, then exit\n"
	"  --appliance-name NAME  this appliance in the database (default: the hostname)\n"
	"  --poller-group NAME    poll only devices of this group (default: default)\n"
	"  --db-mode own|claim    own: the appliances of a group share the devices by\n"
	"                         bucket leases and schedule polls in memory (default);\n"
	"                         claim: one claim (row update) per poll, as before\n"
	"  --bucket-lease S       own: a bucket's lease, renewed every second (5)\n"
	"  --db-write-lag S       own: last_polled_at/last_pinged_at lag at most S (60)\n"
	"  --db-snmp-freq S       claim: claim due SNMP devices every S seconds (30; 0: none)\n"
	"  --db-ping-freq S       claim: claim due ping devices every S seconds (10; 0: none)\n"
	"                         (in own mode, 0 still means no SNMP, resp. no ping)\n"
	"  --device-unlock-freq S release expired leases every S seconds (600)\n"
	"  --lease S              claim: a claim unanswered for S seconds is released (300)\n"
	"  --down-retry S         poll a device whose last poll failed after S seconds\n"
	"                         instead of its polling frequency (0: no change)\n"
	"  --error-flush-freq H   keep error reports H hours (4; 0: forever)\n"
	"  --report-flush-freq H  keep reports of unanswered claims H hours (3)\n"
	"  --lock-id N            HA: poll only while holding advisory lock N (0: off)\n"
	"  --lock-dsn URL         HA: the lock's own session (default: --dsn)\n"
	"  --lock-dsn-file FILE   HA: the lock's DSN is FILE's first line\n";

void
cp_db_opts_init(struct cp_db_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (gethostname(o->appliance, sizeof(o->appliance) - 1) != 0 || !o->appliance[0])
		snprintf(o->appliance, sizeof(o->appliance), "argos");
	snprintf(o->poller_group, sizeof(o->poller_group), "default");
	o->snmp_freq_ms = 30000;
	o->ping_freq_ms = 10000;
	o->unlock_freq_ms = 600000;
	o->lease_s = 300;
	o->error_flush_h = 4;
	o->report_flush_h = 3;
	o->flush_ms = 1000;
	o->batch_max = 20000;
	o->mode = CP_DB_MODE_OWN;
	o->own_lease_ms = 5000;
	o->write_lag_ms = 60000;
}

/* Seconds, whole or with a fraction ("0.5"), into ms within [0, max_s]. */
static int
seconds(const char *arg, double max_s, uint32_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || v < 0 || v > max_s)
		return -1;
	*ms = (uint32_t)(v * 1000.0 + 0.5);
	return 0;
}

static int
whole(const char *arg, long long min, long long max, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(arg, &end, 10);
	return (errno || end == arg || *end || *out < min || *out > max) ? -1 : 0;
}

static int
name_ok(const char *arg)
{
	size_t n = strlen(arg);

	if (n == 0 || n >= CP_DB_NAME_MAX)
		return 0;
	for (const char *p = arg; *p; p++)
		if ((unsigned char)*p < 0x21 || *p == '\'' || *p == '"' || *p == '\\')
			return 0;
	return 1;
}

int
cp_db_opts_set(struct cp_db_opts *o, const char *name, const char *arg, char *msg, size_t len)
{
	long long v;
	uint32_t ms;

	if (strcmp(name, "dsn-file") == 0 || strcmp(name, "lock-dsn-file") == 0) {
		char flag[24];
		/* Kept for the life of the process, as a --dsn argument is. */
		char *dsn;

		snprintf(flag, sizeof(flag), "--%s", name);
		dsn = cp_secret_read(arg, flag, msg, len);
		if (!dsn)
			return -EINVAL;
		if (cp_db_opts_set(o, name[0] == 'd' ? "dsn" : "lock-dsn", dsn, msg, len) != 0) {
			cp_secret_free(dsn);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(name, "dsn") == 0 || strcmp(name, "lock-dsn") == 0) {
		char safe[512], secret[2][256], why[256];
		char *err = NULL;
		PQconninfoOption *p = PQconninfoParse(arg, &err);

		if (!p) {
			snprintf(why, sizeof(why), "%s", err ? err : "out of memory");
			PQfreemem(err);
			why[strcspn(why, "\n")] = '\0';
			db_secrets_of(arg, secret);
			cp_redact(arg, safe, sizeof(safe));
			snprintf(msg, len, "--%s '%s': not a libpq URL (postgresql://user@host/db) "
				 "or key=value string (host=... dbname=...): %s", name, safe, why);
			db_scrub(msg, secret);
			return -EINVAL;
		}
		PQconninfoFree(p);
		if (name[0] == 'd')
			o->dsn = arg;
		else
			o->lock_dsn = arg;
		return 0;
	}
	if (strcmp(name, "appliance-name") == 0 || strcmp(name, "poller-group") == 0) {
		if (!name_ok(arg)) {
			snprintf(msg, len, "--%s '%s': want 1 to %d printable characters, no "
				 "spaces or quotes", name, arg, CP_DB_NAME_MAX - 1);
			return -EINVAL;
		}
		snprintf(name[0] == 'a' ? o->appliance : o->poller_group, CP_DB_NAME_MAX, "%s", arg);
		return 0;
	}
	if (strcmp(name, "lock-id") == 0) {
		if (whole(arg, INT64_MIN, INT64_MAX, &v)) {
			snprintf(msg, len, "--lock-id '%s': want a whole number (0: no HA)", arg);
			return -EINVAL;
		}
		o->lock_id = v;
		return 0;
	}
	if (strcmp(name, "db-snmp-freq") == 0 || strcmp(name, "db-ping-freq") == 0 ||
	    strcmp(name, "device-unlock-freq") == 0) {
		if (seconds(arg, 86400, &ms) || (ms == 0 && name[0] == 'd' && name[1] == 'e')) {
			snprintf(msg, len, "--%s '%s': want seconds from %s to 86400", name, arg,
				 name[1] == 'e' ? "0.001" : "0");
			return -EINVAL;
		}
		if (strcmp(name, "db-snmp-freq") == 0)
			o->snmp_freq_ms = ms;
		else if (strcmp(name, "db-ping-freq") == 0)
			o->ping_freq_ms = ms;
		else
			o->unlock_freq_ms = ms;
		return 0;
	}
	if (strcmp(name, "db-mode") == 0) {
		if (strcmp(arg, "own") != 0 && strcmp(arg, "claim") != 0) {
			snprintf(msg, len, "--db-mode '%s': want own or claim", arg);
			return -EINVAL;
		}
		o->mode = arg[0] == 'o' ? CP_DB_MODE_OWN : CP_DB_MODE_CLAIM;
		return 0;
	}
	if (strcmp(name, "bucket-lease") == 0 || strcmp(name, "db-write-lag") == 0) {
		if (seconds(arg, 3600, &ms) || ms < (name[0] == 'b' ? 3000u : 1000u)) {
			snprintf(msg, len, "--%s '%s': want seconds from %s to 3600", name, arg,
				 name[0] == 'b' ? "3" : "1");
			return -EINVAL;
		}
		if (name[0] == 'b')
			o->own_lease_ms = ms;
		else
			o->write_lag_ms = ms;
		return 0;
	}
	if (strcmp(name, "lease") == 0 || strcmp(name, "down-retry") == 0) {
		if (whole(arg, strcmp(name, "lease") == 0, 86400, &v)) {
			snprintf(msg, len, "--%s '%s': want whole seconds up to 86400", name, arg);
			return -EINVAL;
		}
		if (name[0] == 'l')
			o->lease_s = (uint32_t)v;
		else
			o->down_retry_s = (uint32_t)v;
		return 0;
	}
	if (strcmp(name, "error-flush-freq") == 0 || strcmp(name, "report-flush-freq") == 0) {
		if (whole(arg, 0, 24 * 365, &v)) {
			snprintf(msg, len, "--%s '%s': want whole hours from 0 to 8760", name, arg);
			return -EINVAL;
		}
		if (name[0] == 'e')
			o->error_flush_h = (uint32_t)v;
		else
			o->report_flush_h = (uint32_t)v;
		return 0;
	}
	return -ENOENT;
}
