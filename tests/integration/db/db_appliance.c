/*
 * db_appliance.c - one argos appliance as the DB tests see it: the real
 * cp_db library and its DB and HA threads, with a stand-in for the
 * dataplane.
 *
 * The stand-in "polls" each claimed device by completing it after a
 * random time (--poll-ms MIN:MAX), failing --fail-pct percent of them
 * with a timeout.  It stays until argos's main.c is wired to cp_db;
 * then the same tests can run argos itself.  Every claim, completion
 * and event is logged with its unix-ms timestamp, one per line:
 *
 *   <ms> claim snmp|ping <id> <community> <priority>
 *   <ms> done snmp|ping <id> ok|fail <requested_ms>
 *   <ms> event <kind> <id>
 *   <ms> active | passive | ready | stopped <rc>
 *
 * A claim is logged after the database granted it and a completion
 * before the result is handed back, so the logged intervals lie inside
 * the database's lease intervals.
 *
 * It runs claim mode (--db-mode claim): own mode's scheduling lives in
 * argos's main thread (controlplane/dbmode.c), which this stand-in does
 * not have.
 *
 * usage: db_appliance --dsn URL [--migrate] [DB flags of cp_db_usage]
 *        [--capacity N] [--poll-ms MIN:MAX] [--fail-pct P] [--duration S]
 *        [--log FILE] [--stop-timeout MS]
 *
 * Exit status, as argos's: 0 after --duration or SIGTERM, 1 on a bad
 * option or when it cannot start (a DSN that does not parse, a database
 * that cannot be reached or whose schema does not match).  The tests
 * hold refusals to exactly 1.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cp_db.h"

struct poll {
	struct cp_db_claim c;
	uint64_t ends_at;
	int64_t started_ms;
};

static volatile sig_atomic_t quit;
static FILE *logf;

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
db_log_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "%llu db_appliance: db: %s\n", (unsigned long long)now_ms(), line);
}

static const char *
kind_name(uint8_t k)
{
	return k == CP_DB_SNMP ? "snmp" : "ping";
}

static const char *const event_names[] = {
	[CP_DB_EV_DEVICE_CHANGED] = "device-changed", [CP_DB_EV_DEVICE_DELETED] = "device-deleted",
	[CP_DB_EV_DEVICES_RESYNC] = "devices-resync", [CP_DB_EV_PROFILES_CHANGED] = "profiles-changed",
	[CP_DB_EV_ACTIVE] = "active", [CP_DB_EV_PASSIVE] = "passive",
};

static void
complete(struct cp_db *db, struct poll *p, unsigned fail_pct)
{
	struct cp_db_result r = { 0 };
	int fail = (unsigned)(rand() % 100) < fail_pct;

	r.device_id = p->c.device_id;
	r.kind = p->c.kind;
	r.requested_at_ms = p->started_ms;
	r.duration_ms = (uint32_t)(now_ms() - (uint64_t)p->started_ms);
	r.err = fail ? ARGOS_ERR_TIMEOUT : ARGOS_ERR_NONE;
	r.alt_in_use = -1;   /* a stand-in learns nothing of the agent */
	if (fail)
		snprintf(r.error_text, sizeof(r.error_text), "no reply after %u retries",
			 p->c.retries);
	fprintf(logf, "%llu done %s %lld %s %lld\n", (unsigned long long)now_ms(),
		kind_name(p->c.kind), (long long)p->c.device_id, fail ? "fail" : "ok",
		(long long)p->started_ms);
	if (cp_db_result(db, &r) != 0)
		fprintf(stderr, "db_appliance: result of device %lld refused\n",
			(long long)p->c.device_id);
}

int
main(int argc, char **argv)
{
	enum { O_CAP = 1000, O_POLLMS, O_FAIL, O_DUR, O_LOG, O_STOPTO, O_MIGRATE };
	static const char *const db_flags[] = {
		"dsn", "appliance-name", "poller-group", "db-snmp-freq", "db-ping-freq",
		"device-unlock-freq", "lease", "down-retry", "error-flush-freq",
		"report-flush-freq", "lock-id", "lock-dsn", NULL };
	struct option opts[32];
	struct cp_db_opts o;
	struct cp_db *db = NULL;
	struct poll *polls;
	struct cp_db_claim *claims;
	struct cp_db_event ev[64];
	unsigned capacity = 1000, pmin = 5, pmax = 50, fail_pct = 0, stop_to = 10000;
	double duration = 0;
	int migrate = 0, nopts = 0, opt, idx, was_active = -1, rc = 0;
	size_t n_polls = 0;
	uint64_t end_at;
	char msg[1024];

	cp_db_opts_init(&o);
	o.mode = CP_DB_MODE_CLAIM;   /* its stand-in dataplane polls claims; argos runs own mode */
	o.log = db_log_line;
	o.cores = 2;
	for (int i = 0; db_flags[i]; i++)
		opts[nopts++] = (struct option){ db_flags[i], required_argument, NULL, 1 };
	opts[nopts++] = (struct option){ "capacity", required_argument, NULL, O_CAP };
	opts[nopts++] = (struct option){ "poll-ms", required_argument, NULL, O_POLLMS };
	opts[nopts++] = (struct option){ "fail-pct", required_argument, NULL, O_FAIL };
	opts[nopts++] = (struct option){ "duration", required_argument, NULL, O_DUR };
	opts[nopts++] = (struct option){ "log", required_argument, NULL, O_LOG };
	opts[nopts++] = (struct option){ "stop-timeout", required_argument, NULL, O_STOPTO };
	opts[nopts++] = (struct option){ "migrate", no_argument, NULL, O_MIGRATE };
	opts[nopts] = (struct option){ NULL, 0, NULL, 0 };
	logf = stdout;
	while ((opt = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		switch (opt) {
		case 1:
			if (cp_db_opts_set(&o, opts[idx].name, optarg, msg, sizeof(msg)) != 0) {
				fprintf(stderr, "db_appliance: %s\n", msg);
				return 1;
			}
			break;
		case O_CAP: capacity = (unsigned)atoi(optarg); break;
		case O_POLLMS:
			if (sscanf(optarg, "%u:%u", &pmin, &pmax) != 2 || pmax < pmin) {
				fprintf(stderr, "db_appliance: --poll-ms wants MIN:MAX\n");
				return 1;
			}
			break;
		case O_FAIL: fail_pct = (unsigned)atoi(optarg); break;
		case O_DUR: duration = atof(optarg); break;
		case O_STOPTO: stop_to = (unsigned)atoi(optarg); break;
		case O_MIGRATE: migrate = 1; break;
		case O_LOG:
			logf = fopen(optarg, "w");
			if (!logf) {
				fprintf(stderr, "db_appliance: --log %s: %s\n", optarg, strerror(errno));
				return 1;
			}
			break;
		default:
			fprintf(stderr, "usage: db_appliance --dsn URL [--migrate] ...\n%s", cp_db_usage);
			return 1;
		}
	}
	setvbuf(logf, NULL, _IOLBF, 0);
	if (migrate) {
		rc = cp_db_migrate(o.dsn, msg, sizeof(msg));
		fprintf(stderr, "db_appliance: %s\n", msg);
		return rc ? 1 : 0;
	}
	if (cp_db_open(&o, &db, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "db_appliance: %s\n", msg);
		return 1;
	}
	polls = calloc(2 * (size_t)capacity + 1, sizeof(*polls));
	claims = calloc(2 * (size_t)capacity + 1, sizeof(*claims));
	if (!polls || !claims || cp_db_start(db) != 0) {
		fprintf(stderr, "db_appliance: cannot start\n");
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	srand((unsigned)getpid());
	fprintf(logf, "%llu ready\n", (unsigned long long)now_ms());
	end_at = duration > 0 ? now_ms() + (uint64_t)(duration * 1000) : UINT64_MAX;
	while (!quit && now_ms() < end_at) {
		struct timespec nap = { 0, 1000000 };
		uint32_t busy[3] = { 0 };
		uint64_t now = now_ms();
		int active = cp_db_active(db);
		size_t n;

		if (active != was_active)
			fprintf(logf, "%llu %s\n", (unsigned long long)now, active ? "active" : "passive");
		was_active = active;
		for (size_t i = 0; i < n_polls;) {
			if (polls[i].ends_at <= now) {
				complete(db, &polls[i], fail_pct);
				polls[i] = polls[--n_polls];
			} else {
				busy[polls[i++].c.kind]++;
			}
		}
		cp_db_capacity(db, busy[CP_DB_SNMP] < capacity ? capacity - busy[CP_DB_SNMP] : 0,
			       busy[CP_DB_PING] < capacity ? capacity - busy[CP_DB_PING] : 0);
		n = active ? cp_db_take_claims(db, claims, 2 * (size_t)capacity - n_polls) : 0;
		for (size_t i = 0; i < n; i++) {
			struct poll *p = &polls[n_polls++];

			p->c = claims[i];
			p->started_ms = (int64_t)now_ms();
			p->ends_at = now + pmin + (uint64_t)(rand() % (int)(pmax - pmin + 1));
			fprintf(logf, "%llu claim %s %lld %s %d\n", (unsigned long long)p->started_ms,
				kind_name(p->c.kind), (long long)p->c.device_id, p->c.community,
				p->c.priority);
		}
		n = cp_db_take_events(db, ev, 64);
		for (size_t i = 0; i < n; i++)
			fprintf(logf, "%llu event %s %lld\n", (unsigned long long)ev[i].at_ms,
				event_names[ev[i].kind], (long long)ev[i].id);
		nanosleep(&nap, NULL);
	}
	/* Two stages: no new poll, let those in flight end, then stop. */
	for (size_t i = 0; i < n_polls; i++)
		complete(db, &polls[i], fail_pct);
	{
		struct cp_db_stats st;
		char line[256];
		long hwm_kb = 0;
		FILE *f = fopen("/proc/self/status", "r");

		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "VmHWM: %ld", &hwm_kb) == 1)
				break;
		if (f)
			fclose(f);

		cp_db_get_stats(db, &st);
		fprintf(logf, "%llu stats rounds %llu claimed %llu written %llu reports %llu "
			"statements %llu writebacks %llu reconnects %llu claim_us_last %llu "
			"claim_us_sum %llu peak_rss_kb %ld\n",
			(unsigned long long)now_ms(), (unsigned long long)st.claim_rounds,
			(unsigned long long)st.claimed_rows, (unsigned long long)st.written_rows,
			(unsigned long long)st.report_rows, (unsigned long long)st.statements,
			(unsigned long long)st.writeback_statements,
			(unsigned long long)st.reconnects,
			(unsigned long long)st.claim_round_us_last,
			(unsigned long long)st.claim_round_us_sum, hwm_kb);
	}
	rc = cp_db_stop(db, stop_to) ? 1 : 0;
	fprintf(logf, "%llu stopped %d\n", (unsigned long long)now_ms(), rc);
	free(polls);
	free(claims);
	return rc;
}
