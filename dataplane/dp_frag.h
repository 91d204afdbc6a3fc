/*
 * dp_frag.h - IPv4 reassembly on a dataplane core (dp_frag.c): replies
 * larger than one frame arrive as fragments, and DPDK's ip_frag library
 * puts them back together.  Private to the dataplane.
 *
 * The limits, per worker core (docs/argos.1.md lists them too):
 *
 *   DP_FRAG_FLOWS        datagrams being reassembled at once
 *   DP_FRAG_PER_DGRAM    fragments of one datagram: DPDK's
 *                        RTE_LIBRTE_IP_FRAG_MAX_FRAG, fixed when DPDK was
 *                        built (8 in Debian's 22.11), so 11,840 bytes of
 *                        IP payload on a 1500-byte MTU, 65,535 from an
 *                        MTU of 8,212 up
 *   DP_FRAG_MAX_AGE_MS   the time a datagram may take to complete
 *   DP_DGRAM_MAX         the size of a datagram, headers included
 *
 * so reassembly never holds more than DP_FRAG_MBUFS mbufs of the pool.
 */
#ifndef ARGOS_DP_FRAG_H
#define ARGOS_DP_FRAG_H

#include <stdint.h>

#include <rte_ip_frag.h>

#define DP_FRAG_FLOWS 256
#define DP_FRAG_PER_DGRAM RTE_LIBRTE_IP_FRAG_MAX_FRAG
#define DP_FRAG_MAX_AGE_MS 1000
#define DP_DGRAM_MAX 65535
/** The most mbufs a core's reassembly holds: its table full, and its
 *  death row (freed every loop turn). */
#define DP_FRAG_MBUFS (DP_FRAG_FLOWS * DP_FRAG_PER_DGRAM + RTE_IP_FRAG_DEATH_ROW_MBUF_LEN)

struct dp_lcore;
struct rte_mbuf;
struct rte_ipv4_hdr;

/** One core's reassembly state, in its struct dp_lcore. */
struct dp_frag {
	struct rte_ip_frag_tbl *tbl;
	struct rte_ip_frag_death_row dr;   /* mbufs the library let go of */
	uint8_t *scratch;                  /* DP_DGRAM_MAX bytes: a chained
	                                      datagram, made contiguous */
};

/** 1 when ip is a fragment: MF set or a non-zero offset. */
static inline int
dp_is_fragment(const struct rte_ipv4_hdr *ip)
{
	return (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG |
						       RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

/**
 * Allocate the core's table and scratch buffer (at setup, on the
 * core's socket).
 * @return 0, or -ENOMEM.
 */
int dp_frag_setup(struct dp_lcore *lc);

/** At exit: free the fragments still held, the table and the scratch. */
void dp_frag_teardown(struct dp_lcore *lc);

/**
 * The worker that reassembles the datagram this fragment belongs to:
 * a hash of its source address and IP id, which every fragment of the
 * datagram carries (only the first carries the UDP port).
 */
unsigned dp_frag_owner(const struct rte_ipv4_hdr *ip, unsigned n_workers);

/**
 * A fragment addressed to us (classify() checked the Ethernet and IPv4
 * headers, total_length included).  Unless from_peer, passes it to the
 * core that owns its datagram when that is another.  Otherwise checks
 * it (header checksum, length, protocol UDP, the 65,535-byte bound) and
 * hands it to the library.  Consumes m, counting what it drops.
 * @return the whole datagram when m completed it (a chain of one
 *         segment per fragment, IPv4 header rewritten and checksummed,
 *         checksum flags cleared so that the UDP checksum is verified
 *         in software), else NULL.
 */
struct rte_mbuf *dp_frag_input(struct dp_lcore *lc, struct rte_mbuf *m,
			       struct rte_ipv4_hdr *ip, int from_peer);

/**
 * Every loop turn: end the datagrams that have waited longer than
 * DP_FRAG_MAX_AGE_MS (their fragments count as timed out) and free
 * what the library put on the death row.
 */
void dp_frag_turn(struct dp_lcore *lc);

/**
 * The IPv4 datagram of m, from its IPv4 header, as contiguous bytes:
 * in the mbuf when it has one segment, else copied into the core's
 * scratch buffer.  len is the datagram's total_length (<= DP_DGRAM_MAX,
 * within m).  @return the bytes, or NULL when m holds fewer.
 */
const uint8_t *dp_frag_linear(struct dp_lcore *lc, const struct rte_mbuf *m, uint32_t len);

#endif
