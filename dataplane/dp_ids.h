/*
 * dp_ids.h - how the identifiers argos puts on the wire name the core
 * that sent them, so that a reply can be handed to that core whichever
 * queue it arrives on.
 *
 *   UDP source port   base + worker: one port per core, a contiguous
 *                     range that a NIC can steer with one rule per core
 *   SNMP request-id   [ random (bits 4-30) | worker (bits 0-3) ]
 *   ICMP echo id      ((session << bits) | worker) XOR key, bits being
 *                     just enough for the port's workers and key shared
 *                     by them, so that any core can read the owner
 *
 * Why not the attempt in the request-id too: a retry is a
 * retransmission, and agents (and the hostile agent of the integration
 * tests) treat a repeated id as the same request.  So which attempt a
 * reply answers cannot be known (Karn's ambiguity); the RTT of a reply
 * to a retried step is taken from when the last attempt left, and a
 * reply that comes before the last attempt left the core's TX backlog
 * gives no RTT at all.
 *
 * Why the worker in the low bits: a NIC can match a masked field (the
 * ICMP id), never a remainder.  With one worker, bits is 0 and every
 * encoding is what it was before cores shared a port.
 *
 * Pure C, no DPDK: the unit tests check these helpers directly.
 */
#ifndef ARGOS_DP_IDS_H
#define ARGOS_DP_IDS_H

#include <stdint.h>

#define DP_REQID_WORKER_BITS 4     /* ARGOS_MAX_WORKERS is 16 */
#define DP_REQID_WORKER_MASK 0x0fu

/** The bits that name a worker among n: 0 for one, 1 for two, 2 for
 *  three or four... */
static inline unsigned
dp_worker_bits(unsigned n_workers)
{
	unsigned b = 0;

	while ((1u << b) < n_workers)
		b++;
	return b;
}

/** ICMP sessions a core can tell apart when bits name the worker. */
static inline uint32_t
dp_icmp_max_sessions(unsigned bits)
{
	return 65536u >> bits;
}

/** The echo id of session idx of worker w. */
static inline uint16_t
dp_icmp_id_make(uint32_t idx, unsigned w, unsigned bits, uint16_t key)
{
	return (uint16_t)(((idx << bits) | w) ^ key);
}

/** The worker that sent the echo with this id. */
static inline unsigned
dp_icmp_id_worker(uint16_t id, unsigned bits, uint16_t key)
{
	return (unsigned)((id ^ key) & ((1u << bits) - 1));
}

/** The session, within its worker, of the echo with this id. */
static inline uint32_t
dp_icmp_id_session(uint16_t id, unsigned bits, uint16_t key)
{
	return (uint32_t)(uint16_t)(id ^ key) >> bits;
}

/**
 * The request-id of worker w's next step, from a random value r in
 * [SNMP_REQID_MIN, SNMP_REQID_MAX].  The result stays in that range:
 * the low nibble is 0x0 in the minimum and 0xf in the maximum, so
 * changing it never leaves the range.
 */
static inline uint32_t
dp_reqid_make(uint32_t r, unsigned w)
{
	return (r & ~DP_REQID_WORKER_MASK) | (w & DP_REQID_WORKER_MASK);
}

/** The worker that sent the request with this id. */
static inline unsigned
dp_reqid_worker(uint32_t reqid)
{
	return reqid & DP_REQID_WORKER_MASK;
}

/**
 * The worker a UDP reply to port dport (host order) belongs to, when
 * the n workers send from base .. base + n - 1 (never past 65535:
 * dp_lanes_setup() refuses such a range).
 * @return the worker, or -1 when dport is not one of ours.
 */
static inline int
dp_udp_owner(uint16_t dport, uint16_t base, unsigned n)
{
	uint16_t off = (uint16_t)(dport - base);

	return off < n ? (int)off : -1;
}

#endif
