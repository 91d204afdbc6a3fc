/*
 * frag_bench.c - what a reply that arrives in IPv4 fragments costs a
 * dataplane core, against one that arrives in a single frame.
 *
 * Each case is the core's work from a received frame to decoded
 * varbinds, as classify() and snmp_input() do it: for a whole datagram,
 * the IPv4 header and UDP checksums, then snmp_parse_reply() and
 * snmp_vb_next() over every varbind; for fragments, dp_frag_input() on
 * each (header checksum, DPDK's rte_ipv4_frag_reassemble_packet), the
 * loop's dp_frag_turn(), the copy of the chain into the scratch buffer
 * (dp_frag_linear), then the same checksum and decode.  The frames are
 * built beforehand, in batches, so building them (what a NIC's DMA
 * does) is not timed; freeing them is.
 *
 *   whole_1400_ns      a 1,400-byte reply in one frame (3 strings of 428 bytes)
 *   frag_10k_ns        a 10 KB reply in 7 fragments (3 strings of 3,300)
 *   whole_10k_ns       the same 10 KB reply in one frame (as net_af_packet
 *                      hands it over once the kernel has reassembled it)
 *   whole_1400_25_ns   a 1,400-byte reply of 25 strings of 40 bytes
 *   frag_10k_25_ns     a 10 KB reply of 25 strings of 400 bytes, 8
 *                      fragments (a switch's sysORDescr list)
 *
 * Usage: frag_bench [replies per case]   (default 200000)
 * Prints "<case> <ns per reply>" lines and the ratios.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_mempool.h>

#include "frag_harness.h"
#include "snmp_codec.h"

#define BATCH 256
#define BIG_ROOM (RTE_PKTMBUF_HEADROOM + 12288)

volatile uint64_t bench_sink;

static struct rte_mempool *pool, *big_pool;
static struct dp_lcore lc;
static struct argos_core_stats st;
static uint8_t dgram[DP_DGRAM_MAX + 64];

/* The decode of a whole datagram at ip, as classify() and snmp_input()
 * see it: checksums, then every varbind. */
static void
decode(const struct rte_ipv4_hdr *ip)
{
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	const uint8_t *p = (const uint8_t *)ip;
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint64_t sum = 0;

	if (rte_raw_cksum(ip, sizeof(*ip)) != 0xffff || rte_ipv4_udptcp_cksum(ip, ip + 1) != 0xffff)
		abort();
	if (snmp_parse_reply(p + 28, tot - 28, &r) != 0)
		abort();
	snmp_vb_iter_init(&it, &r);
	while (snmp_vb_next(&it, &vb) == 1)
		sum += vb.bytes_len + vb.name.len;
	bench_sink += sum;
}

/* Build a datagram of n strings of len bytes; @return its length. */
static size_t
build(unsigned n, size_t len, uint16_t id)
{
	static uint8_t msg[SNMP_MSG_MAX];
	size_t m = fh_snmp_reply(msg, n, len);

	if (m == 0)
		abort();
	return fh_udp_dgram(dgram, msg, m, id);
}

/* ns per reply of n strings of len bytes, in frames of piece bytes of
 * payload (0: one frame), over iters replies. */
static double
run(unsigned n, size_t len, uint32_t piece, unsigned long iters, unsigned *frames)
{
	static struct rte_mbuf *set[BATCH][64];
	size_t tot = build(n, len, 1);
	uint32_t payload = (uint32_t)(tot - 20);
	unsigned k = piece ? (payload + piece - 1) / piece : 1;
	uint64_t cycles = 0;
	unsigned long done = 0;

	*frames = k;
	while (done < iters) {
		uint64_t t0;

		for (unsigned b = 0; b < BATCH; b++) {
			for (unsigned f = 0; f < k; f++) {
				uint32_t off = f * piece, l = piece ? RTE_MIN(piece, payload - off) : payload;

				set[b][f] = piece ? fh_fragment(pool, dgram, off, l, f + 1 < k) :
					    fh_fragment(big_pool, dgram, 0, payload, 0);
				if (set[b][f] == NULL)
					abort();
				/* A whole datagram: fh_fragment() wrote offset 0, no MF. */
				fh_ip(set[b][f])->packet_id = rte_cpu_to_be_16((uint16_t)(b * 64 + f / 64));
				fh_ip(set[b][f])->hdr_checksum = 0;
				fh_ip(set[b][f])->hdr_checksum = rte_ipv4_cksum(fh_ip(set[b][f]));
			}
		}
		t0 = rte_rdtsc();
		for (unsigned b = 0; b < BATCH; b++) {
			struct rte_mbuf *out = NULL;

			if (!piece) {
				decode(fh_ip(set[b][0]));
				rte_pktmbuf_free(set[b][0]);
				continue;
			}
			for (unsigned f = 0; f < k; f++) {
				out = dp_frag_input(&lc, set[b][f], fh_ip(set[b][f]), 0);
				dp_frag_turn(&lc);
			}
			if (out == NULL)
				abort();
			decode((const struct rte_ipv4_hdr *)dp_frag_linear(&lc, out, (uint32_t)tot));
			rte_pktmbuf_free(out);
		}
		cycles += rte_rdtsc() - t0;
		done += BATCH;
	}
	return (double)cycles * 1e9 / (double)rte_get_tsc_hz() / (double)done;
}

int
main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	double w1400, f10k, w10k, w1400_25, f10k_25;
	unsigned fr[5];

	pool = fh_eal_init(argv[0]);
	big_pool = rte_pktmbuf_pool_create("big_pool", 2 * BATCH, 0, 0, BIG_ROOM, SOCKET_ID_ANY);
	if (big_pool == NULL) {
		fprintf(stderr, "frag_bench: cannot create the pool of large mbufs\n");
		return 2;
	}
	fh_lcore_init(&lc, &st);
	lc.tsc_hz = rte_get_tsc_hz();
	lc.now_tsc = rte_rdtsc();

	run(3, 3300, 1480, BATCH * 4, &fr[0]);   /* warm up */
	w1400 = run(3, 428, 0, iters, &fr[0]);
	f10k = run(3, 3300, 1480, iters, &fr[1]);
	w10k = run(3, 3300, 0, iters, &fr[2]);
	w1400_25 = run(25, 40, 0, iters, &fr[3]);
	f10k_25 = run(25, 400, 1480, iters, &fr[4]);
	if (st.frag_reassembled == 0 || st.frag_held != 0 || st.frag_overlap || st.frag_timeout)
		abort();
	printf("replies_per_case %lu\n", iters);
	printf("whole_1400_ns %.0f\n", w1400);
	printf("frag_10k_ns %.0f\n", f10k);
	printf("frag_10k_fragments %u\n", fr[1]);
	printf("whole_10k_ns %.0f\n", w10k);
	printf("whole_1400_25_ns %.0f\n", w1400_25);
	printf("frag_10k_25_ns %.0f\n", f10k_25);
	printf("frag_10k_25_fragments %u\n", fr[4]);
	printf("ratio_frag_10k_to_whole_1400 %.2f\n", f10k / w1400);
	printf("ratio_frag_10k_to_whole_10k %.2f\n", f10k / w10k);
	printf("ratio_frag_10k_25_to_whole_1400_25 %.2f\n", f10k_25 / w1400_25);
	printf("reassembly_ns_per_fragment %.0f\n", (f10k - w10k) / fr[1]);
	return 0;
}
