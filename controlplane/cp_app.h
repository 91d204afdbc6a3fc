/*
 * cp_app.h - the control plane's state, owned by the main lcore.
 *
 * One struct holds what the main loop works with: the options, the
 * devices and their schedule, the lanes to the worker cores, and the
 * run's counters.  Other control-plane threads (DPDK telemetry, the
 * HTTP server) only read counters from it, never pointers that the
 * main lcore may replace.
 */
#ifndef ARGOS_CP_APP_H
#define ARGOS_CP_APP_H

#include <stdint.h>
#include <stdio.h>

#include "argos_lane.h"
#include "argos_maxrep.h"
#include "cp_assign.h"
#include "cp_config.h"
#include "cp_devices.h"
#include "cp_pace.h"
#include "cp_output.h"
#include "cp_sched.h"
#include "cp_stats.h"

#define MAX_WORKERS ARGOS_MAX_WORKERS

struct rw;
struct cp_sx;
struct cp_http;
struct cp_dbmode;
struct cp_metrics;
struct cp_reload;
struct cp_usm;

/** What the control plane last saw of one device, and what it learnt
 *  of its agent for the next polls. */
struct cp_dev_state {
	uint64_t polls_ok, polls_failed, pings;
	uint64_t last_done_ms;       /* monotonic, 0: never */
	uint32_t last_duration_ms;
	uint8_t last_ok;
	uint8_t alt_in_use;          /* the alternate community answered last: tried first */
	struct argos_maxrep_memo maxrep;   /* the learnt max-repetitions (argos_maxrep.h) */
};


struct cp_app {
	struct cp_config cfg;
	struct cp_device *devs;
	size_t n_devs;               /* slots in use: every device index is below */
	size_t cap_devs;             /* slots in the per-device arrays; they never move */
	struct cp_reload *rl;        /* --devices FILE: slots kept across SIGHUP reloads */
	uint64_t max_job_ms;         /* the longest job: what the drain waits for */
	uint64_t reloads, reload_failures;
	struct cp_dev_state *state;  /* per device */
	uint64_t *next_due;          /* per device and kind: the poll grid */
	uint8_t *core_of;            /* per device: its worker, CP_ASSIGN_NONE at first */
	struct cp_assign assign;
	uint64_t next_load_ms;       /* next load sample */
	struct argos_lane *lanes[MAX_WORKERS];
	unsigned n_lanes;
	struct argos_port_info port;
	struct cp_stats_view views[MAX_WORKERS];
	struct cp_sched sched;
	struct cp_clock clk;
	FILE *out;
	FILE *statf;
	uint64_t polls_ok, polls_failed, pings_done, ring_full;
	uint64_t jobs_sent, jobs_ended;
	uint64_t bad_records;

	/* the cores' profile table: entry 0 is --oids or if-mib */
	struct argos_profile *profiles;
	unsigned n_profiles;

	struct rw *rw;               /* --remote-write, or NULL */
	struct cp_sx *sx;            /* --snmp-exporter-config, or NULL (sx_app.h) */
	struct cp_http *http;        /* --listen, or NULL */
	struct cp_dbmode *dbm;       /* --dsn, or NULL */
	struct cp_usm *usm;          /* SNMPv3: credential table, engines (usm_table.c) */

	/* --max-pps: a token bucket over the packets the cores send */
	uint64_t pps_ms, pps_tx;     /* last refill, and the cores' tx then */
	double pps_tokens;
	uint64_t pps_paid;           /* packets paid at job start, not yet seen sent */
	uint64_t pps_limited;        /* jobs that waited for tokens */
	struct cp_pace pace;         /* --pace auto: the rate of the bucket (pace.c) */
	uint64_t pace_next_ms;       /* its next tick */
	uint64_t pace_rtt[ARGOS_RTT_BUCKETS];   /* the cores' RTT histogram then */

	/* /metrics: the counters at the previous rendering, for rates */
	uint64_t metrics_tsc;
	struct argos_core_stats metrics_last[MAX_WORKERS];
};

/** Milliseconds of CLOCK_MONOTONIC. */
uint64_t cp_mono_ms(void);

/* --- what argos learns of each agent between polls (learn.c) --- */

/**
 * Learn from an SNMP job's DONE record what the next poll of its device
 * starts with: the max-repetitions (argos_maxrep_learn) and the
 * community tried first.
 */
void cp_learn_poll_end(struct cp_app *app, const struct argos_rec_done *d);

/**
 * Fill the learnt and per-device parts of device idx's SNMP job: the
 * max-repetitions to start from, the two communities in the order to
 * try them, the leniency flags (and --avoid-fragments).
 */
void cp_learn_job(const struct cp_app *app, uint32_t idx, struct argos_job *j);

/**
 * Send one result record where it goes: --output, --remote-write, and
 * in DB mode the poll's outcome.  @return 0, or -1 for a record that
 * does not parse (counted as bad by the caller).
 */
int cp_sink_record(struct cp_app *app, const struct argos_rec_hdr *h);

/** Name, for the exporter, the metrics of DB profile db_id. */
void cp_export_profile_names(struct cp_app *app, int32_t db_id);

/** Render the appliance's own metrics (cores, rings, DB, export) into m. */
void cp_metrics_render_app(struct cp_app *app, struct cp_metrics *m);

/**
 * Register argos's DPDK telemetry commands (/argos/stats, /argos/cores,
 * /argos/device,ID), answered from app for dpdk-telemetry.py.
 * @return 0, or a negative errno when a command could not be added.
 */
int cp_telemetry_register(const struct cp_app *app);

#endif
