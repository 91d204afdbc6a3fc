/*
 * fuzz_frag_reply.c - libFuzzer target for IPv4 reassembly
 * (dataplane/dp_frag.c on DPDK's ip_frag library) followed by the SNMP
 * decoder, as a reply travels through the dataplane.
 *
 * An input is a plan of fragments and a payload:
 *
 *   byte 0          n, the number of fragments (at most 24)
 *   n x 5 bytes     offset in 8-byte units (2 bytes, little-endian,
 *                   13 bits), length (2 bytes, little-endian, at most
 *                   4096), flags: bit 0 MF, bit 1 IP id B instead of A,
 *                   bit 2 corrupt a payload byte, bit 3 break the header
 *                   checksum, bit 4 protocol ICMP instead of UDP
 *   the rest        the UDP payload (an SNMP message, or anything)
 *
 * The payload becomes one IPv4/UDP datagram per IP id, checksummed, and
 * each planned fragment is cut from it (its data clipped to the
 * datagram; bytes past its end are zero), so overlaps, repeats, holes,
 * disorder, too many fragments and bad lengths all come from the input.
 * Whatever comes out whole is linearized, its UDP checksum checked and,
 * when it holds, decoded varbind by varbind with every byte read.
 *
 * Invariants checked (abort on failure): a datagram never passes 65,535
 * bytes; the table never holds more than DP_FRAG_FLOWS x
 * DP_FRAG_PER_DGRAM fragments; once the table's age passes, nothing is
 * held; every mbuf is back in the pool after each input.
 *
 * The EAL starts in LLVMFuzzerInitialize, without hugepages or devices.
 * Seeds: corpus/frag_reply/ (made by corpus/make_frag_seeds.py).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <rte_mempool.h>

#include "frag_harness.h"
#include "snmp_codec.h"

#define MAX_FRAGS 24
#define MAX_LEN 4096

volatile uint64_t fuzz_sink;

static struct rte_mempool *pool;
static struct dp_lcore lc;
static struct argos_core_stats st;
static unsigned pool_full;
static uint8_t dgram[2][DP_DGRAM_MAX + 8192];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	pool = fh_eal_init((*argv)[0]);
	pool_full = rte_mempool_avail_count(pool);
	fh_lcore_init(&lc, &st);
	return 0;
}

/* Decode a reply read from a whole datagram, touching every byte. */
static void
decode(const uint8_t *p, size_t len)
{
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint64_t sum = 0;

	if (snmp_parse_reply(p, len, &r) != 0)
		return;
	snmp_vb_iter_init(&it, &r);
	while (snmp_vb_next(&it, &vb) == 1) {
		sum += vb.type + vb.name.len + vb.u;
		if (vb.name.len > ARGOS_OID_MAX || vb.bytes_len > SNMP_VALUE_MAX)
			abort();
		for (size_t i = 0; i < vb.bytes_len; i++)
			sum += vb.bytes[i];
		for (uint32_t i = 0; i < vb.oid.len; i++)
			sum += vb.oid.sub[i];
	}
	fuzz_sink += sum;
}

static void
whole(struct rte_mbuf *out)
{
	const struct rte_ipv4_hdr *ip = fh_ip(out);
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);
	const uint8_t *p;

	if (rte_pktmbuf_pkt_len(out) > sizeof(struct rte_ether_hdr) + DP_DGRAM_MAX ||
	    dp_is_fragment(ip))
		abort();
	p = dp_frag_linear(&lc, out, tot);
	if (p != NULL && tot >= 28 &&
	    rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)p, p + 20) == 0xffff)
		decode(p + 28, tot - 28);
	rte_pktmbuf_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *plan = data + 1, *payload;
	size_t n, payload_len, tot[2];

	if (size < 1)
		return 0;
	n = data[0] % (MAX_FRAGS + 1);
	if (size < 1 + 5 * n)
		return 0;
	payload = data + 1 + 5 * n;
	payload_len = size - 1 - 5 * n;
	if (payload_len > SNMP_MSG_MAX)
		payload_len = SNMP_MSG_MAX;
	tot[0] = fh_udp_dgram(dgram[0], payload, payload_len, 0x1234);
	tot[1] = fh_udp_dgram(dgram[1], payload, payload_len, 0x4321);

	for (size_t i = 0; i < n; i++) {
		const uint8_t *d = plan + 5 * i;
		uint32_t off = (uint32_t)((d[0] | d[1] << 8) & 0x1fff) * 8;
		uint32_t len = (uint32_t)(d[2] | d[3] << 8) % (MAX_LEN + 1);
		uint8_t flags = d[4];
		const uint8_t *src = dgram[(flags >> 1) & 1];
		size_t have = tot[(flags >> 1) & 1] - 20;
		struct rte_mbuf *m, *out;
		struct rte_ipv4_hdr *ip;
		uint8_t frag[20 + MAX_LEN];

		/* The fragment's data: the datagram's bytes where it has them. */
		memcpy(frag, src, 20);
		memset(frag + 20, 0, len);
		if (off < have)
			memcpy(frag + 20, src + 20 + off, RTE_MIN(len, (uint32_t)(have - off)));
		if ((flags & 4) && len > 0)
			frag[20 + len / 2] ^= 0x5a;
		m = fh_fragment(pool, frag, 0, len, flags & 1);
		if (m == NULL)
			abort();   /* the pool must never run dry: every input returns all */
		ip = fh_ip(m);
		ip->fragment_offset = rte_cpu_to_be_16((uint16_t)((off / 8) |
								  ((flags & 1) ? RTE_IPV4_HDR_MF_FLAG : 0)));
		if (flags & 16)
			ip->next_proto_id = IPPROTO_ICMP;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		if (flags & 8)
			ip->hdr_checksum ^= 0x0101;
		/* classify() hands reassembly only fragments to us, whole
		 * headers included. */
		if (!dp_is_fragment(ip)) {
			rte_pktmbuf_free(m);
			continue;
		}
		out = dp_frag_input(&lc, m, ip, 0);
		dp_frag_turn(&lc);
		if (out != NULL)
			whole(out);
		if (st.frag_held > (uint64_t)DP_FRAG_FLOWS * DP_FRAG_PER_DGRAM)
			abort();
	}
	/* Let every datagram age out: nothing may stay behind. */
	lc.now_tsc += (uint64_t)(DP_FRAG_MAX_AGE_MS + 1) * (FH_TSC_HZ / 1000);
	dp_frag_turn(&lc);
	if (st.frag_held != 0 || rte_mempool_avail_count(pool) != pool_full)
		abort();
	return 0;
}
