/*
 * argos_result.h - result records, written by a dataplane core and read
 * by the control plane, packed into batches.
 *
 * Why batches of variable-size records: a reply carries up to dozens
 * of varbinds, and an OCTET STRING may be 1400 bytes.  Fixed-size
 * records would either truncate or waste most of every slot.  A core
 * fills a 64 KiB batch, hands it over through its result ring and takes
 * an empty one from its free ring; both rings are preallocated, so the
 * core never allocates.
 *
 * Every record starts with struct argos_rec_hdr and is padded to a
 * multiple of 8 bytes; hdr.size is the padded size.  Timestamps are TSC
 * values of the core; argos_lane.h gives the TSC frequency and a base
 * to turn them into wall-clock time.
 */
#ifndef ARGOS_RESULT_H
#define ARGOS_RESULT_H

#include <stdint.h>

#include "argos_errors.h"

#define ARGOS_BATCH_BYTES (64 * 1024)

enum argos_rec_kind {
	ARGOS_REC_VARBIND = 1,
	ARGOS_REC_PING = 2,
	ARGOS_REC_ERROR = 3,
	ARGOS_REC_DONE = 4,   /* the job ended: its device may be polled again */
};

struct argos_rec_hdr {
	uint16_t kind;        /**< enum argos_rec_kind */
	uint16_t size;        /**< bytes, header included, multiple of 8 */
	uint32_t device;      /**< from the job */
	uint64_t tsc;         /**< when the reply (or the verdict) arrived */
};

/** One varbind.  Followed by oid_len uint32 sub-identifiers, then, for
 *  OctetString/Opaque/IpAddress, val_len bytes; for ObjectIdentifier,
 *  val_len uint32 sub-identifiers. */
struct argos_rec_varbind {
	struct argos_rec_hdr h;
	uint8_t type;         /**< SNMP tag (0x02 Integer ... 0x46 Counter64) */
	uint8_t oid_len;
	uint16_t val_len;
	uint32_t reserved;
	union {
		int64_t i;    /**< Integer */
		uint64_t u;   /**< Counter32, Gauge32, TimeTicks, Counter64 */
	} num;
	uint32_t data[];
};

/** The outcome of a ping job. */
struct argos_rec_ping {
	struct argos_rec_hdr h;
	uint16_t sent;
	uint16_t received;
	uint32_t reserved;
	uint64_t rtt_min_ns;
	uint64_t rtt_sum_ns;
	uint64_t rtt_max_ns;
};

/** A poll error; oid_len sub-identifiers of the OID concerned follow
 *  (0 when the error is about the whole job). */
struct argos_rec_error {
	struct argos_rec_hdr h;
	uint16_t error;       /**< enum argos_err */
	uint8_t job_kind;     /**< enum argos_job_kind */
	uint8_t oid_len;
	uint32_t reserved;
	uint32_t oid[];
};

/** The end of a job.  ok is 0 when the job ended with an error that
 *  concerned the whole device (timeout, arp-timeout, a drop reason).
 *  The SNMP fields tell the control plane what the job learnt about
 *  the agent, for the device's next poll (argos_maxrep.h). */
struct argos_rec_done {
	struct argos_rec_hdr h;
	uint8_t job_kind;
	uint8_t ok;
	uint16_t errors;      /**< error records this job produced */
	uint32_t varbinds;    /**< varbind records this job produced */
	uint64_t start_tsc;   /**< when the core started the job */
	uint16_t max_rep;     /**< SNMP: the GETBULK max-repetitions the job ended with
	                           (the job's own when nothing shrank it); 0: the job
	                           sent no GETBULK (v1, GETNEXT walks) */
	uint16_t max_rep_failed; /**< SNMP: the smallest max-repetitions the agent's
	                           replies were found too large at (tooBig, a reply in
	                           fragments with --avoid-fragments, a request lost
	                           while a smaller one came back); 0: none */
	uint8_t alt_answered; /**< SNMP: the job's alternate community answered: try
	                           it first next time */
	uint8_t reserved[3];
};

/** A batch of records.  used counts the bytes of data in use. */
struct argos_batch {
	uint32_t used;
	uint32_t worker;
	uint8_t data[ARGOS_BATCH_BYTES - 8];
};

#endif
