/*
 * sx_app_internal.h - what sx_app.c (binding, module sets, profiles)
 * and sx_app_poll.c (records, series, lookup cache) share.
 */
#ifndef ARGOS_SX_APP_INTERNAL_H
#define ARGOS_SX_APP_INTERNAL_H

#include <stdint.h>

#include "cp_app.h"
#include "cp_devices.h"
#include "sx.h"
#include "sx_app.h"
#include "sx_plan.h"
#include "sx_uptime.h"

#define SX_ENTRY_NONE 0xffff

/* A set of modules (and an auth) some devices run: one plan, its
 * profile-table entries, the SNMP parameters its modules give. */
struct sx_set {
	char *key;                     /* "mod1,mod2|auth" as the devices name it */
	int mods[CP_SX_MODULES_MAX];
	uint32_t n;
	uint16_t entry_full;           /* profile entries */
	uint16_t entry_light;          /* without the label tables, SX_ENTRY_NONE: none */
	uint32_t full_n, light_n;      /* OIDs of each plan */
	struct argos_oid *full_walks;  /* the full plan's walks, for the cost estimate */
	uint32_t n_full_walks;
	struct argos_oid *light_walks;
	uint32_t n_light_walks;
	struct argos_oid *labels;      /* label-only subtrees: cached between full polls */
	uint32_t n_labels;
	uint8_t nonincreasing;         /* a module says allow_nonincreasing_oids */
	uint8_t probe_lastchange;      /* the plans get ifTableLastChange.0 and ifNumber.0 */
	/* SNMP parameters, has_*: the modules or the auth say them */
	uint8_t has_version, version;  /* 0 v1, 1 v2c (argos_job), 3 v3 (usm) */
	struct cp_usm_conf usm;        /* version 3: the auth's USM settings */
	uint8_t has_community;
	char community[ARGOS_COMMUNITY_MAX + 1];
	uint8_t has_maxrep, has_retries, has_timeout;
	uint16_t maxrep;
	uint8_t retries;
	uint32_t timeout_ms;
};

/* One varbind of the poll in progress, its bytes in dev->arena. */
struct sx_rec {
	uint32_t oid_off, oid_len;     /* arena offsets, bytes */
	uint32_t val_off, len;
	uint8_t type;
	int64_t i;
	uint64_t u;
	int64_t ts_ms;
};

struct sx_buf {
	uint8_t *p;
	size_t len, cap;
};

/* What argos keeps of one module device between and during polls. */
struct sx_dev {
	struct sx_rec *recs;
	size_t n_recs, cap_recs;
	struct sx_buf arena;
	uint32_t failed;               /* modules (bit i: set->mods[i]) with an error */
	uint8_t light;                 /* the job in flight runs the light plan */
	/* lookup cache */
	struct sx_rec *cache;          /* label varbinds of the last full poll */
	size_t n_cache, cap_cache;
	struct sx_buf cache_arena;
	int64_t cache_ms;              /* when they were walked, 0: never */
	uint8_t force_full;            /* a light poll saw a change: walk labels next time */
	uint8_t light_ok;              /* the light plan costs fewer bytes (cache_refresh) */
	uint16_t light_maxrep;         /* max-repetitions of its light polls */
	uint8_t lastchange_seen, ifnumber_seen;
	uint32_t lastchange;           /* ifTableLastChange of the last poll */
	int64_t ifnumber;              /* ifNumber of the last poll */
	uint64_t returned[CP_SX_MODULES_MAX];   /* pdus_returned of the last full poll */
};

struct cp_sx {
	struct sx_config *cfg;
	struct sx_set *sets;           /* index = cp_device.sx_set - 1 */
	uint32_t n_sets;
	struct sx_dev **dev;           /* per device index, NULL until its first poll */
	size_t n_dev;
	struct sx_uptime *uptime;      /* per device index (every device) */
	size_t n_uptime;
	struct sx_pdus all, scoped;    /* scratch of one DONE */
	/* series of one device poll, deduplicated by a hash of name and labels */
	uint64_t *seen;
	uint32_t *seen_gen;
	uint32_t seen_size, gen, seen_n;
	/* counters (/metrics) */
	uint64_t samples, duplicates, module_failures, polls_full, polls_light;
	uint64_t label_refreshes, label_changes;
};

/* sx_app_poll.c */
int sx_app_dev_reserve(struct cp_sx *s, size_t n_dev);
void sx_app_dev_free(struct sx_dev *d);

#endif
