/*
 * rw_synth.h - result records built by hand, exactly as
 * include/argos_result.h lays them out, for the remote-write tests and
 * benchmark: what a dataplane core would hand over for one if-mib poll.
 */
#ifndef ARGOS_RW_SYNTH_H
#define ARGOS_RW_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "argos_result.h"

/** Records appended one after the other, each padded to 8 bytes. */
struct synth {
	uint8_t *buf;
	size_t len;
	size_t cap;
};

void synth_free(struct synth *s);

/** A numeric varbind (Integer: v is the int64 bit pattern). */
void synth_num(struct synth *s, uint32_t dev, uint64_t tsc, const uint32_t *oid, uint8_t oid_len,
	       uint8_t type, uint64_t v);

/** An OCTET STRING varbind. */
void synth_str(struct synth *s, uint32_t dev, uint64_t tsc, const uint32_t *oid, uint8_t oid_len,
	       const void *val, uint16_t len);

void synth_ping(struct synth *s, uint32_t dev, uint64_t tsc, uint16_t sent, uint16_t received,
		uint64_t min_ns, uint64_t sum_ns, uint64_t max_ns);

/* Returns the record, valid until the next synth_* call, for the fields
 * not given here (max_rep, ...). */
struct argos_rec_done *synth_done(struct synth *s, uint32_t dev, uint64_t tsc, uint8_t job_kind,
				  uint8_t ok, uint32_t varbinds, uint64_t start_tsc);

/**
 * One whole if-mib poll of a device: sysUpTime, sysName, then for every
 * interface 1..n_if the ifTable columns, then the ifXTable columns, in
 * walk order, then DONE.  ifHCInOctets of interface i is
 * hc_base + i * 1000 (hc_base may be near 2^53 to test precision);
 * ifName is "<prefix>eth<i>", ifAlias "uplink <i>".
 * @return the varbinds written.
 */
uint32_t synth_ifmib_poll(struct synth *s, uint32_t dev, uint64_t tsc, unsigned n_if,
			  uint64_t hc_base, const char *name_prefix);

#endif
