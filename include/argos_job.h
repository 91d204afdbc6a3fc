/*
 * argos_job.h - the job record: what the control plane asks one
 * dataplane core to do for one device.
 *
 * A job is a fixed-size record copied through a single-producer,
 * single-consumer ring (see argos_lane.h).  It carries everything the
 * core needs, so the core never looks anything up in control-plane
 * memory except the read-only profile table it was given at start.
 */
#ifndef ARGOS_JOB_H
#define ARGOS_JOB_H

#include <stdint.h>

#include "argos_types.h"

#define ARGOS_COMMUNITY_MAX 64   /* longer communities are refused at load */
#define ARGOS_PING_MAX 16        /* probes per ping job */
/*
 * OIDs of one profile.  Why 128: a module of snmp_exporter's generator
 * gets up to 58 OIDs (powercom) and a device may run several modules;
 * the profile table (ARGOS_MAX_PROFILES entries of 66 KiB) then takes
 * 17 MiB of hugepage memory, and a job's worst-case end (an error per
 * OID, snmp_session.h) stays within the admission reserve.
 */
#define ARGOS_PROFILE_MAX_OIDS 128
#define ARGOS_MAX_PROFILES 256    /* entries of the cores' profile table */

/* How a profile OID is fetched (argos_profile.flags). */
#define ARGOS_OID_AUTO 0          /* GET when it ends in .0, else walked */
#define ARGOS_OID_GET 1           /* GET of exactly this instance */
#define ARGOS_OID_WALK 2          /* walk of the subtree under it */

enum argos_job_kind {
	ARGOS_JOB_SNMP = 1,   /* GETs and walks of the profile's OIDs */
	ARGOS_JOB_PING = 2,   /* ping_count ICMP echo probes */
};

/** One poll of one device.  128 bytes: two cache lines. */
struct argos_job {
	uint32_t device;          /**< control plane's device index, echoed in results */
	uint32_t ip;              /**< target IPv4, network byte order */
	uint8_t kind;             /**< enum argos_job_kind */
	uint8_t snmp_version;     /**< 0 = v1, 1 = v2c */
	uint8_t retries;          /**< resends after the first attempt */
	uint8_t community_len;
	uint16_t port;            /**< agent UDP port, host order */
	uint16_t max_repetitions; /**< GETBULK max-repetitions, >= 1 */
	uint32_t timeout_ms;      /**< per SNMP attempt, or per ping probe */
	uint16_t profile;         /**< index into the profile table */
	uint8_t ping_count;       /**< 1..ARGOS_PING_MAX */
	uint8_t reserved;
	uint32_t ping_interval_ms;
	char community[ARGOS_COMMUNITY_MAX];
	uint8_t pad[128 - 92];
};

/** What to poll: each OID is fetched with GET or walked, as its flag
 *  says (ARGOS_OID_AUTO: scalars, OIDs ending in .0, with GET, the
 *  others walked).  Read-only once the cores run. */
struct argos_profile {
	uint32_t n_oids;
	uint8_t flags[ARGOS_PROFILE_MAX_OIDS];   /**< ARGOS_OID_*, 0 for AUTO */
	struct argos_oid oids[ARGOS_PROFILE_MAX_OIDS];
};

/** 1 when profile OID i is fetched with GET, 0 when it is walked. */
static inline int
argos_profile_is_get(const struct argos_profile *p, uint32_t i)
{
	const struct argos_oid *o = &p->oids[i];

	if (p->flags[i] != ARGOS_OID_AUTO)
		return p->flags[i] == ARGOS_OID_GET;
	return o->len > 0 && o->sub[o->len - 1] == 0;
}

_Static_assert(sizeof(struct argos_job) == 128, "argos_job is two cache lines");

#endif
