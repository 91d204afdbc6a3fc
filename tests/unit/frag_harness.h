/*
 * frag_harness.h - what the reassembly unit test, its fuzz target and
 * its micro-benchmark share: an EAL without hugepages or devices, a
 * pool of large mbufs, a dataplane core context with just what
 * dataplane/dp_frag.c reads, SNMP replies as UDP datagrams, and their
 * fragments as Ethernet frames, the way a NIC hands them over.
 *
 * Header-only, for test programs: it exits on a set-up failure.
 */
#ifndef ARGOS_FRAG_HARNESS_H
#define ARGOS_FRAG_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "ber_writer.h"
#include "dp_lcore.h"
#include "snmp_codec.h"

#define FH_MBUFS 8191
/* Room for a fragment of 8,200 bytes: 8 of them make 65,535. */
#define FH_DATA_ROOM (RTE_PKTMBUF_HEADROOM + 8320)
#define FH_TSC_HZ 1000000000ull           /* the harness's clock: 1 cycle = 1 ns */
#define FH_ARGOS_IP 0xc6120902u                 /* 198.18.9.2 */
#define FH_AGENT_IP 0xc612090au                 /* 198.18.9.10 */
#define FH_ARGOS_PORT 40161

/* Start an EAL that touches nothing of the machine's (no hugepages, no
 * PCI, no files, no telemetry socket) and make the pool. */
static inline struct rte_mempool *
fh_eal_init(const char *prog)
{
	char *argv[] = { (char *)prog, "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",
			 "-l", "0", "-m", "192", "--log-level", "lib.*:error", NULL };
	struct rte_mempool *pool;

	if (rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "%s: cannot start the EAL (no hugepages needed): %s\n", prog,
			rte_strerror(rte_errno));
		exit(2);
	}
	pool = rte_pktmbuf_pool_create("fh_pool", FH_MBUFS, 0, 0, FH_DATA_ROOM, SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "%s: cannot create the mbuf pool: %s\n", prog,
			rte_strerror(rte_errno));
		exit(2);
	}
	return pool;
}

/* A core context with what reassembly reads: stats, clock, no peers. */
static inline void
fh_lcore_init(struct dp_lcore *lc, struct argos_core_stats *st)
{
	memset(lc, 0, sizeof(*lc));
	memset(st, 0, sizeof(*st));
	lc->st = st;
	lc->tsc_hz = FH_TSC_HZ;
	lc->now_tsc = 1000 * FH_TSC_HZ;
	if (dp_frag_setup(lc) != 0) {
		fprintf(stderr, "dp_frag_setup failed: no memory\n");
		exit(2);
	}
}

/*
 * An SNMP v2c GetResponse (request-id 0x01020304, community "public")
 * whose varbinds are n_strings OctetStrings of str_len bytes each, under
 * 1.3.6.1.4.1.8072.1.3.2.3.1.2.<i>; byte k of string i is
 * (i * 31 + k * 7) & 0xff.  @return the message length written to out
 * (SNMP_MSG_MAX bytes of room), or 0 when it would not fit.
 */
static inline size_t
fh_snmp_reply(uint8_t *out, unsigned n_strings, size_t str_len)
{
	static uint8_t vbl[SNMP_MSG_MAX + 64], pdu[SNMP_MSG_MAX + 64], vb[SNMP_MSG_MAX + 64];
	/* 1.3.6.1.4.1.8072.1.3.2.3.1.2 (nsExtendOutputFull) */
	static const uint8_t col[] = { 0x2b, 0x06, 0x01, 0x04, 0x01, 0xbf, 0x08,
				       0x01, 0x03, 0x02, 0x03, 0x01, 0x02 };
	size_t nv = 0, np = 0, nm = 0;

	if (n_strings > 127 || n_strings * (str_len + 32) + 64 > SNMP_MSG_MAX)
		return 0;
	for (unsigned i = 0; i < n_strings; i++) {
		size_t nb = 0;

		vb[nb++] = 0x06;
		vb[nb++] = sizeof(col) + 1;
		memcpy(vb + nb, col, sizeof(col));
		nb += sizeof(col);
		vb[nb++] = (uint8_t)(i + 1);
		nb += ber_put_hdr(vb + nb, 0x04, str_len);
		for (size_t k = 0; k < str_len; k++)
			vb[nb + k] = (uint8_t)(i * 31 + k * 7);
		nb += str_len;
		nv += ber_put_tlv(vbl + nv, 0x30, vb, nb);
	}
	np += ber_put_int(pdu + np, 0x01020304);
	np += ber_put_int(pdu + np, 0);
	np += ber_put_int(pdu + np, 0);
	np += ber_put_tlv(pdu + np, 0x30, vbl, nv);
	nm += ber_put_int(vb + nm, 1);                       /* v2c; vb reused */
	nm += ber_put_tlv(vb + nm, 0x04, (const uint8_t *)"public", 6);
	nm += ber_put_tlv(vb + nm, 0xa2, pdu, np);
	if (nm + 4 > SNMP_MSG_MAX)
		return 0;
	return ber_put_tlv(out, 0x30, vb, nm);
}

/*
 * The IPv4/UDP datagram (no Ethernet header) carrying payload from the
 * agent's port 161 to argos's port, UDP checksum filled in.
 * @return its length (out needs payload_len + 28 bytes).
 */
static inline size_t
fh_udp_dgram(uint8_t *out, const uint8_t *payload, size_t payload_len, uint16_t ip_id)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)out;
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	size_t tot = sizeof(*ip) + sizeof(*udp) + payload_len;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)tot);
	ip->packet_id = rte_cpu_to_be_16(ip_id);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(FH_AGENT_IP);
	ip->dst_addr = rte_cpu_to_be_32(FH_ARGOS_IP);
	udp->src_port = rte_cpu_to_be_16(161);
	udp->dst_port = rte_cpu_to_be_16(FH_ARGOS_PORT);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*udp) + payload_len));
	udp->dgram_cksum = 0;
	memcpy(udp + 1, payload, payload_len);
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	return tot;
}

/*
 * One fragment of dgram (an IPv4 datagram with a 20-byte header) as an
 * Ethernet frame in a fresh mbuf: the data bytes [off, off + len) of the
 * datagram's payload, MF set when more, header checksum computed.
 * @return the mbuf, or NULL when the pool is empty.
 */
static inline struct rte_mbuf *
fh_fragment(struct rte_mempool *pool, const uint8_t *dgram, uint32_t off, uint32_t len, int more)
{
	const struct rte_ipv4_hdr *src = (const struct rte_ipv4_hdr *)dgram;
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint32_t frame = (uint32_t)(sizeof(*eth) + sizeof(*ip) + len);

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)frame);
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(eth, 0, sizeof(*eth));
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	*ip = *src;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*ip) + len));
	ip->fragment_offset = rte_cpu_to_be_16((uint16_t)((off / 8) |
							  (more ? RTE_IPV4_HDR_MF_FLAG : 0)));
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	memcpy(ip + 1, dgram + sizeof(*ip) + off, len);
	return m;
}

/* The IPv4 header of a frame made by fh_fragment(). */
static inline struct rte_ipv4_hdr *
fh_ip(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, sizeof(struct rte_ether_hdr));
}

#endif
