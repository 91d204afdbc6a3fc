/*
 * codec_bench.c - micro-benchmark of the SNMP codec's two hot paths.
 *
 *   encode_getbulk_ns  one GETBULK request (1 OID, max-repetitions 25)
 *                      encoded with snmp_encode_request, plus the
 *                      snmp_patch_reqid done before every send;
 *   parse_25vb_ns      one 25-varbind GetResponse decoded with
 *                      snmp_parse_reply and snmp_vb_next over every
 *                      varbind (an ifTable/ifXTable mix of Counter64,
 *                      Counter32, OctetString, Integer and Gauge32).
 *   netsnmp_pdu_parse_25vb_ns
 *                      the peer: the same reply decoded by net-snmp's own
 *                      snmp_pdu_parse into a netsnmp_pdu (one allocation
 *                      per varbind), as a net-snmp based poller does.
 *
 * Usage: codec_bench [iterations]   (default 2000000 per path)
 * Prints "<name>_ns <ns per operation>" and the implied per-core rate.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
/* net-snmp spells these as (0), (1)...; the codec header spells them bare. */
#undef SNMP_ERR_NOERROR
#undef SNMP_ERR_TOOBIG
#undef SNMP_ERR_NOSUCHNAME
#undef SNMP_ERR_GENERR

#include "ber_writer.h"
#include "snmp_codec.h"

#define DEFAULT_ITERATIONS 2000000UL

/* Kept visible so the compiler cannot drop the measured work. */
volatile uint64_t bench_sink;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/*
 * A GetResponse to a GETBULK for six ifXTable/ifTable columns, as an
 * agent returns it: row after row of ifHCInOctets, ifHCOutOctets
 * (Counter64), ifInErrors (Counter32), ifName (OctetString),
 * ifOperStatus (Integer) and ifHighSpeed (Gauge32); 25 varbinds.
 */
static size_t
make_reply(uint8_t *out)
{
	static const struct {
		uint8_t col, tag;
		int xtable;
	} cols[6] = {
		{ 6, SNMP_T_COUNTER64, 1 },   /* ifHCInOctets */
		{ 10, SNMP_T_COUNTER64, 1 },  /* ifHCOutOctets */
		{ 14, SNMP_T_COUNTER32, 0 },  /* ifInErrors */
		{ 1, SNMP_T_OCTETSTR, 1 },    /* ifName */
		{ 8, SNMP_T_INTEGER, 0 },     /* ifOperStatus */
		{ 15, SNMP_T_GAUGE32, 1 },    /* ifHighSpeed */
	};
	/* 1.3.6.1.2.1.31.1.1.1 (ifXEntry) and 1.3.6.1.2.1.2.2.1 (ifEntry) */
	static const uint8_t xpfx[] = { 0x2b, 6, 1, 2, 1, 31, 1, 1, 1 };
	static const uint8_t tpfx[] = { 0x2b, 6, 1, 2, 1, 2, 2, 1 };
	uint8_t vbl[4096], vb[128], pdu[4096], msg[4096];
	size_t nv = 0, np = 0, nm = 0;

	for (int i = 0; i < 25; i++) {
		int c = i % 6, row = i / 6;
		uint32_t ifindex = 1000 + (uint32_t)row;
		uint8_t namec[16];
		size_t nn, nb;

		if (cols[c].xtable) {
			memcpy(namec, xpfx, sizeof(xpfx));
			nn = sizeof(xpfx);
		} else {
			memcpy(namec, tpfx, sizeof(tpfx));
			nn = sizeof(tpfx);
		}
		namec[nn++] = cols[c].col;
		namec[nn++] = (uint8_t)(0x80 | (ifindex >> 7));
		namec[nn++] = (uint8_t)(ifindex & 0x7f);
		nb = ber_put_tlv(vb, SNMP_T_OID, namec, nn);
		switch (cols[c].tag) {
		case SNMP_T_COUNTER64:
			nb += ber_put_uint(vb + nb, SNMP_T_COUNTER64,
				       0x0000123456789abcULL * (uint64_t)(row + 1));
			break;
		case SNMP_T_COUNTER32:
			nb += ber_put_uint(vb + nb, SNMP_T_COUNTER32,
				       3000000000u + (uint32_t)row);
			break;
		case SNMP_T_INTEGER:
			nb += ber_put_uint(vb + nb, SNMP_T_INTEGER, 1);
			break;
		case SNMP_T_GAUGE32:
			nb += ber_put_uint(vb + nb, SNMP_T_GAUGE32, 10000);
			break;
		default: {
			char s[32];
			int l = snprintf(s, sizeof(s), "TenGigE0/0/0/%d", row);

			nb += ber_put_tlv(vb + nb, SNMP_T_OCTETSTR,
				      (const uint8_t *)s, (size_t)l);
			break;
		}
		}
		nv += ber_put_tlv(vbl + nv, 0x30, vb, nb);
	}
	np += ber_put_tlv(pdu + np, SNMP_T_INTEGER, (const uint8_t *)"\x12\x34\x56\x78", 4);
	np += ber_put_tlv(pdu + np, SNMP_T_INTEGER, (const uint8_t *)"\x00", 1);
	np += ber_put_tlv(pdu + np, SNMP_T_INTEGER, (const uint8_t *)"\x00", 1);
	np += ber_put_tlv(pdu + np, 0x30, vbl, nv);
	nm += ber_put_tlv(msg + nm, SNMP_T_INTEGER, (const uint8_t *)"\x01", 1);
	nm += ber_put_tlv(msg + nm, SNMP_T_OCTETSTR, (const uint8_t *)"public", 6);
	nm += ber_put_tlv(msg + nm, SNMP_PDU_RESPONSE, pdu, np);
	return ber_put_tlv(out, 0x30, msg, nm);
}

static void
report(const char *name, double ns_per_op, const char *unit)
{
	printf("%s_ns %.1f\n", name, ns_per_op);
	printf("%s_per_core_per_s %.0f %s\n", name, 1e9 / ns_per_op, unit);
}

static double
bench_encode(unsigned long iters)
{
	static const uint32_t iftable[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1 };
	struct argos_oid o;
	struct snmp_req req;
	uint64_t sink = 0;
	double t0, t1;

	o.len = 9;
	memcpy(o.sub, iftable, sizeof(iftable));
	t0 = now_ns();
	for (unsigned long i = 0; i < iters; i++) {
		if (snmp_encode_request(&req, SNMP_VERSION_2C,
					(const uint8_t *)"public", 6,
					SNMP_PDU_GETBULK, 25, &o, 1) != 0) {
			fprintf(stderr, "codec_bench: encode failed\n");
			exit(1);
		}
		snmp_patch_reqid(req.buf, req.reqid_off,
				 SNMP_REQID_MIN + (uint32_t)(i & 0xffffff));
		sink += req.len + req.buf[req.reqid_off + 3];
	}
	t1 = now_ns();
	bench_sink = sink;
	return (t1 - t0) / (double)iters;
}

static double
bench_parse(unsigned long iters, const uint8_t *pkt, size_t len)
{
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint64_t sink = 0;
	double t0, t1;

	t0 = now_ns();
	for (unsigned long i = 0; i < iters; i++) {
		int n = 0, rc;

		if (snmp_parse_reply(pkt, len, &r) != 0) {
			fprintf(stderr, "codec_bench: parse_reply failed\n");
			exit(1);
		}
		snmp_vb_iter_init(&it, &r);
		while ((rc = snmp_vb_next(&it, &vb)) == 1) {
			sink += vb.u + (uint64_t)vb.i + vb.bytes_len + vb.name.len;
			n++;
		}
		if (rc != 0 || n != 25) {
			fprintf(stderr, "codec_bench: %d varbinds, rc %d\n", n, rc);
			exit(1);
		}
	}
	t1 = now_ns();
	bench_sink = sink;
	return (t1 - t0) / (double)iters;
}

/* The peer: net-snmp's allocating PDU parser on the same bytes. */
static double
bench_netsnmp(unsigned long iters, const uint8_t *pkt, size_t len)
{
	struct snmp_reply r;
	uint64_t sink = 0;
	size_t off;
	double t0, t1;

	if (snmp_parse_reply(pkt, len, &r) != 0)
		exit(1);
	off = (size_t)(r.community + r.community_len - pkt);   /* the PDU's tag */
	t0 = now_ns();
	for (unsigned long i = 0; i < iters; i++) {
		netsnmp_pdu *pdu = calloc(1, sizeof(*pdu));
		size_t l = len - off;

		if (pdu == NULL || snmp_pdu_parse(pdu, (u_char *)(uintptr_t)(pkt + off), &l) != 0) {
			fprintf(stderr, "codec_bench: snmp_pdu_parse failed\n");
			exit(1);
		}
		for (netsnmp_variable_list *v = pdu->variables; v; v = v->next_variable)
			sink += v->name_length + v->val_len;
		snmp_free_pdu(pdu);
	}
	t1 = now_ns();
	bench_sink = sink;
	return (t1 - t0) / (double)iters;
}

int
main(int argc, char **argv)
{
	static uint8_t pkt[8192];
	unsigned long iters = DEFAULT_ITERATIONS;
	size_t len;
	double enc, par, peer;

	if (argc > 2 || (argc == 2 && (iters = strtoul(argv[1], NULL, 10)) == 0)) {
		fprintf(stderr, "usage: %s [iterations]\n", argv[0]);
		return 2;
	}
	len = make_reply(pkt);

	/* A short warm-up so caches and branch predictors are settled. */
	bench_encode(iters / 20 + 1);
	bench_parse(iters / 20 + 1, pkt, len);

	enc = bench_encode(iters);
	par = bench_parse(iters, pkt, len);
	peer = bench_netsnmp(iters / 4 + 1, pkt, len);

	printf("iterations %lu\n", iters);
	printf("reply_bytes %zu\n", len);
	report("encode_getbulk", enc, "requests");
	report("parse_25vb", par, "replies");
	printf("parse_per_varbind_ns %.1f\n", par / 25.0);
	report("netsnmp_pdu_parse_25vb", peer, "replies");
	printf("parse_speedup_vs_netsnmp_pdu_parse %.2f\n", peer / par);
	return 0;
}
