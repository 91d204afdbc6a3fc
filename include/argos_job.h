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

#define ARGOS_COMMUNITY_MAX 64   /* bytes of room for a community in a job */
/*
 * The longest community argos polls with, in bytes: the devices file,
 * --community, the device API and a claimed row all refuse a longer
 * one (controlplane/device_check.h) rather than cut it.  63 is the
 * schema's bound (devices.snmp_community) and leaves a C string of it
 * room for its NUL in a 64-byte buffer.
 */
#define ARGOS_COMMUNITY_LEN_MAX 63
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

/*
 * What an SNMP job may do beyond RFC 3416's letter (argos_job.flags).
 * Each leniency is opted into per device (a devices-file column, a
 * devices-table column: docs/argos.1.md, AGENTS THAT BEND THE RULES),
 * because each one weakens a check that protects argos from a broken or
 * hostile agent.
 */
enum argos_job_flag {
	ARGOS_JOB_GETNEXT = 1 << 0,         /**< walk with GETNEXT in v2c too (snmp_disable_bulk) */
	ARGOS_JOB_ANY_SOURCE = 1 << 1,      /**< take replies from any source address
	                                         (snmp_allow_other_source) */
	ARGOS_JOB_NONINCREASING = 1 << 2,   /**< walks may go backwards; a loop guard ends
	                                         them (snmp_allow_nonincreasing_oids) */
	ARGOS_JOB_PAST_EXCEPTIONS = 1 << 3, /**< an exception inside a walk reply does not
	                                         end the walk (snmp_walk_past_exceptions) */
	ARGOS_JOB_AVOID_FRAGMENTS = 1 << 4, /**< shrink max-repetitions when a reply came
	                                         in fragments (--avoid-fragments) */
};

/*
 * The SNMPv3 part of an SNMP job (snmp_version 3): which entry of the
 * cores' credential table it uses and what the control plane knows of
 * the agent's engine clock (argos_usm.h).
 */
struct argos_job_v3 {
	uint32_t usm;                /**< credential table entry; UINT32_MAX
	                                  (ARGOS_USM_NONE): discover the engine first */
	uint32_t boots;              /**< the engine's snmpEngineBoots, as last known */
	uint32_t time;               /**< its snmpEngineTime at time_tsc */
	uint8_t level;               /**< enum argos_usm_level asked for */
	uint8_t flags;               /**< enum argos_job_v3_flag */
	uint16_t reserved;
	uint64_t time_tsc;           /**< when time held (the cores' TSC); 0: unknown */
};

enum argos_job_v3_flag {
	/** The job follows a discovery of this poll: an engine that changes
	 *  again is an error (unknown-engine-id), not another discovery. */
	ARGOS_JOB_V3_REDISCOVERED = 1 << 0,
};

/** One poll of one device.  192 bytes: three cache lines (two
 *  communities of 64 bytes do not fit in two). */
struct argos_job {
	uint32_t device;          /**< control plane's device index, echoed in results */
	uint32_t ip;              /**< target IPv4, network byte order */
	uint8_t kind;             /**< enum argos_job_kind */
	uint8_t snmp_version;     /**< 0 = v1, 1 = v2c, 3 = v3 (msgVersion's values) */
	uint8_t retries;          /**< resends after the first attempt */
	uint8_t community_len;
	uint16_t port;            /**< agent UDP port, host order */
	uint16_t max_repetitions; /**< GETBULK max-repetitions to start from: the value
	                               learnt for the device (argos_maxrep.h), >= 1 */
	uint32_t timeout_ms;      /**< per SNMP attempt, or per ping probe */
	uint16_t profile;         /**< index into the profile table */
	uint8_t ping_count;       /**< 1..ARGOS_PING_MAX */
	uint8_t alt_community_len; /**< 0: no alternate community */
	uint32_t ping_interval_ms;
	uint16_t flags;           /**< enum argos_job_flag */
	uint16_t reserved;
	char community[ARGOS_COMMUNITY_MAX];     /**< tried first */
	char alt_community[ARGOS_COMMUNITY_MAX]; /**< tried when the first request of the
	                                              job got no answer with community */
	struct argos_job_v3 v3;   /**< snmp_version 3 only */
	uint8_t pad[192 - 160 - sizeof(struct argos_job_v3)];
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

_Static_assert(sizeof(struct argos_job) == 192, "argos_job is three cache lines");

#endif
