/*
 * test_frag.c - IPv4 reassembly (dataplane/dp_frag.c) on DPDK's
 * ip_frag library, without a port: fragments are built in mbufs of a
 * pool as a NIC would hand them over, fed to dp_frag_input() the way
 * classify() does, and the loop's dp_frag_turn() runs after each.
 *
 * What must hold: a reply in order, out of order, or of 65,535 bytes
 * comes back byte for byte with a valid UDP checksum and decodes; a
 * repeated or overlapping fragment, a set of more than 8, a datagram
 * past 65,535 bytes, one that never completes and the 257th datagram in
 * flight are each dropped and counted under their own name; the one that
 * never completes is noted as fragments-timeout on the session waiting
 * for its agent, and on no other; the gauge
 * of held fragments never passes the table's bound and returns to 0;
 * and every mbuf returns to the pool.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mempool.h>

#include "check.h"
#include "frag_harness.h"
#include "snmp_codec.h"
#include "snmp_session.h"

#define check CHECK

static struct rte_mempool *pool;
static struct dp_lcore lc;
static struct argos_core_stats st;
static uint8_t dgram[DP_DGRAM_MAX + 64];

/* Feed one fragment as classify() and the loop would.  @return what
 * dp_frag_input() returned. */
static struct rte_mbuf *
feed(struct rte_mbuf *m)
{
	struct rte_mbuf *out;

	if (m == NULL) {
		printf("FAIL: the pool ran dry while building fragments\n");
		exit(1);
	}
	out = dp_frag_input(&lc, m, fh_ip(m), 0);
	dp_frag_turn(&lc);
	return out;
}

/* Build a datagram of n_strings strings of str_len bytes with IP id id.
 * @return its length. */
static size_t
make_dgram(unsigned n_strings, size_t str_len, uint16_t id)
{
	static uint8_t msg[SNMP_MSG_MAX];
	size_t n = fh_snmp_reply(msg, n_strings, str_len);

	if (n == 0) {
		printf("FAIL: test bug: a reply of %u x %zu bytes does not fit\n", n_strings, str_len);
		exit(1);
	}
	return fh_udp_dgram(dgram, msg, n, id);
}

/* Payload offsets of the fragments of a datagram of tot bytes cut into
 * pieces of at most piece bytes (a multiple of 8). */
static unsigned
cut(size_t tot, uint32_t piece, uint32_t *off, uint32_t *len, unsigned max)
{
	uint32_t payload = (uint32_t)(tot - sizeof(struct rte_ipv4_hdr));
	unsigned n = 0;

	for (uint32_t o = 0; o < payload && n < max; o += piece, n++) {
		off[n] = o;
		len[n] = payload - o < piece ? payload - o : piece;
	}
	return n;
}

/* The reassembled datagram out must equal dgram[0..tot), carry a right
 * UDP checksum, and decode into n_strings strings of str_len bytes. */
static void
check_whole(struct rte_mbuf *out, size_t tot, unsigned frags, unsigned n_strings,
	    size_t str_len, const char *what)
{
	const uint8_t *p;
	const struct rte_ipv4_hdr *ip;
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	unsigned n = 0, good = 0;

	check(out != NULL, "%s: the last fragment completes the datagram", what);
	if (out == NULL)
		return;
	check(out->nb_segs == frags, "%s: the datagram is a chain of %u segments, one per "
	      "fragment (got %u)", what, frags, out->nb_segs);
	p = dp_frag_linear(&lc, out, (uint32_t)tot);
	check(p != NULL, "%s: the datagram can be read as %zu contiguous bytes", what, tot);
	if (p == NULL)
		goto done;
	ip = (const struct rte_ipv4_hdr *)p;
	check(rte_be_to_cpu_16(ip->total_length) == tot && !dp_is_fragment(ip) &&
	      rte_raw_cksum(ip, sizeof(*ip)) == 0xffff,
	      "%s: the header says %zu bytes, no fragment, and its checksum is right", what, tot);
	check(memcmp(p + sizeof(*ip), dgram + sizeof(*ip), tot - sizeof(*ip)) == 0,
	      "%s: the payload is byte for byte the agent's", what);
	check(rte_ipv4_udptcp_cksum(ip, ip + 1) == 0xffff,
	      "%s: the UDP checksum over the whole datagram verifies", what);
	if (snmp_parse_reply(p + 28, tot - 28, &r) != 0) {
		check(0, "%s: the SNMP reply parses", what);
		goto done;
	}
	snmp_vb_iter_init(&it, &r);
	while (snmp_vb_next(&it, &vb) == 1) {
		int ok = vb.type == SNMP_T_OCTETSTR && vb.bytes_len == str_len;

		for (size_t k = 0; ok && k < str_len; k++)
			ok = vb.bytes[k] == (uint8_t)(n * 31 + k * 7);
		good += ok;
		n++;
	}
	check(n == n_strings && good == n_strings,
	      "%s: %u strings of %zu bytes decode exactly (%u read, %u exact)", what, n_strings,
	      str_len, n, good);
done:
	rte_pktmbuf_free(out);
}

/* Let the table's clock pass its age limit, and the loop turn. */
static void
age_out(void)
{
	lc.now_tsc += (uint64_t)(DP_FRAG_MAX_AGE_MS + 1) * (FH_TSC_HZ / 1000);
	dp_frag_turn(&lc);
}

static void
test_in_order_and_reverse(void)
{
	uint32_t off[64], len[64];
	size_t tot = make_dgram(3, 3300, 100);   /* ~10 KB: 7 fragments of 1480 */
	unsigned n = cut(tot, 1480, off, len, 64);
	struct rte_mbuf *out = NULL;

	check(n == 7, "a 10 KB reply makes 7 fragments at MTU 1500 (%u)", n);
	for (unsigned i = 0; i < n; i++) {
		out = feed(fh_fragment(pool, dgram, off[i], len[i], i + 1 < n));
		if (i + 1 < n)
			check(out == NULL && st.frag_held == i + 1,
			      "in order: fragment %u waits (held %" PRIu64 ")", i, st.frag_held);
	}
	check_whole(out, tot, n, 3, 3300, "10 KB in order");

	make_dgram(3, 3300, 101);
	for (unsigned i = n; i-- > 0;)
		out = feed(fh_fragment(pool, dgram, off[i], len[i], i + 1 < n));
	check_whole(out, tot, n, 3, 3300, "10 KB in reverse order");
	check(st.frag_reassembled == 2 && st.frag_held == 0 && st.frag_rx == 2 * n,
	      "two datagrams reassembled from %u fragments, none held (reassembled %" PRIu64
	      ", held %" PRIu64 ", received %" PRIu64 ")", 2 * n, st.frag_reassembled,
	      st.frag_held, st.frag_rx);
}

static void
test_largest(void)
{
	uint32_t off[16], len[16];
	/* 8 strings of 8,140 bytes: a message just under SNMP_MSG_MAX. */
	size_t tot = make_dgram(8, 8140, 200);
	unsigned n = cut(tot, 8200, off, len, 16);
	struct rte_mbuf *out = NULL;

	check(tot > 65000 && tot <= DP_DGRAM_MAX && n == 8,
	      "test set-up: a %zu-byte datagram in %u fragments of 8,200 bytes", tot, n);
	for (unsigned i = 0; i < n; i++)
		out = feed(fh_fragment(pool, dgram, off[i], len[i], i + 1 < n));
	check_whole(out, tot, n, 8, 8140, "a datagram of nearly 65,535 bytes");
}

static void
test_repeated_and_overlapping(void)
{
	uint32_t off[64], len[64];
	size_t tot = make_dgram(2, 2000, 300);
	unsigned n = cut(tot, 1480, off, len, 64);   /* 3 fragments */
	uint64_t before = st.frag_overlap;
	struct rte_mbuf *out;

	feed(fh_fragment(pool, dgram, off[0], len[0], 1));
	feed(fh_fragment(pool, dgram, off[1], len[1], 1));
	feed(fh_fragment(pool, dgram, off[1], len[1], 1));   /* again */
	out = feed(fh_fragment(pool, dgram, off[2], len[2], 0));
	check(out == NULL && st.frag_overlap - before == 4 && st.frag_held == 0,
	      "a repeated fragment: the set of 4 is dropped as overlap (overlap +%" PRIu64
	      ", held %" PRIu64 ")", st.frag_overlap - before, st.frag_held);
	if (out)
		rte_pktmbuf_free(out);

	/* The second fragment starts 8 bytes early, over the first's end. */
	make_dgram(2, 2000, 301);
	before = st.frag_overlap;
	feed(fh_fragment(pool, dgram, off[0], len[0], 1));
	feed(fh_fragment(pool, dgram, off[1] - 8, len[1] + 8, 1));
	out = feed(fh_fragment(pool, dgram, off[2], len[2], 0));
	check(out == NULL && st.frag_overlap - before == 3 && st.frag_held == 0,
	      "overlapping fragments: the set of 3 is dropped as overlap (overlap +%" PRIu64
	      ", held %" PRIu64 ")", st.frag_overlap - before, st.frag_held);
	if (out)
		rte_pktmbuf_free(out);
	(void)n;
}

/* Sessions for the timeout's note: 0 waits for the agent, 1 waits for
 * another address, 2 is the agent's but not waiting for a reply. */
static struct snmp_session sess[3];
static struct snmp_state snmp;

static void
sessions_up(void)
{
	static const uint32_t ips[3] = { FH_AGENT_IP, FH_AGENT_IP + 1, FH_AGENT_IP };

	if (snmp_addr_init(&snmp, 4) != 0) {
		printf("FAIL: no memory for the sessions by address\n");
		exit(1);
	}
	snmp.s = sess;
	snmp.n = 3;
	for (uint32_t i = 0; i < 3; i++) {
		sess[i].ip = rte_cpu_to_be_32(ips[i]);
		sess[i].port = 161;
		sess[i].state = i == 2 ? SS_FREE : SS_WAIT;
		sess[i].noted = ARGOS_ERR_NONE;
		snmp_addr_insert(&snmp, i);
	}
	lc.snmp = &snmp;
}

static void
sessions_down(void)
{
	lc.snmp = NULL;
	rte_free(snmp.by_addr.heads);
}

static void
test_missing_and_never_completed(void)
{
	uint32_t off[64], len[64];
	size_t tot = make_dgram(3, 3300, 400);
	unsigned n = cut(tot, 1480, off, len, 64);
	uint64_t before = st.frag_timeout;

	sessions_up();

	for (unsigned i = 0; i < n; i++)
		if (i != 3)
			feed(fh_fragment(pool, dgram, off[i], len[i], i + 1 < n));
	check(st.frag_held == n - 1 && st.frag_timeout == before,
	      "a datagram missing a fragment: %u fragments wait (held %" PRIu64 ")", n - 1,
	      st.frag_held);
	age_out();
	check(st.frag_held == 0 && st.frag_timeout - before == n - 1,
	      "after 1 s the %u fragments are dropped as timed out (+%" PRIu64 ", held %"
	      PRIu64 ")", n - 1, st.frag_timeout - before, st.frag_held);
	check(sess[0].noted == ARGOS_ERR_FRAGMENTS_TIMEOUT && sess[1].noted == ARGOS_ERR_NONE &&
	      sess[2].noted == ARGOS_ERR_NONE,
	      "the timeout is noted as fragments-timeout on the session waiting for the agent "
	      "only (noted %u, %u, %u)", sess[0].noted, sess[1].noted, sess[2].noted);
	sessions_down();
}

static void
test_too_many(void)
{
	uint32_t off[64], len[64];
	size_t tot = make_dgram(1, 900, 500);
	unsigned n = cut(tot, 80, off, len, 64);   /* 13 fragments of 80 bytes */
	uint64_t many = st.frag_too_many, tout = st.frag_timeout;
	struct rte_mbuf *out = NULL;

	check(n == 13, "test set-up: 13 fragments (%u)", n);
	for (unsigned i = 0; i < n; i++) {
		out = feed(fh_fragment(pool, dgram, off[i], len[i], i + 1 < n));
		if (out != NULL)
			break;
	}
	check(out == NULL, "a datagram of 13 fragments is never completed");
	if (out)
		rte_pktmbuf_free(out);
	/* The first and six middle ones fill the entry; the eighth (a
	 * middle one) is refused with them. */
	check(st.frag_too_many - many == 8,
	      "the 8 fragments of the full entry are dropped as too many (+%" PRIu64 ")",
	      st.frag_too_many - many);
	check(st.frag_held <= (uint64_t)DP_FRAG_PER_DGRAM,
	      "at most %u fragments of it are ever held (%" PRIu64 ")", DP_FRAG_PER_DGRAM,
	      st.frag_held);
	age_out();
	check(st.frag_held == 0 && st.frag_timeout - tout == n - 8,
	      "the 5 after them time out (+%" PRIu64 "), nothing held", st.frag_timeout - tout);
}

static void
test_too_big_and_malformed(void)
{
	size_t tot = make_dgram(1, 100, 600);
	struct rte_mbuf *m;
	uint64_t big = st.frag_too_big, bad = st.drop[ARGOS_DROP_MALFORMED],
		 sum = st.drop[ARGOS_DROP_BAD_CHECKSUM], other = st.drop[ARGOS_DROP_NOT_FOR_US];

	/* 16 bytes at offset 65,520: the datagram would be 65,556 bytes. */
	m = fh_fragment(pool, dgram, 0, 16, 0);
	fh_ip(m)->fragment_offset = rte_cpu_to_be_16(65520 / 8);
	fh_ip(m)->hdr_checksum = 0;
	fh_ip(m)->hdr_checksum = rte_ipv4_cksum(fh_ip(m));
	check(feed(m) == NULL && st.frag_too_big - big == 1 && st.frag_held == 0,
	      "a fragment past 65,535 bytes is dropped as too big (+%" PRIu64 ")",
	      st.frag_too_big - big);

	m = fh_fragment(pool, dgram, 0, 20, 1);   /* not a multiple of 8 */
	check(feed(m) == NULL && st.drop[ARGOS_DROP_MALFORMED] - bad == 1,
	      "a middle fragment of 20 bytes is dropped as malformed");

	m = fh_fragment(pool, dgram, 0, 16, 1);
	fh_ip(m)->hdr_checksum ^= 0x1111;
	check(feed(m) == NULL && st.drop[ARGOS_DROP_BAD_CHECKSUM] - sum == 1 &&
	      st.frag_held == 0, "a fragment with a bad header checksum is dropped as such");

	m = fh_fragment(pool, dgram, 0, 16, 1);
	fh_ip(m)->next_proto_id = IPPROTO_ICMP;
	fh_ip(m)->hdr_checksum = 0;
	fh_ip(m)->hdr_checksum = rte_ipv4_cksum(fh_ip(m));
	check(feed(m) == NULL && st.drop[ARGOS_DROP_NOT_FOR_US] - other == 1 &&
	      st.frag_held == 0, "an ICMP fragment is not for argos (not-for-us)");
	(void)tot;
}

static void
test_table_full(void)
{
	uint64_t full = st.frag_table_full, tout = st.frag_timeout, peak = 0;

	make_dgram(1, 2000, 0);
	for (unsigned i = 0; i < DP_FRAG_FLOWS + 10; i++) {
		struct rte_ipv4_hdr *ip;
		struct rte_mbuf *m = fh_fragment(pool, dgram, 0, 1480, 1);

		ip = fh_ip(m);
		ip->packet_id = rte_cpu_to_be_16((uint16_t)(7000 + i));
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		feed(m);
		peak = st.frag_held > peak ? st.frag_held : peak;
	}
	check(peak == DP_FRAG_FLOWS && st.frag_table_full - full == 10,
	      "%u first fragments of distinct datagrams: %u held at most, 10 dropped as table "
	      "full (peak %" PRIu64 ", table-full +%" PRIu64 ")", DP_FRAG_FLOWS + 10,
	      DP_FRAG_FLOWS, peak, st.frag_table_full - full);
	age_out();
	check(st.frag_held == 0 && st.frag_timeout - tout == DP_FRAG_FLOWS,
	      "they all time out after 1 s (+%" PRIu64 ", held %" PRIu64 ")",
	      st.frag_timeout - tout, st.frag_held);
}

static void
test_owner_spread(void)
{
	unsigned hits[4] = { 0 };
	struct rte_ipv4_hdr ip = { .src_addr = rte_cpu_to_be_32(FH_AGENT_IP) };
	int stable = 1;

	for (unsigned id = 0; id < 4000; id++) {
		ip.packet_id = rte_cpu_to_be_16((uint16_t)id);
		hits[dp_frag_owner(&ip, 4)]++;
		stable &= dp_frag_owner(&ip, 4) == dp_frag_owner(&ip, 4);
	}
	check(stable && hits[0] > 800 && hits[1] > 800 && hits[2] > 800 && hits[3] > 800,
	      "one agent's datagrams are spread over 4 cores by IP id (%u %u %u %u)",
	      hits[0], hits[1], hits[2], hits[3]);
}

int
main(int argc, char **argv)
{
	unsigned avail;

	(void)argc;
	pool = fh_eal_init(argv[0]);
	avail = rte_mempool_avail_count(pool);
	fh_lcore_init(&lc, &st);

	test_in_order_and_reverse();
	test_largest();
	test_repeated_and_overlapping();
	test_missing_and_never_completed();
	test_too_many();
	test_too_big_and_malformed();
	test_table_full();
	test_owner_spread();

	dp_frag_teardown(&lc);
	check(rte_mempool_avail_count(pool) == avail,
	      "every mbuf is back in the pool (%u of %u)", rte_mempool_avail_count(pool), avail);
	return CHECK_DONE("ipv4_reassembly");
}
