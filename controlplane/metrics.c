/*
 * metrics.c - the appliance's own metrics, in Prometheus text format,
 * for /metrics (--listen).
 *
 * The main lcore renders them about once a second: it is the thread
 * that owns the control plane's counters, and it reads the cores'
 * counters the same way the statistics printer does.  The HTTP thread
 * serves the latest copy.
 */
#include <stddef.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "cp_app.h"
#include "cp_db.h"
#include "cp_dbmode.h"
#include "cp_http.h"
#include "sx_app.h"
#include "rw.h"

/* Per-core gauges, in the order render_cores() fills them. */
static const struct {
	const char *name;
	const char *help;
} core_gauges[] = {
	{ "argos_core_tx_pps", "Packets sent per second, last interval." },
	{ "argos_core_rx_pps", "Packets received per second, last interval." },
	{ "argos_core_inflight", "Jobs in progress on the core." },
	{ "argos_ring_jobs_queued", "Jobs waiting in the core's job ring." },
	{ "argos_ring_results_queued", "Result batches waiting for the control plane." },
	{ "argos_core_frag_held", "IPv4 fragments waiting in the core's reassembly table." },
};

static void
render_cores(struct cp_app *app, struct cp_metrics *m, uint64_t now_tsc)
{
	char core[MAX_WORKERS][8];
	struct argos_core_stats s[MAX_WORKERS];
	double v[6][MAX_WORKERS];
	double dt = app->metrics_tsc ? (double)(now_tsc - app->metrics_tsc) / app->clk.hz : 0;

	for (unsigned w = 0; w < app->n_lanes; w++) {
		snprintf(core[w], sizeof(core[w]), "%u", w);
		s[w] = app->lanes[w]->stats;
	}
	for (const struct cp_core_counter *c = cp_core_counters; c->key != NULL; c++) {
		char name[96];

		snprintf(name, sizeof(name), "argos_core_%s_total", c->key);
		cp_metrics_help(m, name, "counter", c->help);
		for (unsigned w = 0; w < app->n_lanes; w++)
			cp_metrics_u64(m, name, &(struct cp_label){ "core", core[w] }, 1,
				       cp_core_counter(&s[w], c));
	}
	for (unsigned w = 0; w < app->n_lanes; w++) {
		v[0][w] = dt > 0 ? (double)(s[w].tx_pkts - app->metrics_last[w].tx_pkts) / dt : 0;
		v[1][w] = dt > 0 ? (double)(s[w].rx_pkts - app->metrics_last[w].rx_pkts) / dt : 0;
		v[2][w] = (double)s[w].inflight;
		v[3][w] = (double)rte_ring_count(app->lanes[w]->jobs);
		v[4][w] = (double)rte_ring_count(app->lanes[w]->results);
		v[5][w] = (double)s[w].frag_held;
	}
	for (size_t g = 0; g < sizeof(core_gauges) / sizeof(core_gauges[0]); g++) {
		cp_metrics_help(m, core_gauges[g].name, "gauge", core_gauges[g].help);
		for (unsigned w = 0; w < app->n_lanes; w++)
			cp_metrics_double(m, core_gauges[g].name, &(struct cp_label){ "core", core[w] },
					  1, v[g][w]);
	}
	cp_metrics_help(m, "argos_core_replies_dropped_total", "counter",
			"Replies dropped by the core, by reason.");
	for (unsigned w = 0; w < app->n_lanes; w++)
		for (int r = 0; r < ARGOS_DROP_MAX; r++) {
			struct cp_label l[2] = { { "core", core[w] }, { "reason", argos_drop_names[r] } };

			cp_metrics_u64(m, "argos_core_replies_dropped_total", l, 2, s[w].drop[r]);
		}
	for (unsigned w = 0; w < app->n_lanes; w++)
		app->metrics_last[w] = s[w];
	app->metrics_tsc = now_tsc;
}

/* Own mode: how long after its due time each job started, by kind. */
static void
render_lateness(struct cp_app *app, struct cp_metrics *m)
{
	static const char *const le[CP_DBMODE_LATE_N + 1] = {
		"0.001", "0.005", "0.01", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30",
		"60", "+Inf" };
	static const char *const kinds[3] = { "", "snmp", "ping" };

	cp_metrics_help(m, "argos_db_lateness_seconds", "histogram",
			"How long after its due time each SNMP poll (ping) started.");
	for (uint8_t k = CP_DB_SNMP; k <= CP_DB_PING; k++) {
		struct cp_dbmode_late h;
		uint64_t cum = 0;

		cp_dbmode_late(app, k, &h);
		for (unsigned i = 0; i <= CP_DBMODE_LATE_N; i++) {
			struct cp_label l[2] = { { "kind", kinds[k] }, { "le", le[i] } };

			cum += h.bucket[i];
			cp_metrics_u64(m, "argos_db_lateness_seconds_bucket", l, 2, cum);
		}
		cp_metrics_double(m, "argos_db_lateness_seconds_sum",
				  &(struct cp_label){ "kind", kinds[k] }, 1, h.sum);
		cp_metrics_u64(m, "argos_db_lateness_seconds_count",
			       &(struct cp_label){ "kind", kinds[k] }, 1, h.count);
	}
}

static void
render_db(struct cp_app *app, struct cp_metrics *m)
{
	struct cp_db_stats d;

	if (app->dbm == NULL || cp_dbmode_db(app) == NULL)
		return;
	cp_db_get_stats(cp_dbmode_db(app), &d);
	cp_metrics_help(m, "argos_db_claim_round_seconds", "gauge",
			"Round trip of the last claim statement.");
	cp_metrics_double(m, "argos_db_claim_round_seconds", NULL, 0,
			  (double)d.claim_round_us_last / 1e6);
	cp_metrics_help(m, "argos_db_claim_rounds_total", "counter", "Claim statements run.");
	cp_metrics_u64(m, "argos_db_claim_rounds_total", NULL, 0, d.claim_rounds);
	cp_metrics_help(m, "argos_db_claimed_devices_total", "counter", "Devices claimed.");
	cp_metrics_u64(m, "argos_db_claimed_devices_total", NULL, 0, d.claimed_rows);
	cp_metrics_help(m, "argos_db_statements_total", "counter", "Statements sent to Postgres.");
	cp_metrics_u64(m, "argos_db_statements_total", NULL, 0, d.statements);
	cp_metrics_help(m, "argos_db_written_rows_total", "counter", "Results written back.");
	cp_metrics_u64(m, "argos_db_written_rows_total", NULL, 0, d.written_rows);
	cp_metrics_help(m, "argos_db_results_pending", "gauge", "Results not yet written.");
	cp_metrics_u64(m, "argos_db_results_pending", NULL, 0, d.results_pending);
	cp_metrics_help(m, "argos_db_reconnects_total", "counter", "Reconnections to Postgres.");
	cp_metrics_u64(m, "argos_db_reconnects_total", NULL, 0, d.reconnects);
	cp_metrics_help(m, "argos_db_connected", "gauge", "1 while the DB thread has a session.");
	cp_metrics_u64(m, "argos_db_connected", NULL, 0, d.connected);
	cp_metrics_help(m, "argos_db_active", "gauge", "1 while this appliance may poll (HA).");
	cp_metrics_u64(m, "argos_db_active", NULL, 0, d.active);
	if (app->cfg.db.mode != CP_DB_MODE_OWN)
		return;
	cp_metrics_help(m, "argos_db_buckets_owned", "gauge",
			"Device buckets (of 1024) this appliance holds.");
	cp_metrics_u64(m, "argos_db_buckets_owned", NULL, 0, d.buckets_owned);
	cp_metrics_help(m, "argos_db_buckets_taken_total", "counter", "Buckets taken.");
	cp_metrics_u64(m, "argos_db_buckets_taken_total", NULL, 0, d.buckets_taken);
	cp_metrics_help(m, "argos_db_buckets_given_total", "counter", "Buckets given away.");
	cp_metrics_u64(m, "argos_db_buckets_given_total", NULL, 0, d.buckets_given);
	cp_metrics_help(m, "argos_db_devices", "gauge", "Devices of the buckets held, in memory.");
	cp_metrics_u64(m, "argos_db_devices", NULL, 0, cp_dbmode_devices(app));
	cp_metrics_help(m, "argos_db_devices_read_total", "counter",
			"Device rows read (bucket loads and changes).");
	cp_metrics_u64(m, "argos_db_devices_read_total", NULL, 0, d.devices_loaded);
	cp_metrics_help(m, "argos_db_state_rows_total", "counter",
			"Devices whose last_polled_at/last_pinged_at were written.");
	cp_metrics_u64(m, "argos_db_state_rows_total", NULL, 0, d.state_rows);
	render_lateness(app, m);
}

/* --pace auto: the rate the controller allows now and its cuts, by the
 * signal that made them (pace.c).  A torn double is harmless here: the
 * main lcore renders /metrics itself. */
static void
render_pace(const struct cp_app *app, struct cp_metrics *m)
{
	const struct cp_pace *p = &app->pace;

	cp_metrics_help(m, "argos_pace_rate_pps", "gauge",
			"Packets/s --pace auto allows now (0: pacing off, --max-pps alone).");
	cp_metrics_double(m, "argos_pace_rate_pps", NULL, 0, app->cfg.pace ? p->rate : 0);
	cp_metrics_help(m, "argos_pace_backoffs_total", "counter",
			"Cuts of the paced rate, by the signal that made them.");
	for (unsigned r = 0; r < CP_PACE_REASONS; r++)
		cp_metrics_u64(m, "argos_pace_backoffs_total",
			       &(struct cp_label){ "reason", cp_pace_reason_name(r) }, 1,
			       p->backoff_by[r]);
}

void
cp_metrics_render_app(struct cp_app *app, struct cp_metrics *m)
{
	cp_metrics_reset(m);
	cp_metrics_help(m, "argos_snmp_polls_total", "counter", "SNMP polls ended, by outcome.");
	cp_metrics_u64(m, "argos_snmp_polls_total", &(struct cp_label){ "result", "ok" }, 1,
		       app->polls_ok);
	cp_metrics_u64(m, "argos_snmp_polls_total", &(struct cp_label){ "result", "failed" }, 1,
		       app->polls_failed);
	cp_metrics_help(m, "argos_ping_jobs_total", "counter", "Ping jobs ended.");
	cp_metrics_u64(m, "argos_ping_jobs_total", NULL, 0, app->pings_done);
	cp_metrics_help(m, "argos_ring_full_total", "counter",
			"Jobs that found their core's ring full (retried later).");
	cp_metrics_u64(m, "argos_ring_full_total", NULL, 0, app->ring_full);
	cp_metrics_help(m, "argos_pps_limited_total", "counter",
			"Loop turns in which --max-pps held new polls back.");
	cp_metrics_u64(m, "argos_pps_limited_total", NULL, 0, app->pps_limited);
	render_pace(app, m);
	render_cores(app, m, rte_rdtsc());
	render_db(app, m);
	if (app->rw != NULL)
		rw_metrics_render(app->rw, m);
	cp_sx_metrics(app, m);
}
