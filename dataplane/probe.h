/*
 * probe.h - the probe module interface.
 *
 * Each protocol argos polls with is one module in one file, behind
 * this small struct of callbacks (zmap's probe_modules, with one
 * convention for all): the core hands a module the jobs of its kind,
 * the replies that classify as its protocol, and the timers of its
 * sessions.  A module never exits and never logs; it counts what it
 * drops in the core's statistics and moves on.
 *
 * Adding a protocol (SNMPv3, say) is one new file and one line in
 * dp_probes[] in dp_worker.c.
 */
#ifndef ARGOS_PROBE_H
#define ARGOS_PROBE_H

#include <stdint.h>

struct dp_lcore;
struct argos_job;
struct rte_mbuf;
struct rte_ipv4_hdr;

struct dp_probe {
	const char *name;
	uint8_t job_kind;       /* enum argos_job_kind it takes */

	/** Allocate the module's sessions (at init, may allocate).
	 *  @return 0 or -ENOMEM. */
	int (*init)(struct dp_lcore *lc, uint32_t max_sessions);

	/** 1 when a new job can be taken now. */
	int (*can_start)(const struct dp_lcore *lc);

	/** Take a job (can_start() was true). */
	void (*start)(struct dp_lcore *lc, const struct argos_job *job);

	/** A packet of the module's protocol addressed to us.  ip points at
	 *  its IPv4 header, l4/l4_len at what follows.  The core frees m. */
	void (*input)(struct dp_lcore *lc, const struct rte_ipv4_hdr *ip,
		      const uint8_t *l4, uint32_t l4_len);

	/** The timer of session id fired. */
	void (*timer)(struct dp_lcore *lc, uint32_t id);

	/** Jobs in progress. */
	uint32_t (*busy)(const struct dp_lcore *lc);
};

extern const struct dp_probe dp_probe_snmp;
extern const struct dp_probe dp_probe_icmp;

#endif
