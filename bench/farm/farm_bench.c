/*
 * farm_bench.c - how many SNMP requests one core of argos-farm can
 * answer, without the network: farm_snmp_answer() in a loop over the
 * requests argos sends most (a GETBULK of 25 rows of ifTable, of
 * ifXTable, and a GET of five scalars), rotating over 1000 devices.
 *
 * Usage: farm-bench [SECONDS]   (default 2 per request kind)
 * Prints one line per kind: requests/s and varbinds/s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "farm_snmp.h"

static size_t
tlv(uint8_t *p, uint8_t tag, const uint8_t *c, size_t n)
{
	p[0] = tag;
	p[1] = (uint8_t)n;       /* every request here is < 128 bytes per TLV */
	memmove(p + 2, c, n);
	return n + 2;
}

/* A v2c request with the given PDU, fields and OIDs (BER bodies). */
static size_t
request(uint8_t *out, uint8_t pdu, uint8_t f1, uint8_t f2, const char *const *oids,
	const size_t *olen, int n)
{
	uint8_t vbl[512], pd[600], body[700], vb[64];
	size_t nv = 0, np = 0, nb = 0;

	for (int i = 0; i < n; i++) {
		size_t k = tlv(vb, 0x06, (const uint8_t *)oids[i], olen[i]);

		vb[k++] = 0x05;
		vb[k++] = 0x00;
		nv += tlv(vbl + nv, 0x30, vb, k);
	}
	np += tlv(pd + np, 0x02, (const uint8_t *)"\x12\x34\x56\x78", 4);
	np += tlv(pd + np, 0x02, &f1, 1);
	np += tlv(pd + np, 0x02, &f2, 1);
	np += tlv(pd + np, 0x30, vbl, nv);
	nb += tlv(body + nb, 0x02, (const uint8_t *)"\x01", 1);
	nb += tlv(body + nb, 0x04, (const uint8_t *)"public", 6);
	nb += tlv(body + nb, pdu, pd, np);
	return tlv(out, 0x30, body, nb);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const char if_table[] = "\x2b\x06\x01\x02\x01\x02\x02\x01";
	static const char ifx_table[] = "\x2b\x06\x01\x02\x01\x1f\x01\x01\x01";
	static const char *const scalars[] = {
		"\x2b\x06\x01\x02\x01\x01\x01\x00", "\x2b\x06\x01\x02\x01\x01\x03\x00",
		"\x2b\x06\x01\x02\x01\x01\x05\x00", "\x2b\x06\x01\x02\x01\x01\x06\x00",
		"\x2b\x06\x01\x02\x01\x02\x01\x00",
	};
	static const size_t scalar_len[] = { 8, 8, 8, 8, 8 };
	static uint8_t scratch[FARM_SNMP_SCRATCH];
	struct { const char *name; uint8_t req[700]; size_t len; } kinds[3];
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	struct farm_mib mib;
	struct farm_snmp_ctx ctx;
	const char *p;
	size_t l;

	if (farm_mib_init(&mib, 24) != 0)
		return 1;
	ctx = (struct farm_snmp_ctx){ &mib, (const uint8_t *)"public", 6, FARM_UDP_MAX };
	kinds[0].name = "GETBULK 25 of ifTable";
	p = if_table;
	l = 8;
	kinds[0].len = request(kinds[0].req, FARM_PDU_GETBULK, 0, 25, &p, &l, 1);
	kinds[1].name = "GETBULK 25 of ifXTable";
	p = ifx_table;
	l = 9;
	kinds[1].len = request(kinds[1].req, FARM_PDU_GETBULK, 0, 25, &p, &l, 1);
	kinds[2].name = "GET of 5 scalars";
	kinds[2].len = request(kinds[2].req, FARM_PDU_GET, 0, 0, scalars, scalar_len, 5);

	for (int k = 0; k < 3; k++) {
		uint64_t n = 0, vbs = 0;
		double t0 = now_s(), t1;
		struct farm_snmp_out out;

		do {
			for (int i = 0; i < 1000; i++, n++) {
				if (farm_snmp_answer(&ctx, kinds[k].req, kinds[k].len,
						     0xc6130000u + (uint32_t)(n % 1000),
						     1800000000ull, scratch, &out) != 0) {
					fprintf(stderr, "farm-bench: %s was not answered\n",
						kinds[k].name);
					return 1;
				}
				vbs += out.n_varbinds;
			}
			t1 = now_s();
		} while (t1 - t0 < secs);
		printf("%-24s %10.0f requests/s %12.0f varbinds/s %6zu bytes/reply\n",
		       kinds[k].name, n / (t1 - t0), vbs / (t1 - t0), out.len);
	}
	return 0;
}
