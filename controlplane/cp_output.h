/*
 * output.h - results as JSON Lines (--output).
 *
 * One line per varbind ("kind":"snmp"), per ping job ("kind":"ping")
 * and per error ("kind":"error").  The field names and value forms are
 * a contract read by outside checks: see argos(1).
 */
#ifndef ARGOS_CP_OUTPUT_H
#define ARGOS_CP_OUTPUT_H

#include <stdint.h>
#include <stdio.h>

#include "argos_result.h"
#include "cp_devices.h"

/** How to turn a core's TSC into wall-clock time. */
struct cp_clock {
	uint64_t tsc0;
	uint64_t hz;
	int64_t unix_ns0;    /* CLOCK_REALTIME at tsc0 */
};

static inline int64_t
cp_clock_ms(const struct cp_clock *c, uint64_t tsc)
{
	int64_t d = (int64_t)(tsc - c->tsc0);

	return (c->unix_ns0 + (int64_t)((double)d * 1e9 / (double)c->hz)) / 1000000;
}

/**
 * Write one record as a JSON line to f (which may be NULL: nothing is
 * written).  @return 0, or -1 when the record is not valid.
 */
int cp_output_record(FILE *f, const struct argos_rec_hdr *h, const struct cp_device *dev,
		     const struct cp_clock *clk);

#endif
