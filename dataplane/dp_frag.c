/*
 * dp_frag.c - IPv4 reassembly on a dataplane core, with DPDK's ip_frag
 * library.
 *
 * An agent's reply larger than its link's MTU (a GETBULK of long
 * strings: sysORDescr, snmpd's nsExtendOutputFull) leaves the agent as
 * IPv4 fragments.  classify() hands every fragment addressed to us to
 * dp_frag_input(); rte_ipv4_frag_reassemble_packet() keeps it in the
 * core's table until its datagram is complete, then returns the whole
 * datagram as a chain of mbufs (one segment per fragment), which goes on
 * through classify() like any reply.  No reassembly logic lives here:
 * only the checks before the library, the steering between cores, and
 * the counting of what the library dropped.
 *
 * Bounds (dp_frag.h): DP_FRAG_FLOWS datagrams per core, each of at most
 * DP_FRAG_PER_DGRAM fragments (DPDK's build-time limit, 8) and 65,535
 * bytes, for at most DP_FRAG_MAX_AGE_MS.  Nothing here allocates in the
 * loop: the library chains the mbufs it was given, the table and the
 * scratch buffer are made at setup, and dp_port.c sizes the mbuf pool
 * so that every core's table can be full (DP_FRAG_MBUFS) beside the
 * rings.
 *
 * Several cores on one port.  Only the first fragment carries the UDP
 * port that names the core owning the request (dp_ids.h), so fragments
 * are steered in two steps: the core that receives a fragment passes it
 * (redirect ring, dp_steer.c) to the core chosen by a hash of its source
 * address and IP id, which every fragment of a datagram carries; that
 * core reassembles, and the whole datagram then goes to its owner by
 * UDP port like any reply.  Why not reassemble where fragments land: a
 * port spreads them over queues by its own hash (af_packet's fanout,
 * RSS on the 5-tuple, which fragments lack), so the fragments of one
 * datagram may land on every core; each table would hold a part and none
 * would complete.  Why not steer straight to the owner: the owner is
 * written in the UDP port, which only one fragment has.  The cost is one
 * extra pass through a ring for most fragments, and only for fragments.
 * With rte_flow rules (net_tap), the UDP rules catch no fragment (no UDP
 * header), so fragments follow the same two steps.
 *
 * Counting.  The library says only "complete" or "not (yet)": a
 * fragment it drops, and the fragments of a datagram it gives up on,
 * go to its death row.  Which of them the call put there, and why, is
 * read from the death row right after the call (at most 9 entries):
 *
 *   nothing new                     the fragment waits in the table
 *   entries, not the fragment       it waits; another datagram aged out
 *                                   to make room (timed out)
 *   the fragment alone              no room for a new datagram (table full)
 *   the fragment and its datagram   the set was refused: more than
 *                                   DP_FRAG_PER_DGRAM fragments when the
 *                                   fragment is a middle one and the set
 *                                   held DP_FRAG_PER_DGRAM - 2 middle
 *                                   fragments already (the library's one
 *                                   way to run out of slots); otherwise
 *                                   overlapping or repeated fragments
 *
 * Timed-out datagrams are also put down to their agents: the sessions
 * waiting for a reply from that address, on every core, end with
 * fragments-timeout rather than timeout (frag_note_timeouts).
 *
 * Drops count fragments (a death-row entry is a chain; its nb_segs
 * fragments are counted).  frag_held is the gauge of fragments in the
 * table, so a test can see that it never passes DP_FRAG_FLOWS x
 * DP_FRAG_PER_DGRAM and returns to 0.
 */
#define ALLOW_EXPERIMENTAL_API   /* rte_ip_frag_table_del_expired_entries */

#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "dp_lcore.h"
#include "snmp_session.h"

/* Entries per hash bucket (a power of two).  With DP_FRAG_FLOWS buckets
 * and two hash functions the table has 8 slots per datagram it may
 * hold, so a bucket is full before the table only by rare collision. */
#define FRAG_BUCKET_ENTRIES 4

/* What one call can put on the death row: a refused set and the
 * fragment (see the head of the file). */
#define FRAG_CALL_MAX (DP_FRAG_PER_DGRAM + 1)

int
dp_frag_setup(struct dp_lcore *lc)
{
	struct dp_frag *f = &lc->frag;
	int socket = (int)rte_socket_id();
	uint64_t max_cycles = lc->tsc_hz / 1000 * DP_FRAG_MAX_AGE_MS;

	f->dr.cnt = 0;
	f->tbl = rte_ip_frag_table_create(DP_FRAG_FLOWS, FRAG_BUCKET_ENTRIES, DP_FRAG_FLOWS,
					  max_cycles, socket);
	f->scratch = rte_malloc_socket("frag_scratch", DP_DGRAM_MAX, RTE_CACHE_LINE_SIZE, socket);
	if (f->tbl == NULL || f->scratch == NULL) {
		dp_frag_teardown(lc);
		return -ENOMEM;
	}
	return 0;
}

void
dp_frag_teardown(struct dp_lcore *lc)
{
	struct dp_frag *f = &lc->frag;

	rte_ip_frag_free_death_row(&f->dr, 0);
	if (f->tbl != NULL)
		rte_ip_frag_table_destroy(f->tbl);   /* frees what it still holds */
	rte_free(f->scratch);
	f->tbl = NULL;
	f->scratch = NULL;
	/* frag_held keeps its value: the exit summary shows what was still
	 * waiting when the core stopped. */
}

unsigned
dp_frag_owner(const struct rte_ipv4_hdr *ip, unsigned n_workers)
{
	/* Fibonacci hashing of both fields; the high bits pick the worker,
	 * so every worker count gets an even share. */
	uint32_t h = (rte_be_to_cpu_32(ip->src_addr) ^
		      ((uint32_t)rte_be_to_cpu_16(ip->packet_id) * 0x10001u)) * 0x9e3779b1u;

	return (unsigned)(((uint64_t)h * n_workers) >> 32);
}

/* 1 when the IPv4 header checksum is right (the port's verdict when it
 * gave one).  UDP's checksum covers the whole datagram and is checked
 * after reassembly. */
static int
hdr_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t ihl)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;

	if (f == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		return 1;
	return f != RTE_MBUF_F_RX_IP_CKSUM_BAD && rte_raw_cksum(ip, ihl) == 0xffff;
}

/* 1 when the death-row mbuf d is (the head of) a middle fragment. */
static int
is_middle(const struct rte_mbuf *d)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(d, const struct rte_ipv4_hdr *, d->l2_len);
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);

	return (fo & RTE_IPV4_HDR_MF_FLAG) && (fo & RTE_IPV4_HDR_OFFSET_MASK);
}

static void frag_note_timeouts(struct dp_lcore *lc, uint32_t from);

/*
 * Count what one call of the library did with fragment m (middle: m is
 * a middle fragment), from the death-row entries it added after
 * before, and out, the datagram it completed or NULL.  See the head of
 * the file for the rules.
 */
static void
frag_account(struct dp_lcore *lc, const struct rte_mbuf *m, int middle, uint32_t before,
	     const struct rte_mbuf *out)
{
	const struct rte_ip_frag_death_row *dr = &lc->frag.dr;
	struct argos_core_stats *st = lc->st;
	uint64_t others = 0, mids = 0;
	int mine = 0;

	for (uint32_t i = before; i < dr->cnt; i++) {
		const struct rte_mbuf *d = dr->row[i];
		int has_m = 0;

		/* m may have been chained into another fragment before the
		 * library found a hole in the set. */
		for (const struct rte_mbuf *s = d; s != NULL; s = s->next)
			has_m |= s == m;
		mine |= has_m;
		others += d->nb_segs - has_m;
		if (!has_m && middle && is_middle(d))
			mids++;
	}
	st->frag_held -= others;
	if (out != NULL) {
		st->frag_reassembled++;
		st->frag_held -= out->nb_segs - 1u;   /* m itself was never held */
	} else if (!mine) {
		st->frag_held++;
	}
	if (!mine) {
		st->frag_timeout += others;
		if (others != 0)
			frag_note_timeouts(lc, before);
	}
	else if (others == 0)
		st->frag_table_full++;
	else if (middle && mids >= DP_FRAG_PER_DGRAM - 2)
		st->frag_too_many += others + 1;
	else
		st->frag_overlap += others + 1;
}

/*
 * The datagrams on the death row from entry `from` on timed out: tell
 * the sessions waiting for their agents (snmp_note_drop), here and on
 * the other cores (dp_note_share), so that a request whose every reply
 * timed out in reassembly ends with fragments-timeout, not timeout.
 * The library puts a timed-out datagram's fragments on the row one by
 * one: one note per run of entries from the same agent.
 */
static void
frag_note_timeouts(struct dp_lcore *lc, uint32_t from)
{
	const struct rte_ip_frag_death_row *dr = &lc->frag.dr;
	uint32_t last = 0;

	for (uint32_t i = from; i < dr->cnt; i++) {
		const struct rte_mbuf *d = dr->row[i];
		const struct rte_ipv4_hdr *ip =
			rte_pktmbuf_mtod_offset(d, const struct rte_ipv4_hdr *, d->l2_len);

		if (i != from && ip->src_addr == last)
			continue;
		last = ip->src_addr;
		if (lc->snmp != NULL)
			snmp_note_drop(lc, ip->src_addr, 0, ARGOS_ERR_FRAGMENTS_TIMEOUT);
		dp_note_share(lc, ip->src_addr, ARGOS_ERR_FRAGMENTS_TIMEOUT);
	}
}

/* The whole datagram the library returned: its header as received but
 * for the length and offset the library rewrote, so its checksum is
 * computed again; the port's checksum verdicts were about the first
 * fragment only, so UDP is verified in software. */
static void
frag_finish(struct rte_mbuf *out)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(out, struct rte_ipv4_hdr *,
							  out->l2_len);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	out->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
}

struct rte_mbuf *
dp_frag_input(struct dp_lcore *lc, struct rte_mbuf *m, struct rte_ipv4_hdr *ip, int from_peer)
{
	struct argos_core_stats *st = lc->st;
	struct dp_frag *f = &lc->frag;
	uint32_t ihl = rte_ipv4_hdr_len(ip);
	uint32_t len = rte_be_to_cpu_16(ip->total_length) - ihl;
	uint16_t fo = rte_be_to_cpu_16(ip->fragment_offset);
	uint32_t ofs = (uint32_t)(fo & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS;
	int more = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;
	struct rte_mbuf *out;
	uint32_t before;

	/* argos asks over UDP only; a fragmented ping to us is not answered. */
	if (ip->next_proto_id != IPPROTO_UDP) {
		st->drop[ARGOS_DROP_NOT_FOR_US]++;
		goto drop;
	}
	if (lc->redirect != NULL && !from_peer) {
		unsigned owner = dp_frag_owner(ip, lc->lane->n_workers);

		if (owner != lc->lane->worker) {
			if (dp_redirect(lc, owner, m) == 0)
				st->frag_steered++;
			return NULL;
		}
	}
	st->frag_rx++;
	if (!hdr_cksum_ok(m, ip, ihl)) {
		st->drop[ARGOS_DROP_BAD_CHECKSUM]++;
		goto drop;
	}
	/* RFC 791: every fragment but the last carries a multiple of 8
	 * bytes; an empty one carries nothing to reassemble. */
	if (len == 0 || (more && len % RTE_IPV4_HDR_OFFSET_UNITS != 0)) {
		st->drop[ARGOS_DROP_MALFORMED]++;
		goto drop;
	}
	if (ofs + len + ihl > DP_DGRAM_MAX) {
		st->frag_too_big++;
		goto drop;
	}

	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = ihl;
	/* The death row is freed every loop turn, but two bursts (the NIC's
	 * and the redirect ring's) may come first: keep room for one call. */
	if (f->dr.cnt > RTE_IP_FRAG_DEATH_ROW_MBUF_LEN - FRAG_CALL_MAX)
		rte_ip_frag_free_death_row(&f->dr, 0);
	before = f->dr.cnt;
	out = rte_ipv4_frag_reassemble_packet(f->tbl, &f->dr, m, lc->now_tsc, ip);
	frag_account(lc, m, more && ofs != 0, before, out);
	if (out != NULL)
		frag_finish(out);
	return out;
drop:
	rte_pktmbuf_free(m);
	return NULL;
}

void
dp_frag_turn(struct dp_lcore *lc)
{
	struct dp_frag *f = &lc->frag;
	uint32_t before = f->dr.cnt;
	uint64_t n = 0;

	/* Walks the table's LRU list from its oldest entry and stops at the
	 * first young one: one comparison when nothing expired. */
	rte_ip_frag_table_del_expired_entries(f->tbl, &f->dr, lc->now_tsc);
	for (uint32_t i = before; i < f->dr.cnt; i++)
		n += f->dr.row[i]->nb_segs;
	lc->st->frag_timeout += n;
	lc->st->frag_held -= n;
	if (n != 0)
		frag_note_timeouts(lc, before);
	if (f->dr.cnt != 0)
		rte_ip_frag_free_death_row(&f->dr, 3);
}

const uint8_t *
dp_frag_linear(struct dp_lcore *lc, const struct rte_mbuf *m, uint32_t len)
{
	uint32_t off = sizeof(struct rte_ether_hdr);

	if (len > DP_DGRAM_MAX || off + len > rte_pktmbuf_pkt_len(m))
		return NULL;
	return rte_pktmbuf_read(m, off, len, lc->frag.scratch);
}
