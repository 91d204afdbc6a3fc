/*
 * config.h - argos's own command line (what follows the EAL's "--").
 */
#ifndef ARGOS_CP_CONFIG_H
#define ARGOS_CP_CONFIG_H

#include <stdint.h>

#include "argos_job.h"
#include "cp_db.h"
#include "cp_http.h"
#include "rw.h"

/* --wrap-counters: whose Counter64 values are sent modulo 2^53. */
enum cp_wrap {
	CP_WRAP_NONE = 0,
	CP_WRAP_MODULES,           /* snmp_exporter modules only (its default) */
	CP_WRAP_ALL,               /* also the built-in if-mib names */
};

struct cp_config {
	uint32_t ip;               /* network order */
	uint32_t netmask;          /* network order */
	uint8_t prefix_len;
	uint32_t gateway;          /* network order, 0: none */
	const char *devices_path;
	const char *devices_cidr;  /* benchmark mode: one device per address */
	const char *community;     /* of the --devices-cidr devices */
	int ping_only, snmp_only;
	uint32_t duration_s;       /* 0: until --once ends or a signal */
	const char *summary_json;  /* written at exit */
	struct rw_conf rw;         /* --remote-write and --rw-*; n_urls 0: off */
	struct cp_http_conf http;  /* --listen, --api-token-file, --tls-*; listen NULL: off */
	struct cp_db_opts db;      /* --dsn and the database flags; dsn NULL: off */
	int migrate;               /* --migrate: apply the schema, exit */
	uint32_t max_pps;          /* 0: no limit */
	int pace;                  /* --pace auto (1): the rate follows the link */
	uint32_t ping_batch;       /* ping jobs started per loop turn at most */
	uint8_t debug;
	const char *log_dir;
	uint32_t load_avg_window;  /* seconds of core load averaged */
	double max_load_delta;     /* load gap that moves a device */
	const char *output_path;   /* NULL: results are counted, not written */
	struct argos_profile profile;
	const char *profile_name;  /* "if-mib" or "--oids" */
	const char *sx_config;     /* --snmp-exporter-config FILE, NULL: none */
	const char *sx_default_modules; /* --snmp-exporter-module: devices without the column */
	uint8_t wrap_counters;     /* enum cp_wrap: Counter64 modulo 2^53 */
	uint32_t lookup_refresh_s; /* label tables of modules: walked this often */
	int once;
	uint32_t stats_period;     /* seconds, 0: no periodic stats */
	uint8_t ping_count;
	uint32_t ping_interval_ms;
	uint32_t ping_timeout_ms;
	uint16_t port;
	uint32_t max_inflight;
	uint16_t src_port;
	int avoid_fragments;       /* shrink max-repetitions on replies in fragments */
};

/**
 * Parse argos's arguments into c.
 * @return 0; 1 when --help or --version was answered (exit 0); -1 on a
 *         bad argument, after printing what is wrong to stderr.
 */
int cp_config_parse(int argc, char **argv, struct cp_config *c);

/** The built-in if-mib profile: system, ifTable, ifXTable. */
void cp_profile_if_mib(struct argos_profile *p);

#endif
