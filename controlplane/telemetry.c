/*
 * telemetry.c - argos's DPDK telemetry commands, for dpdk-telemetry.py
 * (connect with -f <file-prefix>):
 *
 *   /argos/stats          totals of every core and of the control plane
 *   /argos/cores          one entry per worker core
 *   /argos/device,ID      one device, by id or hostname
 *
 * The callbacks run on DPDK's telemetry thread.  They read counters
 * that the cores and the main lcore write (aligned 64-bit values, never
 * torn, at worst one update old) and the device table, which does not
 * move once polling started.  A reload (SIGHUP) or a DB claim rewrites
 * a record in place, so a reader may see one half-written; its strings
 * still end within their arrays (the last byte of id and hostname is
 * always NUL).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_ring.h>
#include <rte_telemetry.h>

#include "cp_app.h"
#include "cp_reload.h"

static const struct cp_app *tel_app;

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct argos_core_stats t;
	const struct cp_app *a = tel_app;

	(void)cmd;
	(void)params;
	cp_stats_total(a->lanes, a->n_lanes, &t);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", a->n_lanes);
	rte_tel_data_add_dict_u64(d, "devices", cp_reload_live(a));
	rte_tel_data_add_dict_u64(d, "snmp_polls_ok", a->polls_ok);
	rte_tel_data_add_dict_u64(d, "snmp_polls_failed", a->polls_failed);
	rte_tel_data_add_dict_u64(d, "ping_jobs", a->pings_done);
	rte_tel_data_add_dict_u64(d, "job_ring_full", a->ring_full);
	rte_tel_data_add_dict_u64(d, "inflight", t.inflight);
	for (const struct cp_core_counter *c = cp_core_counters; c->key != NULL; c++)
		rte_tel_data_add_dict_u64(d, c->key, cp_core_counter(&t, c));
	rte_tel_data_add_dict_u64(d, "rtt_p50_us", cp_stats_rtt_percentile(&t, 0.50));
	rte_tel_data_add_dict_u64(d, "rtt_p99_us", cp_stats_rtt_percentile(&t, 0.99));
	for (int i = 0; i < ARGOS_DROP_MAX; i++) {
		char name[64];

		snprintf(name, sizeof(name), "dropped_%s", argos_drop_names[i]);
		rte_tel_data_add_dict_u64(d, name, t.drop[i]);
	}
	return 0;
}

static int
tel_cores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct cp_app *a = tel_app;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned w = 0; w < a->n_lanes; w++) {
		const struct argos_lane *l = a->lanes[w];
		const struct argos_core_stats *s = &l->stats;
		struct rte_tel_data *c = rte_tel_data_alloc();
		char name[16];

		if (c == NULL)
			return -1;
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "queue", l->queue);
		rte_tel_data_add_dict_u64(c, "inflight", s->inflight);
		rte_tel_data_add_dict_u64(c, "jobs_queued", rte_ring_count(l->jobs));
		for (const struct cp_core_counter *k = cp_core_counters; k->key != NULL; k++)
			rte_tel_data_add_dict_u64(c, k->key, cp_core_counter(s, k));
		snprintf(name, sizeof(name), "%u", w);
		rte_tel_data_add_dict_container(d, name, c, 0);
	}
	return 0;
}

static int
tel_device(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct cp_app *a = tel_app;
	char ip[INET_ADDRSTRLEN];

	(void)cmd;
	if (params == NULL || *params == '\0')
		return -1;
	for (size_t i = 0; i < a->n_devs; i++) {
		const struct cp_device *dev = &a->devs[i];
		const struct cp_dev_state *st = &a->state[i];

		if (strcmp(dev->id, params) != 0 && strcmp(dev->hostname, params) != 0)
			continue;
		inet_ntop(AF_INET, &dev->ip, ip, sizeof(ip));
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_string(d, "id", dev->id);
		rte_tel_data_add_dict_string(d, "hostname", dev->hostname);
		rte_tel_data_add_dict_string(d, "ip_address", ip);
		rte_tel_data_add_dict_int(d, "core", a->core_of[i] == CP_ASSIGN_NONE ? -1 :
					  a->core_of[i]);
		rte_tel_data_add_dict_u64(d, "polls_ok", st->polls_ok);
		rte_tel_data_add_dict_u64(d, "polls_failed", st->polls_failed);
		rte_tel_data_add_dict_u64(d, "pings", st->pings);
		rte_tel_data_add_dict_int(d, "last_ok", st->last_done_ms ? st->last_ok : -1);
		rte_tel_data_add_dict_u64(d, "last_duration_ms", st->last_duration_ms);
		rte_tel_data_add_dict_u64(d, "last_done_ms_ago", st->last_done_ms ?
					  cp_mono_ms() - st->last_done_ms : 0);
		/* What argos learnt of the agent (argos_maxrep.h): the
		 * max-repetitions the next poll starts from, the configured
		 * ceiling, and the smallest size found too large (0: none). */
		rte_tel_data_add_dict_u64(d, "max_repetitions",
					  argos_maxrep_next(&st->maxrep, dev->snmp_max_repetitions));
		rte_tel_data_add_dict_u64(d, "max_repetitions_configured",
					  dev->snmp_max_repetitions);
		rte_tel_data_add_dict_u64(d, "max_repetitions_too_large", st->maxrep.ceiling);
		rte_tel_data_add_dict_string(d, "community", st->alt_in_use && dev->alt_community[0] ?
					     "alternate" : "primary");
		return 0;
	}
	rte_tel_data_string(d, "no such device");
	return 0;
}

int
cp_telemetry_register(const struct cp_app *app)
{
	int rc;

	tel_app = app;
	rc = rte_telemetry_register_cmd("/argos/stats", tel_stats,
					"argos totals: packets, polls, drops by reason, RTT");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/argos/cores", tel_cores,
						"Per worker core: packets, in flight, queued, "
						"matched, retries, timeouts. No parameters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/argos/device", tel_device,
						"One device's state. Parameter: its id or hostname");
	return rc;
}
