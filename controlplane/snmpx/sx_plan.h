/*
 * sx_plan.h - the OIDs a poll of a set of modules asks for, and each
 * module's share of what comes back (sx_plan.c).
 */
#ifndef ARGOS_SX_PLAN_H
#define ARGOS_SX_PLAN_H

#include <stdint.h>

#include "sx.h"

/** One OID to poll: fetched with GET, or walked. */
struct sx_poll_oid {
	struct argos_oid oid;
	uint8_t get;
};

/** What to poll, gets first, each OID once and none inside a walk. */
struct sx_plan {
	struct sx_poll_oid *v;
	uint32_t n, cap;
};

/**
 * The plan of modules mods[0..n): their gets and walks, the OIDs and
 * targets of their dynamic filters, and extra_gets (argos's own probes,
 * such as sysUpTime.0); walks inside other walks and gets inside walks
 * are left out.  @return 0 or -ENOMEM.
 */
int sx_plan_build(const struct sx_config *c, const int *mods, uint32_t n,
		  const struct argos_oid *extra_gets, uint32_t n_extra, struct sx_plan *p);

void sx_plan_free(struct sx_plan *p);

/**
 * The varbinds of all (sorted, sx_pdus_sort) that module m would have
 * collected in snmp_exporter: its gets (less those a filter drops, plus
 * target.index of the indexes filters allow) and its walks (less those
 * a filter replaces).  out is filled (its array grown as needed; free
 * out->v), sorted.  *returned is snmp_exporter's snmp_scrape_pdus_returned
 * (a varbind two of its walks cover counts twice).  @return 0 or -ENOMEM.
 */
int sx_scope(const struct sx_config *c, int m, const struct sx_pdus *all, struct sx_pdus *out,
	     uint64_t *returned);

/**
 * The label-only subtrees of modules for the lookup cache: the OIDs of
 * lookups (and the type column of a combined one) that lie in a walk of
 * full and that no metric, filter or combined metric's type column is
 * related to.  Their varbinds only ever become label values.
 * @return 0 or -ENOMEM; *out is malloc'd (free it), may be empty.
 */
int sx_plan_labels(const struct sx_config *c, const int *mods, uint32_t n,
		   const struct sx_plan *full, struct argos_oid **out, uint32_t *n_out);

/**
 * The light plan: full, with each walk that holds a label subtree
 * replaced by walks of what the modules need under it (a walk that lies
 * inside a label subtree is left out).  Its varbinds and the cached
 * label varbinds give every module the same series as a full poll.
 * @return 0 or -ENOMEM.
 */
int sx_plan_light(const struct sx_config *c, const int *mods, uint32_t n, const struct sx_plan *full,
		  const struct argos_oid *labels, uint32_t n_labels, struct sx_plan *light);

#endif
