/*
 * main.c - the main lcore: start-up, the scheduler, results and
 * statistics, and the two-stage shutdown.
 *
 *   argos options (--migrate ends here) -> rte_eal_init -> devices
 *   (file, --devices-cidr, or the database's claims) -> port -> lanes ->
 *   exporters -> one worker launched per worker lcore -> loop:
 *       drain result batches (JSON Lines, remote-write, DB outcomes)
 *       DB mode: report capacity, take claims and events
 *       send the jobs that are due through the job rings
 *       statistics and /metrics when due
 *       SIGHUP: reopen the log and --output, reload --devices (reload.c)
 *   -> on --once completion, --duration or SIGINT/SIGTERM: drain (no new
 *      jobs, keep receiving until the jobs in flight end), quit, flush
 *      the exporters and the database (a bounded wait), spill what
 *      remains, summary.
 *
 * This thread may block and allocate; it never touches a packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "cli.h"
#include "cp_api.h"
#include "cp_app.h"
#include "cp_caps.h"
#include "cp_dbmode.h"
#include "cp_http.h"
#include "cp_redact.h"
#include "cp_reload.h"
#include "cp_tsc.h"
#include "cp_usm_table.h"
#include "rw.h"
#include "cp_vdev.h"
#include "cp_xdp.h"
#include "sx_app.h"

#define READY_TIMEOUT_S 10
#define RW_STOP_WAIT_MS 5000   /* at a stop, the receivers get this long, then the spill */

static volatile sig_atomic_t signals_seen;   /* SIGINT, SIGTERM: stop */
static volatile sig_atomic_t hup_seen;       /* SIGHUP: reload, reopen */

/*
 * A second SIGTERM or SIGINT cuts the drain short, but only one sent at
 * least a second after the first: timeout(1) sends its signal to argos
 * and again to argos's process group, and a stop that arrives twice at
 * once is still one request to finish the polls in flight.
 */
#define SECOND_SIGNAL_MS 1000

static void
on_signal(int sig)
{
	static int64_t first_ms;
	struct timespec ts;
	int64_t now_ms;

	if (sig == SIGHUP) {
		hup_seen = 1;
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);   /* async-signal-safe */
	now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (signals_seen == 0)
		first_ms = now_ms;
	else if (now_ms - first_ms < SECOND_SIGNAL_MS)
		return;
	signals_seen++;
}

uint64_t
cp_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Name the devices given to the EAL, for error messages. */
static void
eal_devices(int argc, char **argv, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 1; i + 1 < argc && strcmp(argv[i], "--") != 0; i++)
		if (!strcmp(argv[i], "--vdev") || !strcmp(argv[i], "-a") ||
		    !strcmp(argv[i], "--allow")) {
			int n = snprintf(buf + used, len - used, "%s'%s'", used ? ", " : "",
					 argv[i + 1]);

			if (n < 0 || (size_t)n >= len - used)
				break;
			used += (size_t)n;
		}
	if (used == 0)
		snprintf(buf, len, "(none given: add --vdev or -a)");
}

/* Free hugepages, as the kernel counts them; -1 when unknown. */
static long
hugepages_free(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	long n = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

static int
has_arg(int argc, char **argv, const char *a)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (!strcmp(argv[i], a))
			return 1;
	return 0;
}

/* A worker that returned before its lane was ready could not set up. */
static int
worker_returned(void)
{
	unsigned lcore;

	RTE_LCORE_FOREACH_WORKER(lcore)
		if (rte_eal_get_lcore_state(lcore) == WAIT)
			return 1;
	return 0;
}

static void
make_job(struct cp_app *app, uint32_t idx, uint8_t kind, struct argos_job *j)
{
	const struct cp_device *d = &app->devs[idx];

	memset(j, 0, sizeof(*j));
	j->device = idx;
	j->ip = d->ip;
	j->kind = kind;
	j->profile = d->profile;
	if (kind == ARGOS_JOB_SNMP) {
		j->snmp_version = d->snmp_version;
		j->retries = d->snmp_retries;
		j->port = d->snmp_port;
		j->timeout_ms = d->snmp_timeout_ms;
		cp_learn_job(app, idx, j);
		if (d->snmp_version == 3)
			cp_usm_job(app, idx, j);
		cp_sx_job(app, idx, j);   /* snmp_exporter modules: a light or a full plan */
	} else {
		j->ping_count = app->cfg.ping_count;
		j->ping_interval_ms = app->cfg.ping_interval_ms;
		j->timeout_ms = app->cfg.ping_timeout_ms;
	}
}

static uint32_t
freq_s(const struct cp_device *d, uint8_t kind)
{
	return kind == ARGOS_JOB_SNMP ? d->polling_frequency : d->ping_frequency;
}

/* Sample each core's load, (queued + in flight) / capacity, once a
 * second for the sticky assignment. */
static void
sample_load(struct cp_app *app, uint64_t now)
{
	double load[MAX_WORKERS];

	if (now < app->next_load_ms)
		return;
	app->next_load_ms = now + 1000;
	for (unsigned w = 0; w < app->n_lanes; w++) {
		const struct argos_lane *l = app->lanes[w];

		load[w] = (double)(rte_ring_count(l->jobs) + l->stats.inflight) /
			  (2.0 * l->max_sessions);   /* SNMP and ping sessions */
	}
	cp_assign_sample(&app->assign, load);
}

/*
 * --max-pps is a token bucket over the packets the cores send, with a
 * burst of 100 ms.  A job starts only when the bucket holds its first
 * packets (a ping job's probes, an SNMP poll's first request), which it
 * pays at once; every packet sent beyond what was paid (walk steps,
 * retries, ARP) is taken from the bucket when the cores' counters show
 * it.  Polls in flight are never held, so the rate can pass the limit by
 * what they send, and new polls wait until the bucket recovers.
 *
 * With --pace auto (the default) the bucket's rate is the pacing
 * controller's (pace.c), fed every CP_PACE_TICK_MS from the cores'
 * counters, and --max-pps is only its ceiling.
 */
static int
pps_on(const struct cp_app *app)
{
	return app->cfg.max_pps != 0 || app->cfg.pace;
}

/* The link's signals for the pacing controller, from the cores' counters. */
static void
pace_feed(struct cp_app *app, uint64_t now)
{
	struct argos_core_stats t;
	struct cp_pace_signals s;
	double before;
	int why;

	if (!app->cfg.pace || now < app->pace_next_ms)
		return;
	app->pace_next_ms = now + CP_PACE_TICK_MS;
	cp_stats_total(app->lanes, app->n_lanes, &t);
	s = (struct cp_pace_signals){
		.sent = t.snmp_requests + t.snmp_retries + t.ping_sent,
		.answered = t.snmp_matched + t.ping_matched,
		.lost = t.snmp_retries + t.snmp_timeouts + t.ping_lost,
		/* Not the job ring full: that is argos's queue in front of a
		 * core at --max-inflight, which loses nothing. */
		.own_drops = t.tx_dropped + t.mbuf_alloc_failed + t.redirect_full +
			     t.drop[ARGOS_DROP_BACKPRESSURE],
		.tx_held = t.tx_held,
		.limited = app->pps_limited,
	};
	s.rtt_p50_us = cp_pace_rtt_p50(t.rtt_hist, app->pace_rtt, ARGOS_RTT_BUCKETS,
				       &s.rtt_samples);
	memcpy(app->pace_rtt, t.rtt_hist, sizeof(app->pace_rtt));
	before = app->pace.rate;
	why = cp_pace_tick(&app->pace, &s, now);
	if (why >= 0 && __atomic_load_n(&app->cfg.debug, __ATOMIC_RELAXED) >= 1)
		fprintf(stderr, "argos: pace: rate cut for %s: %.0f -> %.0f packets/s (RTT p50 %llu us "
			"of %llu replies)\n", cp_pace_reason_name((unsigned)why), before,
			app->pace.rate, (unsigned long long)s.rtt_p50_us,
			(unsigned long long)s.rtt_samples);
}

static void
pps_refill(struct cp_app *app, uint64_t now)
{
	double rate, cap;
	uint64_t tx = 0, sent, paid;

	if (!pps_on(app))
		return;
	for (unsigned w = 0; w < app->n_lanes; w++)
		tx += app->lanes[w]->stats.tx_pkts;
	/* A loss shows at the reply timeout: the controller waits that long
	 * after a cut before loss may cut again. */
	if (app->pps_ms == 0)
		cp_pace_init(&app->pace, app->cfg.max_pps,
			     app->cfg.ping_timeout_ms > 1000 ? app->cfg.ping_timeout_ms : 1000);
	pace_feed(app, now);
	rate = app->cfg.pace ? app->pace.rate : app->cfg.max_pps;
	cap = rate / 10.0 > 16 ? rate / 10.0 : 16;
	if (app->pps_ms == 0) {
		app->pps_ms = now;
		app->pps_tx = tx;
		app->pps_tokens = cap;
		return;
	}
	sent = tx - app->pps_tx;
	paid = sent < app->pps_paid ? sent : app->pps_paid;
	app->pps_paid -= paid;
	app->pps_tokens -= (double)(sent - paid);
	app->pps_tokens += rate * (double)(now - app->pps_ms) / 1000.0;
	if (app->pps_tokens > cap)
		app->pps_tokens = cap;
	app->pps_ms = now;
	app->pps_tx = tx;
}

/* A job that paid but could not be sent gets its tokens back. */
static void
pps_refund(struct cp_app *app, uint8_t kind)
{
	uint64_t cost = kind == ARGOS_JOB_PING ? app->cfg.ping_count : 1;

	if (!pps_on(app))
		return;
	app->pps_tokens += (double)cost;
	app->pps_paid -= cost < app->pps_paid ? cost : app->pps_paid;
}

/* May a job of this kind start under --max-pps?  If so, it pays. */
static int
pps_admit(struct cp_app *app, uint8_t kind)
{
	double cost = kind == ARGOS_JOB_PING ? app->cfg.ping_count : 1;

	if (!pps_on(app))
		return 1;
	if (app->pps_tokens < cost) {
		app->pps_limited++;
		return 0;
	}
	app->pps_tokens -= cost;
	app->pps_paid += (uint64_t)cost;
	return 1;
}

/* Send every job that is due.  A full ring leaves the rest for later. */
static void
send_due(struct cp_app *app, uint64_t now)
{
	const struct cp_due *e;
	uint32_t pings = 0;

	if (app->dbm != NULL && !cp_dbmode_active(app))
		return;       /* HA: passive, or the lock was lost */
	while ((e = cp_sched_peek(&app->sched)) != NULL && e->at_ms <= now) {
		struct argos_job job;

		if (!cp_reload_may_send(app, e->device, e->kind)) {
			cp_sched_pop(&app->sched);   /* removed, or held for a changed record */
			continue;
		}
		/* Own mode: stale, not ours, or put back for later (a push of a
		 * later time leaves e on top). */
		if (app->dbm != NULL) {
			struct cp_due due = *e;

			if (!cp_dbmode_may_send(app, &due, now)) {
				cp_sched_pop(&app->sched);
				continue;
			}
		}
		/* Like horus's fping batches: a burst of due pings starts
		 * --ping-batch-count per loop turn (about a millisecond). */
		if (e->kind == ARGOS_JOB_PING && pings++ == app->cfg.ping_batch)
			return;
		if (!pps_admit(app, e->kind))
			return;
		unsigned core = cp_assign_core(&app->assign, app->core_of[e->device]);
		struct argos_lane *lane = app->lanes[core];
		uint64_t *next = &app->next_due[e->device * 2 + (e->kind == ARGOS_JOB_PING)];

		make_job(app, e->device, e->kind, &job);
		if (rte_ring_sp_enqueue_elem(lane->jobs, &job, sizeof(job)) != 0) {
			app->ring_full++;   /* counted; the job stays due and is sent later */
			pps_refund(app, e->kind);
			return;
		}
		app->core_of[e->device] = (uint8_t)core;
		app->jobs_sent++;
		cp_reload_sent(app, e->device, e->kind);
		if (app->dbm != NULL)
			cp_dbmode_sent(app, e->device, e->kind, now);
		/* Keep the grid: the next poll is one period after this one
		 * was due, not after it ended. */
		*next = e->at_ms + (uint64_t)freq_s(&app->devs[e->device], e->kind) * 1000;
		cp_sched_pop(&app->sched);
	}
}

static void
job_ended(struct cp_app *app, const struct argos_rec_done *d, uint64_t now)
{
	uint64_t next;

	struct cp_dev_state *st = &app->state[d->h.device];

	app->jobs_ended++;
	if (d->job_kind == ARGOS_JOB_SNMP) {
		cp_learn_poll_end(app, d);
		if (d->ok)
			app->polls_ok++, st->polls_ok++;
		else
			app->polls_failed++, st->polls_failed++;
		st->last_ok = d->ok;
		if (!d->ok && __atomic_load_n(&app->cfg.debug, __ATOMIC_RELAXED) >= 1)
			fprintf(stderr, "argos: poll failed: device %s (%s), %u error(s)\n",
				app->devs[d->h.device].id, app->devs[d->h.device].hostname,
				(unsigned)d->errors);
		st->last_done_ms = now;
		st->last_duration_ms = (uint32_t)((d->h.tsc - d->start_tsc) * 1000 / app->clk.hz);
	} else {
		app->pings_done++, st->pings++;
	}
	if (app->dbm != NULL) {          /* the database says when it is due again */
		cp_dbmode_done(app, d);
		return;
	}
	if (!cp_reload_ended(app, d->h.device, d->job_kind, now) || app->cfg.once || signals_seen)
		return;
	/* A poll that overran its period starts again at once. */
	next = app->next_due[d->h.device * 2 + (d->job_kind == ARGOS_JOB_PING)];
	cp_reload_push(app, next > now ? next : now, d->h.device, d->job_kind);
}

/* Drain every lane's result ring.  @return batches handled. */
static unsigned
drain_results(struct cp_app *app)
{
	unsigned handled = 0;
	uint64_t now = cp_mono_ms();

	for (unsigned w = 0; w < app->n_lanes; w++) {
		struct argos_lane *lane = app->lanes[w];
		void *p;

		while (rte_ring_sc_dequeue(lane->results, &p) == 0) {
			struct argos_batch *b = p;
			uint32_t off = 0;

			while (off + sizeof(struct argos_rec_hdr) <= b->used) {
				const struct argos_rec_hdr *h = (const void *)(b->data + off);
				uint32_t size = argos_rec_size(h);

				if (size < sizeof(*h) || off + size > b->used ||
				    h->device >= app->n_devs) {
					app->bad_records++;
					break;
				}
				if (cp_usm_record(app, h, now)) {   /* v3's own records */
					off += size;
					continue;
				}
				if (cp_sink_record(app, h) != 0)
					app->bad_records++;
				if (h->kind == ARGOS_REC_DONE)   /* after the sinks saw it */
					job_ended(app, (const struct argos_rec_done *)h, now);
				off += size;
			}
			b->used = 0;
			rte_ring_sp_enqueue(lane->free_batches, b);
			handled++;
		}
	}
	return handled;
}

static struct argos_lane *
lane_create(struct cp_app *app, unsigned w, const struct argos_port_info *port)
{
	struct argos_lane *lane;
	char name[RTE_RING_NAMESIZE];
	int socket = (int)rte_socket_id();

	lane = rte_zmalloc_socket("argos_lane", sizeof(*lane), RTE_CACHE_LINE_SIZE, socket);
	if (lane == NULL)
		return NULL;
	lane->worker = (uint16_t)w;
	lane->port = app->cfg.port;
	lane->queue = (uint16_t)w;
	lane->n_workers = (uint16_t)app->n_lanes;
	lane->max_sessions = app->cfg.max_inflight;
	lane->port_info = *port;
	lane->net = (struct argos_net_conf){ .ip = app->cfg.ip, .netmask = app->cfg.netmask,
					     .gateway = app->cfg.gateway,
					     .snmp_sport = app->cfg.src_port };
	lane->profiles = app->profiles;
	lane->n_profiles = ARGOS_MAX_PROFILES;
	lane->tsc_hz = app->clk.hz;

	snprintf(name, sizeof(name), "jobs_%u", w);
	lane->jobs = rte_ring_create_elem(name, sizeof(struct argos_job), ARGOS_LANE_JOBS,
					  socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "results_%u", w);
	lane->results = rte_ring_create(name, ARGOS_LANE_BATCHES, socket,
					RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "free_%u", w);
	lane->free_batches = rte_ring_create(name, ARGOS_LANE_BATCHES, socket,
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (lane->jobs == NULL || lane->results == NULL || lane->free_batches == NULL)
		return NULL;
	/* A ring of N slots holds N - 1: keep one batch fewer than that, so
	 * a full batch always fits in the results ring. */
	for (unsigned i = 0; i < ARGOS_LANE_BATCHES - 1; i++) {
		struct argos_batch *b = rte_malloc_socket("argos_batch", sizeof(*b),
							  RTE_CACHE_LINE_SIZE, socket);

		if (b == NULL || rte_ring_sp_enqueue(lane->free_batches, b) != 0)
			return NULL;
	}
	return lane;
}

/* Every device is due at start.  A device file's polling_frequency or
 * ping_frequency 0 means never polled, resp. pinged (as in the
 * database), except by --once; the synthetic devices of --devices-cidr
 * are polled and pinged back to back. */
static void
schedule_all(struct cp_app *app, uint64_t now)
{
	for (size_t i = 0; i < app->n_devs; i++) {
		if (cp_reload_wants(&app->cfg, &app->devs[i], ARGOS_JOB_SNMP))
			cp_reload_push(app, now, (uint32_t)i, ARGOS_JOB_SNMP);
		if (cp_reload_wants(&app->cfg, &app->devs[i], ARGOS_JOB_PING))
			cp_reload_push(app, now, (uint32_t)i, ARGOS_JOB_PING);
	}
}

/* Jobs sent and not ended, less those still in the job rings: at a
 * stop the cores start no job from their ring, so those never run. */
static uint64_t
jobs_in_flight(const struct cp_app *app)
{
	uint64_t queued = 0;

	for (unsigned w = 0; w < app->n_lanes; w++)
		queued += rte_ring_count(app->lanes[w]->jobs);
	return app->jobs_sent - app->jobs_ended - queued;
}

/* Stop taking jobs, wait for the jobs in flight to end, then stop. */
static void
shutdown_lanes(struct cp_app *app, uint64_t grace_ms)
{
	uint64_t deadline = cp_mono_ms() + grace_ms;

	for (unsigned w = 0; w < app->n_lanes; w++)
		app->lanes[w]->drain = 1;
	for (;;) {
		unsigned idle = 0;

		drain_results(app);
		for (unsigned w = 0; w < app->n_lanes; w++)
			idle += app->lanes[w]->idle;
		if (idle == app->n_lanes || cp_mono_ms() > deadline || signals_seen > 1)
			break;
		usleep(1000);
	}
	for (unsigned w = 0; w < app->n_lanes; w++)
		app->lanes[w]->quit = 1;
	rte_eal_mp_wait_lcore();
	drain_results(app);
}

/* The argos options follow the EAL's, after "--".  @return the index
 * of "--" in argv, or argc when there is none. */
static int
dashdash(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--"))
			return i;
	return argc;
}

/* Load the devices file or make the --devices-cidr list, or, in DB
 * mode, connect to the database.  @return 0, or -1 after saying why. */
static int
open_devices(struct cp_app *app)
{
	char msg[512];
	int rc;

	if (app->cfg.db.dsn != NULL)
		rc = cp_dbmode_open(app, msg, sizeof(msg));
	else if (app->cfg.devices_cidr != NULL)
		rc = cp_devices_cidr(app->cfg.devices_cidr, app->cfg.community, &app->devs,
				     &app->n_devs, msg, sizeof(msg));
	else
		rc = cp_devices_load(app->cfg.devices_path, &app->devs, &app->n_devs, msg,
				     sizeof(msg));
	/* snmp_exporter modules: a file's or a CIDR's devices now, before the
	 * slots copy them; DB mode binds at each claim (dbmode.c). */
	if (rc == 0 && app->cfg.db.dsn == NULL)
		rc = cp_sx_bind_table(app, app->devs, app->n_devs, msg, sizeof(msg));
	if (rc == 0 && app->cfg.db.dsn == NULL && app->cfg.devices_cidr == NULL)
		rc = cp_reload_open(app, msg, sizeof(msg));   /* slots for SIGHUP reloads */
	if (rc != 0)
		fprintf(stderr, "argos: %s\n", msg);
	if (app->cap_devs == 0)
		app->cap_devs = app->n_devs;
	return rc;
}

/* Start --remote-write and --listen.  @return 0, or -1 after saying why. */
static int
open_exports(struct cp_app *app)
{
	char msg[512];

	if (app->cfg.rw.n_urls > 0) {
		/* A receiver that is down at start is an outage like any
		 * other: argos polls, queues and spills until it is back.
		 * Only a malformed option stops argos here. */
		app->cfg.rw.check_at_start = RW_CHECK_WARN;
		app->rw = rw_open(&app->cfg.rw, msg, sizeof(msg));
		if (app->rw == NULL || rw_start(app->rw, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "argos: --remote-write: %s\n", msg);
			return -1;
		}
	}
	if (app->cfg.http.listen != NULL) {
		app->http = cp_http_start(&app->cfg.http, msg, sizeof(msg));
		if (app->http == NULL) {
			fprintf(stderr, "argos: --listen %s: %s\n", app->cfg.http.listen, msg);
			return -1;
		}
		if (cp_api_attach(app) != 0)
			return -1;
	}
	return 0;
}

/* Render /metrics once a second. */
static void
publish_metrics(struct cp_app *app, struct cp_metrics *m, uint64_t now, uint64_t *next)
{
	if (app->http == NULL || now < *next)
		return;
	*next = now + 1000;
	cp_metrics_render_app(app, m);
	cp_http_set_metrics(app->http, m->buf, m->len);
}

/*
 * Flush the exporter, then stop it: --once waits until everything is
 * accepted (60 s at most); a stop by signal or --duration gives the
 * receivers RW_STOP_WAIT_MS, so that the service stops in a bounded
 * time.  What is still pending then goes to the spill directory, within
 * its bound.  @return 0, or 1 when samples were refused, dropped or
 * lost, or (--once) not delivered.
 */
static int
close_exports(struct cp_app *app)
{
	struct rw_stop_figures fig;
	struct rw_stats st;
	int rc = 0;

	if (app->rw == NULL)
		return 0;
	rw_flush(app->rw, app->cfg.once ? 60000 : RW_STOP_WAIT_MS);
	rw_stop(app->rw, &fig);
	rw_stats(app->rw, &st);
	if (st.samples_failed + st.samples_dropped > fig.lost) {
		fprintf(stderr, "argos: --remote-write: samples were refused or dropped "
			"(see argos_rw_* in /metrics)\n");
		rc = 1;
	}
	if (fig.lost > 0) {
		fprintf(stderr, "argos: --remote-write: %llu samples not yet accepted at exit were "
			"lost (%s)\n", (unsigned long long)fig.lost,
			app->cfg.rw.spill_dir ? "--rw-spill-bytes reached, oldest first, or the spill "
			"directory could not be written" : "no --rw-spill-dir");
		rc = 1;
	}
	if (fig.spilled > 0) {
		fprintf(stderr, "argos: --remote-write: %llu samples not yet accepted after the "
			"wait are in the spill directory %s; they are sent first at the next start\n",
			(unsigned long long)fig.spilled, app->cfg.rw.spill_dir);
		if (app->cfg.once)
			rc = 1;        /* --once promises delivery, not a spill */
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static struct cp_app app;
	struct argos_port_info *port = &app.port;
	struct cp_metrics metrics;
	char msg[512], devs[256];
	uint64_t seed, start_ms = 0, end_ms, run_end_ms = 0, next_stats_ms, next_metrics_ms = 0;
	unsigned lcore, w = 0;
	int ret, rc = 1, dd = dashdash(argc, argv), eal_argc, drain_cut = 0;
	char **eal_argv;

	/* argos's options first: a bad flag, --help and --migrate need
	 * neither hugepages nor a port. */
	if (dd == argc && argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
					!strcmp(argv[1], "-v") || !strcmp(argv[1], "--version")))
		dd = 0;               /* "argos --help" means argos's help */
	ret = cp_config_parse(argc - dd, argv + dd, &app.cfg);
	if (ret != 0)
		return ret == 1 ? 0 : 1;   /* --help and --version succeed */
	/* From here on SIGHUP never kills argos: it is acted on (reload,
	 * reopen) once polling runs, and before that it has nothing to do. */
	signal(SIGHUP, on_signal);
	if (app.cfg.log_dir != NULL) {
		snprintf(msg, sizeof(msg), "%s/argos.log", app.cfg.log_dir);
		if (freopen(msg, "a", stderr) == NULL) {
			fprintf(stdout, "argos: --log %s: %s\n", msg, strerror(errno));
			return 1;
		}
		setvbuf(stderr, NULL, _IOLBF, 0);
	}
	if (cp_sx_open(&app) != 0)    /* a bad snmp.yml: nothing is polled */
		return 1;
	if (app.cfg.migrate) {
		if (cp_db_migrate(app.cfg.db.dsn, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "argos: --migrate: %s\n", msg);
			return 1;
		}
		fprintf(stderr, "argos: --migrate: the schema is up to date\n");
		return 0;
	}
	cp_metrics_init(&metrics);

	if (cp_vdev_defaults(dd, argv) != 0) {
		fprintf(stderr, "argos: out of memory\n");
		return 1;
	}
	eal_devices(argc, argv, devs, sizeof(devs));
	if (cp_caps_precheck(dd, argv, msg, sizeof(msg)) != 0 ||
	    cp_xdp_precheck(dd, argv, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "argos: %s\n", msg);
		return 1;
	}
	if (!has_arg(argc, argv, "--no-huge") && hugepages_free() == 0) {
		fprintf(stderr, "argos: no free hugepages (HugePages_Free is 0 in /proc/meminfo): "
			"run scripts/hugepages first\n");
		return 1;
	}
	/* Only for rte_eal_init(), which keeps copies of what it needs:
	 * freed at once, so that no refusal path leaks it (LeakSanitizer). */
	eal_argv = calloc((size_t)argc + 2, sizeof(*eal_argv));
	if (eal_argv == NULL) {
		fprintf(stderr, "argos: out of memory\n");
		return 1;
	}
	eal_argc = cli_eal_argv(dd, argv, dd, eal_argv);
	ret = rte_eal_init(eal_argc, eal_argv);
	free(eal_argv);
	if (ret < 0) {
		fprintf(stderr, "argos: EAL initialisation failed: %s: too few hugepages? "
			"run scripts/hugepages; devices given: %s\n", rte_strerror(rte_errno), devs);
		return 1;
	}
	if (app.cfg.debug >= 3)
		rte_log_set_global_level(RTE_LOG_DEBUG);
	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "argos: no ethdev port: the device did not probe: %s.  "
			"Does the interface exist (ip link show)?  Is the PCI device bound "
			"(dpdk-devbind.py --status)?\n", devs);
		goto out;
	}
	if (rte_lcore_count() < 2) {
		fprintf(stderr, "argos: a worker lcore is needed besides the main one: "
			"give the EAL -l 0,1 (or --lcores=0@0,1@0 on one CPU)\n");
		goto out;
	}
	app.n_lanes = rte_lcore_count() - 1;
	if (app.n_lanes > MAX_WORKERS) {
		fprintf(stderr, "argos: %u worker lcores given, at most %u are used: "
			"give the EAL fewer lcores\n", app.n_lanes, MAX_WORKERS);
		goto out;
	}
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = rte_rdtsc();
	rte_srand(seed);   /* request-ids and ping ids must not be guessable */

	app.clk.hz = cp_tsc_hz(rte_get_tsc_hz());   /* EAL's may be rounded: cp_tsc.c */
	{	/* the wall clock of TSC stamps */
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		app.clk.tsc0 = rte_rdtsc();
		app.clk.unix_ns0 = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	/* One profile table for every core; entry 0 is --oids or if-mib,
	 * DB mode adds the database's profiles as it meets them. */
	app.profiles = rte_zmalloc("argos_profiles", ARGOS_MAX_PROFILES * sizeof(*app.profiles),
				   RTE_CACHE_LINE_SIZE);
	if (app.profiles == NULL) {
		fprintf(stderr, "argos: cannot allocate the profile table (too few hugepages? "
			"run scripts/hugepages)\n");
		goto out;
	}
	app.profiles[0] = app.cfg.profile;
	app.n_profiles = 1;
	if (open_devices(&app) != 0)
		goto out;
	if (app.dbm == NULL)     /* DB mode: agents on port 161 only (docs/setup.md) */
		cp_xdp_set_agent_ports(app.devs, app.n_devs);
	if (cp_usm_open(&app, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "argos: %s\n", msg);
		goto out_port;
	}

	if (dp_port_init(app.cfg.port, (uint16_t)app.n_lanes, port, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "argos: %s.  Devices given: %s\n", msg, devs);
		goto out_port;   /* it may have started before failing */
	}
	for (w = 0; w < app.n_lanes; w++) {
		app.lanes[w] = lane_create(&app, w, port);
		if (app.lanes[w] == NULL) {
			fprintf(stderr, "argos: cannot allocate worker %u's rings and batches: %s "
				"(too few hugepages? run scripts/hugepages)\n", w,
				rte_strerror(rte_errno));
			goto out_port;
		}
	}
	cp_usm_lanes(&app);
	if (dp_lanes_setup(app.lanes, app.n_lanes, msg, sizeof(msg)) != 0 ||
	    cp_xdp_configure(port, app.cfg.ip, app.cfg.src_port,
			     (uint16_t)(app.cfg.src_port + app.n_lanes - 1), msg, sizeof(msg)) != 0) {
		fprintf(stderr, "argos: %s\n", msg);
		goto out_port;
	}

	if (app.cfg.output_path == NULL) {
		app.out = NULL;
	} else if (!strcmp(app.cfg.output_path, "-")) {
		app.out = stdout;
	} else if ((app.out = fopen(app.cfg.output_path, "w")) == NULL) {
		fprintf(stderr, "argos: --output %s: %s\n", app.cfg.output_path, strerror(errno));
		goto out_port;
	}
	if (app.out)
		setvbuf(app.out, NULL, _IOFBF, 1 << 20);
	app.statf = app.out == stdout ? stderr : stdout;

	/* Sized once for every slot a reload may use: other threads read them. */
	app.next_due = calloc(app.cap_devs * 2, sizeof(*app.next_due));
	app.core_of = malloc(app.cap_devs);
	app.state = calloc(app.cap_devs, sizeof(*app.state));
	if (app.core_of)
		memset(app.core_of, CP_ASSIGN_NONE, app.cap_devs);
	if (app.next_due == NULL || app.core_of == NULL || app.state == NULL ||
	    cp_sched_init(&app.sched, app.cap_devs * 2) != 0 ||
	    cp_assign_init(&app.assign, app.n_lanes, app.cfg.load_avg_window,
			   app.cfg.max_load_delta) != 0) {
		fprintf(stderr, "argos: out of memory for %zu devices\n", app.n_devs);
		goto out_port;
	}
	if (app.dbm != NULL)
		app.max_job_ms = 60000;   /* the longest poll a claim may ask for */
	for (size_t i = 0; app.dbm == NULL && i < app.n_devs; i++) {
		uint64_t t = (uint64_t)app.devs[i].snmp_timeout_ms * (app.devs[i].snmp_retries + 1);

		if (t > app.max_job_ms)
			app.max_job_ms = t;
	}
	if (open_exports(&app) != 0)
		goto out_port;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (cp_telemetry_register(&app) != 0)
		fprintf(stderr, "argos: DPDK telemetry commands not registered; "
			"/argos/* will not answer\n");

	w = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (w == app.n_lanes)
			break;
		rte_eal_remote_launch(dp_worker_main, app.lanes[w], lcore);
		w++;
	}
	for (uint64_t until = cp_mono_ms() + READY_TIMEOUT_S * 1000; ;) {
		unsigned ready = 0;

		for (w = 0; w < app.n_lanes; w++)
			ready += app.lanes[w]->ready;
		if (ready == app.n_lanes)
			break;
		if (cp_mono_ms() > until || worker_returned()) {
			fprintf(stderr, "argos: worker did not start (see the dataplane message above)\n");
			goto out_stop;
		}
		usleep(1000);
	}

	{
		struct in_addr ip = { .s_addr = app.cfg.ip }, gw = { .s_addr = app.cfg.gateway };
		char ipb[16], gwb[16], src[300];

		inet_ntop(AF_INET, &ip, ipb, sizeof(ipb));
		inet_ntop(AF_INET, &gw, gwb, sizeof(gwb));
		if (app.dbm != NULL) {
			char dsn[256];

			cp_redact(app.cfg.db.dsn, dsn, sizeof(dsn));
			snprintf(src, sizeof(src), "devices from %s", dsn);
		} else {
			snprintf(src, sizeof(src), "%zu devices, profile %s", app.n_devs,
				 app.cfg.profile_name);
		}
		fprintf(stderr, "argos: ready: port %u (%s) mac %02x:%02x:%02x:%02x:%02x:%02x "
			"ip %s/%u gateway %s, %u worker(s), %s, checksums %s, replies steered by "
			"%s (udp) and %s (icmp)\n", app.cfg.port, port->name, port->mac[0],
			port->mac[1], port->mac[2], port->mac[3], port->mac[4], port->mac[5], ipb,
			app.cfg.prefix_len, app.cfg.gateway ? gwb : "none", app.n_lanes, src,
			port->tx_udp_cksum ? "offloaded" : "in software",
			argos_steer_name(app.lanes[0]->steer_udp),
			argos_steer_name(app.lanes[0]->steer_icmp));
	}

	start_ms = cp_mono_ms();
	next_stats_ms = app.cfg.stats_period ? start_ms + app.cfg.stats_period * 1000 : UINT64_MAX;
	if (app.dbm == NULL)
		schedule_all(&app, start_ms);
	end_ms = app.cfg.duration_s ? start_ms + app.cfg.duration_s * 1000ull : UINT64_MAX;
	while (!signals_seen) {
		uint64_t now = cp_mono_ms();
		unsigned work = drain_results(&app);

		if (hup_seen) {
			hup_seen = 0;
			cp_reload_hup(&app, now);
		}
		if (app.dbm != NULL)
			cp_dbmode_tick(&app, now);
		sample_load(&app, now);
		pps_refill(&app, now);
		send_due(&app, now);
		if (app.cfg.once && app.sched.n == 0 && app.jobs_ended == app.jobs_sent)
			break;
		if (now >= end_ms)
			break;
		if (now >= next_stats_ms) {
			cp_stats_print(app.statf, app.lanes, app.n_lanes, app.views, rte_rdtsc(),
				       app.clk.hz);
			next_stats_ms += app.cfg.stats_period * 1000;
		}
		publish_metrics(&app, &metrics, now, &next_metrics_ms);
		if (work == 0)
			usleep(1000);
	}
	if (signals_seen)
		fprintf(stderr, "argos: signal received: finishing the %llu polls in flight\n",
			(unsigned long long)jobs_in_flight(&app));
	rc = 0;

out_stop:
	run_end_ms = cp_mono_ms();
	/* After a failed start there is nothing in flight to wait for. */
	shutdown_lanes(&app, rc != 0 ? 0 : app.max_job_ms + app.cfg.ping_interval_ms * ARGOS_PING_MAX +
					   app.cfg.ping_timeout_ms + 1000);
	if (rc == 0 && jobs_in_flight(&app) != 0) {
		fprintf(stderr, "argos: %llu polls were still in flight when %s; their results "
			"are incomplete\n", (unsigned long long)jobs_in_flight(&app),
			signals_seen > 1 ? "a second signal cut the drain short" : "the drain gave up");
		for (w = 0; w < app.n_lanes; w++)
			fprintf(stderr, "argos: worker %u: %llu jobs started, %llu ended, %llu in its "
				"ring\n", w, (unsigned long long)app.lanes[w]->stats.jobs_started,
				(unsigned long long)app.lanes[w]->stats.jobs_done,
				(unsigned long long)rte_ring_count(app.lanes[w]->jobs));
		drain_cut = 1;
	} else if (rc == 0 && signals_seen) {
		fprintf(stderr, "argos: the polls in flight ended %llu ms after the signal\n",
			(unsigned long long)(cp_mono_ms() - run_end_ms));
	}
	cp_dbmode_close(&app);
	if (app.out)
		fflush(app.out);
	if (rc == 0) {
		struct cp_run_figures fig = {
			.seconds = (double)(run_end_ms - start_ms) / 1000.0,
			.devices = app.dbm ? 0 : cp_reload_live(&app),
			.polls_ok = app.polls_ok, .polls_failed = app.polls_failed,
			.pings_done = app.pings_done, .ring_full = app.ring_full,
			.paced = app.cfg.pace, .pace_rate_pps = app.pace.rate,
			.pace_backoffs = app.pace.backoffs,
		};

		if (close_exports(&app) != 0)
			rc = 1;
		cp_stats_summary(app.statf, app.lanes, app.n_lanes, fig.seconds, app.polls_ok,
				 app.polls_failed, app.pings_done, app.ring_full);
		cp_usm_summary(&app, app.statf);
		if (app.cfg.summary_json &&
		    cp_stats_json(app.cfg.summary_json, app.lanes, app.n_lanes, &fig) != 0) {
			fprintf(stderr, "argos: --summary-json %s: %s\n", app.cfg.summary_json,
				strerror(errno));
			rc = 1;
		}
		for (w = 0; w < app.n_lanes; w++)
			if (app.lanes[w]->stats.results_lost) {
				fprintf(stderr, "argos: results were lost: the control plane did "
					"not keep up\n");
				rc = 1;
			}
		if (app.bad_records) {
			fprintf(stderr, "argos: %lu bad result records\n", app.bad_records);
			rc = 1;
		}
		if (drain_cut)
			rc = 1;
	}
	if (app.out && app.out != stdout && fclose(app.out) != 0) {
		fprintf(stderr, "argos: --output %s: %s\n", app.cfg.output_path, strerror(errno));
		rc = 1;
	}
out_port:
	cp_dbmode_close(&app);
	cp_http_stop(app.http);
	rw_close(app.rw);
	cp_reload_close(&app);
	cp_usm_close(&app);
	dp_port_close(app.cfg.port);
out:
	cp_sx_close(&app);
	cp_metrics_free(&metrics);
	cp_http_conf_free(&app.cfg.http);
	rte_eal_cleanup();
	return rc;
}
