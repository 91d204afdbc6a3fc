/*
 * test_ber.c - unit tests for the SNMP v1/v2c codec (snmp_codec.c).
 *
 * Golden vectors: the expected BER bytes are written out by hand here,
 * not produced by net-snmp, so an encoder or decoder bug cannot hide
 * behind a matching bug on the other side.  Where a whole message is
 * needed around a hand-written varbind, a tiny independent BER writer
 * below (put_tlv and friends) wraps it.
 *
 * Every input handed to the decoder is first copied into a heap buffer
 * of exactly its length, so under AddressSanitizer any read past the
 * end is caught.
 *
 * Prints "FAIL: <behaviour>" per failed check and a summary line;
 * exits 0 only when every check passed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ber_writer.h"
#include "snmp_codec.h"

static unsigned checks, failures;

/* Record one check; msg names the behaviour that should hold. */
static void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (ok)
		return;
	failures++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* A reply message around the given varbind-list contents. */
struct reply_spec {
	int32_t version;
	const char *community;
	uint8_t pdu_type;
	int32_t reqid, err_status, err_index;
};

static const struct reply_spec RESP_V2C = {
	1, "public", 0xA2, 0x01020304, 0, 0
};

/* Encode spec + varbind list into out; returns the message length. */
static size_t
make_reply(uint8_t *out, const struct reply_spec *s,
	   const uint8_t *vbl, size_t vbl_len)
{
	static uint8_t pdu[SNMP_MSG_MAX + 64], msg[SNMP_MSG_MAX + 64];
	size_t np = 0, nm = 0;

	np += ber_put_int(pdu + np, s->reqid);
	np += ber_put_int(pdu + np, s->err_status);
	np += ber_put_int(pdu + np, s->err_index);
	np += ber_put_tlv(pdu + np, 0x30, vbl, vbl_len);

	nm += ber_put_int(msg + nm, s->version);
	nm += ber_put_tlv(msg + nm, 0x04, (const uint8_t *)s->community,
		      strlen(s->community));
	nm += ber_put_tlv(msg + nm, s->pdu_type, pdu, np);
	return ber_put_tlv(out, 0x30, msg, nm);
}

/* One varbind: SEQUENCE { name TLV, value TLV } from raw TLV bytes. */
static size_t
make_vb(uint8_t *out, const uint8_t *name, size_t name_len,
	const uint8_t *value, size_t value_len)
{
	static uint8_t c[SNMP_MSG_MAX];

	memcpy(c, name, name_len);
	memcpy(c + name_len, value, value_len);
	return ber_put_tlv(out, 0x30, c, name_len + value_len);
}

/* 1.3.6.1.2.1.1.3.0 (sysUpTime.0), the name used for value tests. */
static const uint8_t NAME_SYSUPTIME[] = {
	0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00
};

/* Heap copy of exactly len bytes, so ASan sees any over-read. */
static uint8_t *
dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *d = malloc(len ? len : 1);

	if (d == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(d, p, len);
	return d;
}

/*
 * Parse a one-varbind reply whose value is the TLV value[0..len) under
 * name NAME_SYSUPTIME.  Returns what snmp_vb_next returned for the
 * varbind (1, 0 or -EBADMSG); -1000 when the reply header itself did
 * not parse, -1001 when a second varbind appeared.  On 1, vb is filled
 * and *pkt_out (if given) receives the heap packet (last_pkt_len
 * bytes), else it is freed.
 */
static size_t last_pkt_len;   /* length of the packet decode_value built */

static int
decode_value(const uint8_t *value, size_t len, struct snmp_varbind *vb,
	     uint8_t **pkt_out)
{
	static uint8_t vbl[SNMP_MSG_MAX + 64], msg[SNMP_MSG_MAX + 64];
	struct snmp_reply r;
	struct snmp_vb_iter it;
	size_t vn, mn;
	uint8_t *pkt;
	int rc;

	vn = make_vb(vbl, NAME_SYSUPTIME, sizeof(NAME_SYSUPTIME), value, len);
	mn = make_reply(msg, &RESP_V2C, vbl, vn);
	last_pkt_len = mn;
	pkt = dup_exact(msg, mn);
	if (snmp_parse_reply(pkt, mn, &r) != 0) {
		free(pkt);
		return -1000;
	}
	snmp_vb_iter_init(&it, &r);
	rc = snmp_vb_next(&it, vb);
	if (rc == 1) {
		struct snmp_varbind extra;

		if (snmp_vb_next(&it, &extra) != 0)
			rc = -1001;
	}
	if (rc == 1 && pkt_out)
		*pkt_out = pkt;
	else
		free(pkt);
	return rc;
}

/* Decode value and expect it to fail with -EBADMSG. */
static void
expect_bad_value(const uint8_t *value, size_t len, const char *what)
{
	struct snmp_varbind vb;
	int rc = decode_value(value, len, &vb, NULL);

	check(rc == -EBADMSG, "%s: snmp_vb_next returned %d, want -EBADMSG",
	      what, rc);
}

static void
set_oid(struct argos_oid *o, const uint32_t *sub, uint32_t len)
{
	o->len = len;
	memcpy(o->sub, sub, len * sizeof(sub[0]));
}

static int
oid_eq(const struct argos_oid *o, const uint32_t *sub, uint32_t len)
{
	return o->len == len && memcmp(o->sub, sub, len * sizeof(sub[0])) == 0;
}

static void
hexdump_diff(const char *what, const uint8_t *got, size_t got_len,
	     const uint8_t *want, size_t want_len)
{
	if (got_len == want_len && memcmp(got, want, got_len) == 0)
		return;
	printf("  %s got :", what);
	for (size_t i = 0; i < got_len; i++)
		printf(" %02x", got[i]);
	printf("\n  %s want:", what);
	for (size_t i = 0; i < want_len; i++)
		printf(" %02x", want[i]);
	printf("\n");
}

static const uint8_t PUBLIC[] = "public";

/* ------------------------------ encoding ------------------------------ */

static void
test_encode_getbulk_v2c_golden(void)
{
	static const uint8_t want[] = {
		0x30, 0x82, 0x00, 0x2f,                  /* message */
		0x02, 0x01, 0x01,                        /* version 2c */
		0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
		0xa5, 0x82, 0x00, 0x20,                  /* GetBulkRequest */
		0x02, 0x04, 0x7f, 0xff, 0xff, 0xff,      /* request-id */
		0x02, 0x01, 0x00,                        /* non-repeaters */
		0x02, 0x01, 0x19,                        /* max-repetitions 25 */
		0x30, 0x82, 0x00, 0x10,                  /* varbind list */
		0x30, 0x82, 0x00, 0x0c,                  /* varbind */
		0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01,
		0x05, 0x00,
	};
	static const uint32_t iftable_entry[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1 };
	struct snmp_req req;
	struct argos_oid o;
	int rc;

	set_oid(&o, iftable_entry, 9);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GETBULK, 25, &o, 1);
	check(rc == 0, "v2c GETBULK of ifEntry encodes (rc %d)", rc);
	check(req.len == sizeof(want) && memcmp(req.buf, want, sizeof(want)) == 0,
	      "v2c GETBULK of ifEntry, max-rep 25, is encoded byte for byte as expected");
	hexdump_diff("getbulk", req.buf, req.len, want, sizeof(want));
	check(req.reqid_off == 21,
	      "GETBULK reqid_off points at the 4 request-id content bytes (got %u, want 21)",
	      req.reqid_off);

	snmp_patch_reqid(req.buf, req.reqid_off, SNMP_REQID_MIN);
	check(memcmp(req.buf + 21, "\x01\x00\x00\x00", 4) == 0 &&
	      memcmp(req.buf, want, 21) == 0 &&
	      memcmp(req.buf + 25, want + 25, sizeof(want) - 25) == 0,
	      "patching SNMP_REQID_MIN writes 01 00 00 00 and touches nothing else");
	snmp_patch_reqid(req.buf, req.reqid_off, 0x12345678);
	check(memcmp(req.buf + 21, "\x12\x34\x56\x78", 4) == 0,
	      "patching 0x12345678 writes 12 34 56 78");
	snmp_patch_reqid(req.buf, req.reqid_off, SNMP_REQID_MAX);
	check(memcmp(req.buf, want, sizeof(want)) == 0,
	      "patching SNMP_REQID_MAX restores the 7f ff ff ff placeholder exactly");

	/* The patched request is itself a valid message for the decoder. */
	{
		struct snmp_reply r;
		uint8_t *pkt;

		snmp_patch_reqid(req.buf, req.reqid_off, SNMP_REQID_MIN);
		pkt = dup_exact(req.buf, req.len);
		rc = snmp_parse_reply(pkt, req.len, &r);
		check(rc == 0 && r.request_id == (int32_t)SNMP_REQID_MIN &&
		      r.pdu_type == SNMP_PDU_GETBULK && r.error_index == 25,
		      "a patched request decodes with the patched request-id (rc %d)", rc);
		free(pkt);
	}
}

static void
test_encode_getnext_v1_golden(void)
{
	static const uint8_t want[] = {
		0x30, 0x82, 0x00, 0x2f,
		0x02, 0x01, 0x00,                        /* version 1 */
		0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
		0xa1, 0x82, 0x00, 0x20,                  /* GetNextRequest */
		0x02, 0x04, 0x7f, 0xff, 0xff, 0xff,
		0x02, 0x01, 0x00,                        /* error-status */
		0x02, 0x01, 0x00,                        /* error-index */
		0x30, 0x82, 0x00, 0x10,
		0x30, 0x82, 0x00, 0x0c,
		0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,
		0x05, 0x00,
	};
	static const uint32_t sysdescr0[] = { 1, 3, 6, 1, 2, 1, 1, 1, 0 };
	struct snmp_req req;
	struct argos_oid o;
	int rc;

	set_oid(&o, sysdescr0, 9);
	/* max_rep is ignored for GETNEXT: error-index stays 0. */
	rc = snmp_encode_request(&req, SNMP_VERSION_1, PUBLIC, 6,
				 SNMP_PDU_GETNEXT, 99, &o, 1);
	check(rc == 0, "v1 GETNEXT encodes (rc %d)", rc);
	check(req.len == sizeof(want) && memcmp(req.buf, want, sizeof(want)) == 0,
	      "v1 GETNEXT of sysDescr.0 is encoded byte for byte as expected, max_rep ignored");
	hexdump_diff("getnext", req.buf, req.len, want, sizeof(want));
	check(req.reqid_off == 21, "v1 GETNEXT reqid_off is 21 (got %u)", req.reqid_off);
}

static void
test_encode_get_v2c_two_oids_golden(void)
{
	static const uint8_t want[] = {
		0x30, 0x82, 0x00, 0x3f,
		0x02, 0x01, 0x01,
		0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
		0xa0, 0x82, 0x00, 0x30,                  /* GetRequest */
		0x02, 0x04, 0x7f, 0xff, 0xff, 0xff,
		0x02, 0x01, 0x00,
		0x02, 0x01, 0x00,
		0x30, 0x82, 0x00, 0x20,
		0x30, 0x82, 0x00, 0x0c,
		0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,
		0x05, 0x00,
		0x30, 0x82, 0x00, 0x0c,
		0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00,
		0x05, 0x00,
	};
	static const uint32_t a[] = { 1, 3, 6, 1, 2, 1, 1, 1, 0 };
	static const uint32_t b[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
	struct snmp_req req;
	struct argos_oid o[2];
	int rc;

	set_oid(&o[0], a, 9);
	set_oid(&o[1], b, 9);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GET, 0, o, 2);
	check(rc == 0, "v2c GET of two OIDs encodes (rc %d)", rc);
	check(req.len == sizeof(want) && memcmp(req.buf, want, sizeof(want)) == 0,
	      "v2c GET of sysDescr.0 and sysUpTime.0 is encoded byte for byte as expected");
	hexdump_diff("get2", req.buf, req.len, want, sizeof(want));
}

static void
test_encode_large_subids(void)
{
	/* 1.3.6.1.4.1.4294967295.268435457: 5-byte sub-identifiers. */
	static const uint8_t want_vb[] = {
		0x30, 0x82, 0x00, 0x13,
		0x06, 0x0f, 0x2b, 0x06, 0x01, 0x04, 0x01,
		0x8f, 0xff, 0xff, 0xff, 0x7f,            /* 4294967295 */
		0x81, 0x80, 0x80, 0x80, 0x01,            /* 268435457 */
		0x05, 0x00,
	};
	static const uint32_t big[] = { 1, 3, 6, 1, 4, 1, 4294967295u, 268435457u };
	struct snmp_req req;
	struct argos_oid o;
	int rc;

	set_oid(&o, big, 8);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GET, 0, &o, 1);
	check(rc == 0 && req.len >= sizeof(want_vb) &&
	      memcmp(req.buf + req.len - sizeof(want_vb), want_vb,
		     sizeof(want_vb)) == 0,
	      "sub-identifiers 2^32-1 and 2^28+1 are encoded in 5 bytes each");
	if (rc == 0 && req.len >= sizeof(want_vb))
		hexdump_diff("bigsub", req.buf + req.len - sizeof(want_vb),
			     sizeof(want_vb), want_vb, sizeof(want_vb));
}

/* Encode a GET for o and decode its single varbind name back. */
static int
roundtrip_name(const struct argos_oid *o, struct argos_oid *back)
{
	struct snmp_req req;
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint8_t *pkt;
	int rc;

	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GET, 0, o, 1);
	if (rc)
		return rc;
	pkt = dup_exact(req.buf, req.len);
	rc = snmp_parse_reply(pkt, req.len, &r);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		rc = snmp_vb_next(&it, &vb);
		if (rc == 1 && vb.type == SNMP_T_NULL) {
			*back = vb.name;
			rc = 0;
		} else {
			rc = -1;
		}
	}
	free(pkt);
	return rc;
}

static void
test_encode_oid_limits(void)
{
	struct argos_oid o, back;
	int rc;

	o.len = ARGOS_OID_MAX;
	o.sub[0] = 1;
	o.sub[1] = 3;
	for (uint32_t i = 2; i < o.len; i++)
		o.sub[i] = 4000000000u - i;
	rc = roundtrip_name(&o, &back);
	check(rc == 0 && oid_eq(&back, o.sub, o.len),
	      "a 128-sub-identifier OID with large arcs encodes and decodes back unchanged (rc %d)",
	      rc);

	o.len = ARGOS_OID_MAX + 1;
	check(snmp_encode_request(&(struct snmp_req){0}, SNMP_VERSION_2C, PUBLIC,
				  6, SNMP_PDU_GET, 0, &o, 1) == -EINVAL,
	      "a 129-sub-identifier OID is refused with -EINVAL");

	{
		static const uint32_t two_big[] = { 2, 4294967295u - 80 };
		static const uint32_t two_over[] = { 2, 4294967295u - 79 };
		static const uint32_t bad_first[] = { 3, 1 };
		static const uint32_t bad_second[] = { 1, 40 };

		set_oid(&o, two_big, 2);
		rc = roundtrip_name(&o, &back);
		check(rc == 0 && oid_eq(&back, two_big, 2),
		      "OID 2.(2^32-81), whose merged first sub-identifier is 2^32-1, round-trips (rc %d)",
		      rc);
		set_oid(&o, two_over, 2);
		check(roundtrip_name(&o, &back) == -EINVAL,
		      "OID 2.(2^32-80), whose merged first sub-identifier overflows 32 bits, is refused");
		set_oid(&o, bad_first, 2);
		check(roundtrip_name(&o, &back) == -EINVAL,
		      "an OID whose first arc is above 2 is refused");
		set_oid(&o, bad_second, 2);
		check(roundtrip_name(&o, &back) == -EINVAL,
		      "OID 1.40 (which BER would turn into 2.0) is refused");
		o.len = 1;
		check(roundtrip_name(&o, &back) == -EINVAL,
		      "a one-arc OID is refused");
	}
}

static void
test_encode_bad_arguments(void)
{
	static const uint32_t s[] = { 1, 3, 6, 1, 2, 1, 1, 1, 0 };
	struct argos_oid o[SNMP_MAX_VARBINDS_PER_REQ + 1];
	struct snmp_req req;
	uint8_t longcomm[256];
	int rc;

	for (unsigned i = 0; i <= SNMP_MAX_VARBINDS_PER_REQ; i++)
		set_oid(&o[i], s, 9);
	memset(longcomm, 'c', sizeof(longcomm));

	rc = snmp_encode_request(&req, SNMP_VERSION_1, PUBLIC, 6,
				 SNMP_PDU_GETBULK, 25, o, 1);
	check(rc == -EINVAL, "GETBULK with SNMPv1 is refused with -EINVAL (rc %d)", rc);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GET, 0, o, 0);
	check(rc == -EINVAL, "a request with no OID (n == 0) is refused with -EINVAL (rc %d)", rc);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GET, 0, o, SNMP_MAX_VARBINDS_PER_REQ + 1);
	check(rc == -EINVAL, "more than SNMP_MAX_VARBINDS_PER_REQ OIDs is refused with -EINVAL (rc %d)", rc);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GET, 0, o, SNMP_MAX_VARBINDS_PER_REQ);
	check(rc == 0, "exactly SNMP_MAX_VARBINDS_PER_REQ OIDs is accepted (rc %d)", rc);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, longcomm, 256,
				 SNMP_PDU_GET, 0, o, 1);
	check(rc == -EINVAL, "a 256-byte community is refused with -EINVAL (rc %d)", rc);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, longcomm, 255,
				 SNMP_PDU_GET, 0, o, 1);
	check(rc == 0, "a 255-byte community is accepted (rc %d)", rc);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, NULL, 0,
				 SNMP_PDU_GET, 0, o, 1);
	check(rc == 0 && req.buf[7] == 0x04 && req.buf[8] == 0x00,
	      "an empty community is encoded as 04 00 (rc %d)", rc);
	rc = snmp_encode_request(&req, 3, PUBLIC, 6, SNMP_PDU_GET, 0, o, 1);
	check(rc == -EINVAL, "version 3 is refused with -EINVAL (rc %d)", rc);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_RESPONSE, 0, o, 1);
	check(rc == -EINVAL, "encoding a Response PDU is refused with -EINVAL (rc %d)", rc);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GETBULK, 0x80000000u, o, 1);
	check(rc == -EINVAL, "max-repetitions above 2^31-1 is refused with -EINVAL (rc %d)", rc);
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GETBULK, 0x7fffffffu, o, 1);
	check(rc == 0 && memcmp(req.buf + 28, "\x02\x04\x7f\xff\xff\xff", 6) == 0,
	      "max-repetitions 2^31-1 is encoded as 02 04 7f ff ff ff (rc %d)", rc);
}

static void
test_encode_too_large(void)
{
	struct argos_oid o[SNMP_MAX_VARBINDS_PER_REQ];
	struct snmp_req req;
	int rc;

	/* 16 OIDs of 128 five-byte arcs: about 10 KB, far over 1400. */
	for (unsigned i = 0; i < SNMP_MAX_VARBINDS_PER_REQ; i++) {
		o[i].len = ARGOS_OID_MAX;
		o[i].sub[0] = 1;
		o[i].sub[1] = 3;
		for (uint32_t k = 2; k < ARGOS_OID_MAX; k++)
			o[i].sub[k] = 0xf0000000u + k;
	}
	req.len = 1234;
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GET, 0, o, SNMP_MAX_VARBINDS_PER_REQ);
	check(rc == -EMSGSIZE, "a request that would not fit in SNMP_REQ_MAX fails with -EMSGSIZE (rc %d)", rc);
	check(req.len == 0, "a request that did not fit is left with len 0, so it cannot be sent");

	/* Two such OIDs are about 1300 bytes and must still fit. */
	rc = snmp_encode_request(&req, SNMP_VERSION_2C, PUBLIC, 6,
				 SNMP_PDU_GET, 0, o, 2);
	check(rc == 0 && req.len > 1200 && req.len <= SNMP_REQ_MAX,
	      "a request of about 1300 bytes fits (rc %d, len %u)", rc, req.len);
}

/* ------------------------------ decoding ------------------------------ */

static void
test_decode_complete_response_golden(void)
{
	/* GetResponse, v2c, "public", id 0x01020304, three varbinds. */
	static const uint8_t msg[] = {
		0x30, 0x4a,
		0x02, 0x01, 0x01,
		0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
		0xa2, 0x3d,
		0x02, 0x04, 0x01, 0x02, 0x03, 0x04,
		0x02, 0x01, 0x00,
		0x02, 0x01, 0x00,
		0x30, 0x2f,
		/* sysDescr.0 = "Linux" */
		0x30, 0x11,
		0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,
		0x04, 0x05, 'L', 'i', 'n', 'u', 'x',
		/* sysUpTime.0 = TimeTicks 12345 */
		0x30, 0x0e,
		0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x03, 0x00,
		0x43, 0x02, 0x30, 0x39,
		/* ifHCInOctets.1 = Counter64 0x0102030405 */
		0x30, 0x0a,
		0x06, 0x01, 0x2b,
		0x46, 0x05, 0x01, 0x02, 0x03, 0x04, 0x05,
	};
	static const uint32_t n0[] = { 1, 3, 6, 1, 2, 1, 1, 1, 0 };
	static const uint32_t n1[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
	static const uint32_t n2[] = { 1, 3 };
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint8_t *pkt = dup_exact(msg, sizeof(msg));
	int rc;

	rc = snmp_parse_reply(pkt, sizeof(msg), &r);
	check(rc == 0, "a complete v2c GetResponse parses (rc %d)", rc);
	if (rc) {
		free(pkt);
		return;
	}
	check(r.version == 1 && r.pdu_type == SNMP_PDU_RESPONSE &&
	      r.request_id == 0x01020304 && r.error_status == 0 &&
	      r.error_index == 0,
	      "the reply header fields (version, PDU type, request-id, error-status, error-index) are decoded");
	check(r.community == pkt + 7 && r.community_len == 6,
	      "the community is returned as a pointer into the packet, not a copy");
	check(r.vbl == pkt + 29 && r.vbl_len == 0x2f,
	      "the varbind list is located (offset 29, 47 bytes)");

	snmp_vb_iter_init(&it, &r);
	rc = snmp_vb_next(&it, &vb);
	check(rc == 1 && oid_eq(&vb.name, n0, 9) && vb.type == SNMP_T_OCTETSTR &&
	      vb.bytes == pkt + 43 && vb.bytes_len == 5,
	      "varbind 1: sysDescr.0 is an OctetString pointing at \"Linux\" in the packet");
	rc = snmp_vb_next(&it, &vb);
	check(rc == 1 && oid_eq(&vb.name, n1, 9) && vb.type == SNMP_T_TIMETICKS &&
	      vb.u == 12345,
	      "varbind 2: sysUpTime.0 is TimeTicks 12345");
	rc = snmp_vb_next(&it, &vb);
	check(rc == 1 && oid_eq(&vb.name, n2, 2) && vb.type == SNMP_T_COUNTER64 &&
	      vb.u == 0x0102030405ull,
	      "varbind 3: a one-byte OID 1.3 names a Counter64 0x0102030405");
	rc = snmp_vb_next(&it, &vb);
	check(rc == 0, "after the last varbind the iterator reports the end (rc %d)", rc);
	rc = snmp_vb_next(&it, &vb);
	check(rc == 0, "the end of the list is reported again on a further call (rc %d)", rc);
	free(pkt);
}

static void
test_decode_error_status_toobig(void)
{
	struct reply_spec s = RESP_V2C;
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint8_t msg[64], *pkt;
	size_t n;
	int rc;

	s.err_status = SNMP_ERR_TOOBIG;
	n = make_reply(msg, &s, NULL, 0);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	check(rc == 0 && r.error_status == SNMP_ERR_TOOBIG && r.error_index == 0 &&
	      r.vbl_len == 0,
	      "a tooBig reply with an empty varbind list parses and reports error-status 1 (rc %d)", rc);
	snmp_vb_iter_init(&it, &r);
	check(snmp_vb_next(&it, &vb) == 0,
	      "an empty varbind list yields no varbind");
	free(pkt);

	s.err_status = SNMP_ERR_NOSUCHNAME;
	s.err_index = 2;
	s.version = 0;
	n = make_reply(msg, &s, NULL, 0);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	check(rc == 0 && r.version == 0 && r.error_status == SNMP_ERR_NOSUCHNAME &&
	      r.error_index == 2,
	      "a v1 noSuchName reply reports error-status 2 and error-index 2 (rc %d)", rc);
	free(pkt);
}

static void
test_decode_integers(void)
{
	static const struct {
		uint8_t tlv[8];
		size_t len;
		int64_t want;
		const char *what;
	} ok[] = {
		{ { 0x02, 0x01, 0xff }, 3, -1, "Integer -1 (02 01 ff) decodes as -1" },
		{ { 0x02, 0x04, 0x80, 0, 0, 0 }, 6, INT32_MIN,
		  "Integer -2^31 (02 04 80 00 00 00) decodes as -2147483648" },
		{ { 0x02, 0x04, 0x7f, 0xff, 0xff, 0xff }, 6, INT32_MAX,
		  "Integer 2^31-1 (02 04 7f ff ff ff) decodes as 2147483647" },
		{ { 0x02, 0x01, 0x00 }, 3, 0, "Integer 0 decodes as 0" },
		{ { 0x02, 0x02, 0xff, 0x7f }, 4, -129, "Integer -129 (02 02 ff 7f) decodes as -129" },
		{ { 0x02, 0x05, 0xff, 0xff, 0xff, 0xff, 0xfe }, 7, -2,
		  "Integer -2 with a redundant sign byte decodes as -2" },
		{ { 0x02, 0x05, 0x00, 0x00, 0x00, 0x00, 0x07 }, 7, 7,
		  "Integer 7 with a redundant zero byte decodes as 7" },
	};
	static const struct {
		uint8_t tlv[11];
		size_t len;
		const char *what;
	} bad[] = {
		{ { 0x02, 0x05, 0x00, 0x80, 0, 0, 0 }, 7,
		  "Integer 2^31 (outside Integer32) is refused" },
		{ { 0x02, 0x05, 0x01, 0, 0, 0, 0x05 }, 7,
		  "Integer 2^32+5 is refused, not truncated to 5" },
		{ { 0x02, 0x05, 0xff, 0, 0, 0, 0 }, 7,
		  "Integer -2^32 is refused, not truncated to 0" },
		{ { 0x02, 0x00 }, 2, "an empty Integer is refused" },
		{ { 0x02, 0x09, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 11,
		  "a 9-byte Integer is refused" },
	};
	struct snmp_varbind vb;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int rc = decode_value(ok[i].tlv, ok[i].len, &vb, NULL);

		check(rc == 1 && vb.type == SNMP_T_INTEGER && vb.i == ok[i].want,
		      "%s (rc %d, got %" PRId64 ")", ok[i].what, rc,
		      rc == 1 ? vb.i : 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad_value(bad[i].tlv, bad[i].len, bad[i].what);
}

static void
test_decode_unsigned(void)
{
	static const struct {
		uint8_t tlv[12];
		size_t len;
		uint8_t type;
		uint64_t want;
		const char *what;
	} ok[] = {
		{ { 0x46, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		  11, SNMP_T_COUNTER64, UINT64_MAX,
		  "Counter64 2^64-1 (46 09 00 ff*8) decodes exactly" },
		{ { 0x46, 0x01, 0x00 }, 3, SNMP_T_COUNTER64, 0,
		  "Counter64 0 (46 01 00) decodes as 0" },
		{ { 0x46, 0x05, 0x01, 0, 0, 0, 0 }, 7, SNMP_T_COUNTER64,
		  4294967296ull, "Counter64 2^32 (46 05 01 00 00 00 00) decodes exactly" },
		{ { 0x46, 0x08, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		  10, SNMP_T_COUNTER64, INT64_MAX, "Counter64 2^63-1 decodes exactly" },
		{ { 0x41, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff }, 7, SNMP_T_COUNTER32,
		  UINT32_MAX, "Counter32 2^32-1 (41 05 00 ff ff ff ff) decodes exactly" },
		{ { 0x41, 0x04, 0x80, 0, 0, 0 }, 6, SNMP_T_COUNTER32, 0x80000000u,
		  "Counter32 0x80000000 sent without its 00 pad decodes as 2147483648" },
		{ { 0x42, 0x01, 0x05 }, 3, SNMP_T_GAUGE32, 5, "Gauge32 5 decodes as 5" },
		{ { 0x42, 0x05, 0x00, 0x3b, 0x9a, 0xca, 0x00 }, 7, SNMP_T_GAUGE32,
		  1000000000u, "Gauge32 10^9 (ifSpeed-like) decodes exactly" },
		{ { 0x43, 0x04, 0x01, 0x02, 0x03, 0x04 }, 6, SNMP_T_TIMETICKS,
		  0x01020304u, "TimeTicks 0x01020304 decodes exactly" },
	};
	static const struct {
		uint8_t tlv[12];
		size_t len;
		const char *what;
	} bad[] = {
		{ { 0x41, 0x05, 0x01, 0, 0, 0, 0 }, 7,
		  "Counter32 2^32 is refused, not truncated to 0" },
		{ { 0x41, 0x01, 0xff }, 3,
		  "a negative Counter32 (41 01 ff) is refused" },
		{ { 0x41, 0x00 }, 2, "an empty Counter32 is refused" },
		{ { 0x46, 0x00 }, 2, "an empty Counter64 is refused" },
		{ { 0x46, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0 }, 11,
		  "Counter64 2^64 is refused" },
		{ { 0x46, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 12,
		  "a 10-byte Counter64 is refused" },
	};
	struct snmp_varbind vb;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int rc = decode_value(ok[i].tlv, ok[i].len, &vb, NULL);

		check(rc == 1 && vb.type == ok[i].type && vb.u == ok[i].want,
		      "%s (rc %d, got %" PRIu64 ")", ok[i].what, rc,
		      rc == 1 ? vb.u : 0);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_bad_value(bad[i].tlv, bad[i].len, bad[i].what);
}

static void
test_decode_strings(void)
{
	static uint8_t tlv[SNMP_MSG_MAX];
	struct snmp_varbind vb;
	uint8_t *pkt = NULL;
	size_t n;
	int rc;

	rc = decode_value((const uint8_t *)"\x04\x00", 2, &vb, &pkt);
	check(rc == 1 && vb.type == SNMP_T_OCTETSTR && vb.bytes_len == 0,
	      "an empty OctetString (04 00) decodes with length 0 (rc %d)", rc);
	free(pkt);
	pkt = NULL;

	n = ber_put_hdr(tlv, 0x04, 1400);
	check(n == 4 && tlv[1] == 0x82 && tlv[2] == 0x05 && tlv[3] == 0x78,
	      "test writer: a 1400-byte string header is 04 82 05 78");
	for (size_t i = 0; i < 1400; i++)
		tlv[n + i] = (uint8_t)(i * 7 + 1);
	rc = decode_value(tlv, n + 1400, &vb, &pkt);
	check(rc == 1 && vb.type == SNMP_T_OCTETSTR && vb.bytes_len == 1400 &&
	      memcmp(vb.bytes, tlv + 4, 1400) == 0,
	      "a 1400-byte OctetString decodes to its exact 1400 bytes (rc %d)", rc);
	if (rc == 1)
		check(vb.bytes > pkt && vb.bytes + vb.bytes_len <= pkt + last_pkt_len,
		      "the 1400-byte OctetString points into the packet, not into a copy");
	free(pkt);
	pkt = NULL;

	/* Longer than one Ethernet frame: such replies arrive in IPv4
	 * fragments, which the dataplane reassembles (dp_frag.c). */
	for (size_t k = 0; k < 2; k++) {
		size_t want = k ? 65000 : 1473;

		n = ber_put_hdr(tlv, 0x04, want);
		for (size_t i = 0; i < want; i++)
			tlv[n + i] = (uint8_t)(i * 13 + k);
		rc = decode_value(tlv, n + want, &vb, &pkt);
		check(rc == 1 && vb.type == SNMP_T_OCTETSTR && vb.bytes_len == want &&
		      memcmp(vb.bytes, tlv + n, want) == 0,
		      "a %zu-byte OctetString (a reassembled reply) decodes to its exact bytes "
		      "(rc %d)", want, rc);
		free(pkt);
		pkt = NULL;
	}

	rc = decode_value((const uint8_t *)"\x44\x03\x9f\x78\x01", 5, &vb, &pkt);
	check(rc == 1 && vb.type == SNMP_T_OPAQUE && vb.bytes_len == 3 &&
	      memcmp(vb.bytes, "\x9f\x78\x01", 3) == 0,
	      "an Opaque whose bytes look like net-snmp's wrapped float (9f 78 ..) is returned raw (rc %d)", rc);
	free(pkt);
	pkt = NULL;

	rc = decode_value((const uint8_t *)"\x44\x07\x9f\x78\x04\x3f\x80\x00\x00", 9,
			  &vb, &pkt);
	check(rc == 1 && vb.type == SNMP_T_OPAQUE && vb.bytes_len == 7 &&
	      vb.bytes[0] == 0x9f,
	      "a well-formed Opaque float is returned as its 7 raw bytes (rc %d)", rc);
	free(pkt);
	pkt = NULL;

	rc = decode_value((const uint8_t *)"\x44\x00", 2, &vb, &pkt);
	check(rc == 1 && vb.type == SNMP_T_OPAQUE && vb.bytes_len == 0,
	      "an empty Opaque (44 00) decodes with length 0 (rc %d)", rc);
	free(pkt);
	pkt = NULL;

	rc = decode_value((const uint8_t *)"\x40\x04\xc0\xa8\x01\xfe", 6, &vb, &pkt);
	check(rc == 1 && vb.type == SNMP_T_IPADDRESS && vb.bytes_len == 4 &&
	      memcmp(vb.bytes, "\xc0\xa8\x01\xfe", 4) == 0,
	      "IpAddress 192.168.1.254 decodes to its 4 bytes (rc %d)", rc);
	free(pkt);
	expect_bad_value((const uint8_t *)"\x40\x03\xc0\xa8\x01", 5,
			 "an IpAddress of 3 bytes is refused");
	expect_bad_value((const uint8_t *)"\x40\x05\xc0\xa8\x01\x01\x01", 7,
			 "an IpAddress of 5 bytes is refused");
	expect_bad_value((const uint8_t *)"\x40\x00", 2,
			 "an empty IpAddress is refused");
}

static void
test_decode_oids(void)
{
	static const uint8_t big_oid[] = {
		0x06, 0x0f, 0x2b, 0x06, 0x01, 0x04, 0x01,
		0x8f, 0xff, 0xff, 0xff, 0x7f, 0x81, 0x80, 0x80, 0x80, 0x01,
	};
	static const uint32_t big[] = { 1, 3, 6, 1, 4, 1, 4294967295u, 268435457u };
	static uint8_t vbl[512], msg[1024], name[256];
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint8_t *pkt;
	size_t n;
	int rc;

	/* As a value. */
	rc = decode_value(big_oid, sizeof(big_oid), &vb, NULL);
	check(rc == 1 && vb.type == SNMP_T_OID && oid_eq(&vb.oid, big, 8),
	      "an OID value 1.3.6.1.4.1.4294967295.268435457 decodes exactly (rc %d)", rc);

	/* As a varbind name, with a NULL value. */
	n = make_vb(vbl, big_oid, sizeof(big_oid), (const uint8_t *)"\x05\x00", 2);
	n = make_reply(msg, &RESP_V2C, vbl, n);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		rc = snmp_vb_next(&it, &vb);
	}
	check(rc == 1 && oid_eq(&vb.name, big, 8) && vb.type == SNMP_T_NULL,
	      "a varbind named 1.3.6.1.4.1.4294967295.268435457 decodes exactly (rc %d)", rc);
	free(pkt);

	/* 128 sub-identifiers (2b + 126 one-byte arcs) decode; 129 do not. */
	name[0] = 0x06;
	name[1] = 127;
	name[2] = 0x2b;
	for (int i = 3; i < 129; i++)
		name[i] = (uint8_t)(i - 2);      /* arcs 1..126, each one byte */
	n = make_vb(vbl, name, 129, (const uint8_t *)"\x05\x00", 2);
	n = make_reply(msg, &RESP_V2C, vbl, n);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		rc = snmp_vb_next(&it, &vb);
	}
	check(rc == 1 && vb.name.len == 128 && vb.name.sub[127] == 126,
	      "a varbind name of 128 sub-identifiers decodes (rc %d, len %u)", rc,
	      rc == 1 ? vb.name.len : 0);
	free(pkt);

	name[1] = 128;
	name[129] = 0x01;
	n = make_vb(vbl, name, 130, (const uint8_t *)"\x05\x00", 2);
	n = make_reply(msg, &RESP_V2C, vbl, n);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		rc = snmp_vb_next(&it, &vb);
	}
	check(rc == -EBADMSG,
	      "a varbind name of 129 sub-identifiers is refused (rc %d)", rc);
	free(pkt);

	expect_bad_value((const uint8_t *)"\x06\x07\x2b\x90\x80\x80\x80\x00\x01", 9,
			 "an OID value with a sub-identifier of 2^32 is refused");
	expect_bad_value((const uint8_t *)
			 "\x06\x0c\x2b\x81\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 14,
			 "an OID sub-identifier of 2^70+1, which wraps a 64-bit accumulator to 1, is refused");
	expect_bad_value((const uint8_t *)"\x06\x03\x2b\x80\x01", 5,
			 "an OID sub-identifier padded with a leading 0x80 is refused");
	expect_bad_value((const uint8_t *)"\x06\x02\x2b\x86", 4,
			 "an OID whose last byte has the continuation bit set is refused");
	expect_bad_value((const uint8_t *)"\x06\x00", 2,
			 "an empty OID value (06 00) is refused");
}

static void
test_decode_null_and_exceptions(void)
{
	static const struct {
		uint8_t tag;
		const char *name;
	} ex[] = {
		{ SNMP_T_NULL, "Null" },
		{ SNMP_T_NOSUCHOBJECT, "noSuchObject" },
		{ SNMP_T_NOSUCHINSTANCE, "noSuchInstance" },
		{ SNMP_T_ENDOFMIBVIEW, "endOfMibView" },
	};
	struct snmp_varbind vb;

	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		uint8_t tlv[3] = { ex[i].tag, 0x00, 0x00 };
		int rc = decode_value(tlv, 2, &vb, NULL);
		char what[80];

		check(rc == 1 && vb.type == ex[i].tag && vb.bytes == NULL &&
		      vb.bytes_len == 0,
		      "%s (%02x 00) decodes as that type with no value (rc %d)",
		      ex[i].name, ex[i].tag, rc);
		snprintf(what, sizeof(what), "%s with one content byte is refused",
			 ex[i].name);
		tlv[1] = 0x01;
		expect_bad_value(tlv, 3, what);
	}
}

static void
test_decode_unknown_types(void)
{
	expect_bad_value((const uint8_t *)"\x47\x01\x00", 3,
			 "an unknown application type (0x47) is refused");
	expect_bad_value((const uint8_t *)"\x03\x02\x00\x01", 4,
			 "a BIT STRING value is refused");
	expect_bad_value((const uint8_t *)"\x83\x00", 2,
			 "an unknown context type (0x83) is refused");
	expect_bad_value((const uint8_t *)"\x30\x00", 2,
			 "a SEQUENCE as a value is refused");
	expect_bad_value((const uint8_t *)"\x5f\x01\x01", 3,
			 "a multi-byte tag is refused");
}

static void
test_decode_varbind_framing(void)
{
	static uint8_t vbl[256], msg[512];
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint8_t c[64], *pkt;
	size_t n;
	int rc;

	/* Two values inside one varbind. */
	memcpy(c, NAME_SYSUPTIME, sizeof(NAME_SYSUPTIME));
	memcpy(c + sizeof(NAME_SYSUPTIME), "\x05\x00\x05\x00", 4);
	n = ber_put_tlv(vbl, 0x30, c, sizeof(NAME_SYSUPTIME) + 4);
	n = make_reply(msg, &RESP_V2C, vbl, n);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		rc = snmp_vb_next(&it, &vb);
	}
	check(rc == -EBADMSG, "trailing garbage inside a varbind is refused (rc %d)", rc);
	if (rc == -EBADMSG)
		check(snmp_vb_next(&it, &vb) == -EBADMSG,
		      "after an error the iterator repeats the error rather than reporting the end");
	free(pkt);

	/* A varbind with a name and no value. */
	n = ber_put_tlv(vbl, 0x30, NAME_SYSUPTIME, sizeof(NAME_SYSUPTIME));
	n = make_reply(msg, &RESP_V2C, vbl, n);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		rc = snmp_vb_next(&it, &vb);
	}
	check(rc == -EBADMSG, "a varbind with no value is refused (rc %d)", rc);
	free(pkt);

	/* A varbind whose name is not an OID. */
	n = make_vb(vbl, (const uint8_t *)"\x04\x01\x41", 3,
		    (const uint8_t *)"\x05\x00", 2);
	n = make_reply(msg, &RESP_V2C, vbl, n);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		rc = snmp_vb_next(&it, &vb);
	}
	check(rc == -EBADMSG, "a varbind named by an OctetString is refused (rc %d)", rc);
	free(pkt);

	/* A varbind list element that is not a SEQUENCE. */
	n = make_reply(msg, &RESP_V2C, (const uint8_t *)"\x05\x00", 2);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		rc = snmp_vb_next(&it, &vb);
	}
	check(rc == -EBADMSG, "a varbind list element that is not a SEQUENCE is refused (rc %d)", rc);
	free(pkt);

	/* The value claims more bytes than its varbind holds. */
	memcpy(c, NAME_SYSUPTIME, sizeof(NAME_SYSUPTIME));
	memcpy(c + sizeof(NAME_SYSUPTIME), "\x04\x05\x41\x42", 4);
	n = ber_put_tlv(vbl, 0x30, c, sizeof(NAME_SYSUPTIME) + 4);
	memcpy(vbl + n, "\x05\x00\x05\x00", 4);   /* bytes it could run into */
	n = make_reply(msg, &RESP_V2C, vbl, n + 4);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		rc = snmp_vb_next(&it, &vb);
	}
	check(rc == -EBADMSG,
	      "a value whose length runs past the end of its varbind is refused (rc %d)", rc);
	free(pkt);
}

/*
 * A 25-varbind GETBULK response over ifTable/ifXTable columns with
 * every value type.  Returns its length; ends[i] receives the offset
 * in the varbind list where varbind i ends.
 */
static size_t
make_bulk25(uint8_t *out, size_t *ends, size_t *vbl_off)
{
	static const uint8_t values[25][24] = {
		{ 0x02, 0x01, 0x01 },                                  /* ifIndex */
		{ 0x04, 0x04, 'e', 't', 'h', '0' },                     /* ifDescr */
		{ 0x02, 0x01, 0x06 },                                  /* ifType */
		{ 0x02, 0x02, 0x05, 0xdc },                            /* ifMtu */
		{ 0x42, 0x05, 0x00, 0xee, 0x6b, 0x28, 0x00 },          /* ifSpeed */
		{ 0x04, 0x06, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 },    /* ifPhysAddress */
		{ 0x02, 0x01, 0x01 },                                  /* ifAdminStatus */
		{ 0x02, 0x01, 0x02 },                                  /* ifOperStatus */
		{ 0x43, 0x03, 0x01, 0x86, 0xa0 },                      /* ifLastChange */
		{ 0x41, 0x05, 0x00, 0xff, 0xff, 0xff, 0xfe },          /* ifInOctets */
		{ 0x41, 0x01, 0x00 },                                  /* ifInUcastPkts */
		{ 0x46, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
		{ 0x46, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00 },          /* ifHCOutOctets */
		{ 0x46, 0x01, 0x00 },
		{ 0x40, 0x04, 0x0a, 0x00, 0x00, 0x01 },                /* IpAddress */
		{ 0x06, 0x07, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x8f, 0x45 }, /* OID */
		{ 0x44, 0x03, 0x9f, 0x78, 0x00 },                      /* Opaque */
		{ 0x05, 0x00 },                                        /* Null */
		{ 0x02, 0x04, 0x80, 0x00, 0x00, 0x00 },                /* Integer min */
		{ 0x02, 0x01, 0xff },                                  /* Integer -1 */
		{ 0x04, 0x00 },                                        /* ifAlias "" */
		{ 0x42, 0x04, 0x7f, 0xff, 0xff, 0xff },                /* Gauge32 */
		{ 0x80, 0x00 },                                        /* noSuchObject */
		{ 0x81, 0x00 },                                        /* noSuchInstance */
		{ 0x82, 0x00 },                                        /* endOfMibView */
	};
	static uint8_t vbl[4096];
	size_t vn = 0, n, hdr;

	for (int i = 0; i < 25; i++) {
		/* 1.3.6.1.2.1.2.2.1.<col>.<i+1> */
		uint8_t name[13] = { 0x06, 0x0b, 0x2b, 0x06, 0x01, 0x02, 0x01,
				     0x02, 0x02, 0x01, 0, 0, 0 };
		size_t vlen = values[i][1] + 2u;

		name[10] = (uint8_t)(i + 1);
		name[11] = 0x81;            /* instance 200+i: two bytes */
		name[12] = (uint8_t)(0x48 + i);
		name[1] = 0x0b;
		vn += make_vb(vbl + vn, name, 13, values[i], vlen);
		ends[i] = vn;
	}
	n = make_reply(out, &RESP_V2C, vbl, vn);
	/* The varbind list is the last TLV: its contents end the message. */
	hdr = n - vn;
	*vbl_off = hdr;
	return n;
}

static void
test_decode_bulk25_and_every_prefix(void)
{
	static uint8_t msg[4096];
	size_t ends[25], vbl_off, n;
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint8_t *pkt;
	int rc, count = 0, prefix_failures = 0;

	n = make_bulk25(msg, ends, &vbl_off);
	pkt = dup_exact(msg, n);
	rc = snmp_parse_reply(pkt, n, &r);
	check(rc == 0 && r.vbl == pkt + vbl_off && r.vbl_len == ends[24],
	      "a 25-varbind GETBULK response parses (rc %d)", rc);
	if (rc == 0) {
		snmp_vb_iter_init(&it, &r);
		while ((rc = snmp_vb_next(&it, &vb)) == 1)
			count++;
		check(rc == 0 && count == 25,
		      "all 25 varbinds of every type decode (got %d, rc %d)", count, rc);
	}
	free(pkt);

	/* The whole message cut short: the header parse must refuse it. */
	for (size_t k = 0; k < n; k++) {
		pkt = dup_exact(msg, k);
		rc = snmp_parse_reply(pkt, k, &r);
		if (rc != -EBADMSG) {
			prefix_failures++;
			printf("  prefix %zu of %zu: rc %d\n", k, n, rc);
		}
		free(pkt);
	}
	check(prefix_failures == 0,
	      "every truncated prefix of the reply is refused by snmp_parse_reply (%d accepted)",
	      prefix_failures);

	/*
	 * The varbind list cut short: exactly the whole varbinds inside the
	 * prefix come out, then the end (cut on a boundary) or -EBADMSG.
	 */
	prefix_failures = 0;
	for (size_t k = 0; k <= ends[24]; k++) {
		size_t whole = 0;
		int got = 0, want_rc;

		while (whole < 25 && ends[whole] <= k)
			whole++;
		want_rc = (k == 0 || (whole > 0 && ends[whole - 1] == k)) ? 0 : -EBADMSG;
		pkt = dup_exact(msg + vbl_off, k);
		it.p = pkt;
		it.left = k;
		while ((rc = snmp_vb_next(&it, &vb)) == 1) {
			got++;
			if (vb.bytes && (vb.bytes < pkt || vb.bytes + vb.bytes_len > pkt + k))
				prefix_failures++;
			if (got > 25)
				break;
		}
		if ((size_t)got != whole || rc != want_rc) {
			prefix_failures++;
			printf("  vbl prefix %zu: %d varbinds, rc %d; want %zu, rc %d\n",
			       k, got, rc, whole, want_rc);
		}
		free(pkt);
	}
	check(prefix_failures == 0,
	      "a varbind list cut at any length yields exactly the whole varbinds before the cut, then stops");
}

static void
test_decode_bad_headers(void)
{
	static uint8_t msg[256];
	struct reply_spec s = RESP_V2C;
	struct snmp_reply r;
	uint8_t *pkt;
	size_t n;
	int rc;

	/* Each case mutates a fresh tooBig reply. */
	struct {
		size_t off;
		uint8_t val;
		const char *what;
	} muts[] = {
		{ 1, 0x30, "a message length claiming more bytes than present is refused" },
		{ 6, 0x30, "a community length claiming more bytes than present is refused" },
		{ 14, 0x40, "a PDU length claiming more bytes than present is refused" },
		{ 0, 0x31, "a message that is not a SEQUENCE is refused" },
		{ 15, 0x04, "a request-id that is not an INTEGER is refused" },
		{ 1, 0x80, "an indefinite message length is refused" },
		{ 5, 0x02, "a community that is not an OCTET STRING is refused" },
	};

	s.reqid = 0x01020304;
	n = make_reply(msg, &s, NULL, 0);
	/* 30 1b 02 01 01 04 06 public a2 0e 02 04 .. 02 01 00 02 01 00 30 00 */
	check(n == 29 && msg[13] == 0xa2 && msg[27] == 0x30,
	      "test writer: the tooBig template has the expected layout");
	for (size_t i = 0; i < sizeof(muts) / sizeof(muts[0]); i++) {
		uint8_t m[64];

		memcpy(m, msg, n);
		m[muts[i].off] = muts[i].val;
		pkt = dup_exact(m, n);
		rc = snmp_parse_reply(pkt, n, &r);
		check(rc == -EBADMSG, "%s (rc %d)", muts[i].what, rc);
		free(pkt);
	}

	s.version = 3;
	n = make_reply(msg, &s, NULL, 0);
	pkt = dup_exact(msg, n);
	check(snmp_parse_reply(pkt, n, &r) == -EBADMSG, "version 3 is refused with -EBADMSG");
	free(pkt);
	s.version = 2;
	n = make_reply(msg, &s, NULL, 0);
	pkt = dup_exact(msg, n);
	check(snmp_parse_reply(pkt, n, &r) == -EBADMSG, "version 2 is refused with -EBADMSG");
	free(pkt);
	s.version = -1;
	n = make_reply(msg, &s, NULL, 0);
	pkt = dup_exact(msg, n);
	check(snmp_parse_reply(pkt, n, &r) == -EBADMSG, "version -1 is refused with -EBADMSG");
	free(pkt);

	s = RESP_V2C;
	n = make_reply(msg, &s, NULL, 0);
	msg[n] = 0x00;
	pkt = dup_exact(msg, n + 1);
	check(snmp_parse_reply(pkt, n + 1, &r) == -EBADMSG,
	      "a byte after the end of the message is refused");
	free(pkt);

	check(snmp_parse_reply(NULL, 0, &r) == -EBADMSG, "a NULL packet is refused");
	pkt = dup_exact((const uint8_t *)"\x30\x84\xff\xff\xff\xff", 6);
	check(snmp_parse_reply(pkt, 6, &r) == -EBADMSG,
	      "a 4-byte message length of 2^32-1 is refused");
	free(pkt);
	pkt = dup_exact((const uint8_t *)"\x30\x85\x00\x00\x00\x00\x00", 7);
	check(snmp_parse_reply(pkt, 7, &r) == -EBADMSG,
	      "a 5-byte length-of-length is refused");
	free(pkt);

	/* The same tooBig reply with 0x84 four-byte lengths everywhere. */
	{
		static const uint8_t m84[] = {
			0x30, 0x84, 0, 0, 0, 0x2e,
			0x02, 0x84, 0, 0, 0, 0x01, 0x01,
			0x04, 0x84, 0, 0, 0, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
			0xa2, 0x84, 0, 0, 0, 0x15,
			0x02, 0x01, 0x2a,
			0x02, 0x01, 0x01,
			0x02, 0x01, 0x00,
			0x30, 0x84, 0, 0, 0, 0x06,
			0x30, 0x84, 0, 0, 0, 0x00,
		};
		struct snmp_vb_iter it;
		struct snmp_varbind vb;

		pkt = dup_exact(m84, sizeof(m84));
		rc = snmp_parse_reply(pkt, sizeof(m84), &r);
		check(rc == 0 && r.request_id == 42 && r.error_status == 1 &&
		      r.community_len == 6 && r.vbl_len == 6,
		      "lengths in the 4-byte long form (0x84, sent by some agents) are accepted (rc %d)", rc);
		if (rc == 0) {
			snmp_vb_iter_init(&it, &r);
			check(snmp_vb_next(&it, &vb) == -EBADMSG,
			      "an empty varbind SEQUENCE (no name) is refused");
		}
		free(pkt);
	}
}

static void
test_type_names(void)
{
	static const struct {
		uint8_t type;
		const char *name;
	} names[] = {
		{ SNMP_T_INTEGER, "Integer" },
		{ SNMP_T_OCTETSTR, "OctetString" },
		{ SNMP_T_OID, "ObjectIdentifier" },
		{ SNMP_T_IPADDRESS, "IpAddress" },
		{ SNMP_T_COUNTER32, "Counter32" },
		{ SNMP_T_GAUGE32, "Gauge32" },
		{ SNMP_T_TIMETICKS, "TimeTicks" },
		{ SNMP_T_OPAQUE, "Opaque" },
		{ SNMP_T_COUNTER64, "Counter64" },
		{ SNMP_T_NULL, "Null" },
		{ SNMP_T_NOSUCHOBJECT, "noSuchObject" },
		{ SNMP_T_NOSUCHINSTANCE, "noSuchInstance" },
		{ SNMP_T_ENDOFMIBVIEW, "endOfMibView" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *got = snmp_type_name(names[i].type);

		check(got != NULL && strcmp(got, names[i].name) == 0,
		      "type 0x%02x is named \"%s\" (got \"%s\")", names[i].type,
		      names[i].name, got ? got : "(null)");
	}
	check(snmp_type_name(0x47) == NULL, "an unknown type (0x47) has no name");
	check(snmp_type_name(0x03) == NULL, "BIT STRING (0x03) has no name");
	check(snmp_type_name(0x30) == NULL, "SEQUENCE (0x30) has no name");
}

int
main(void)
{
	test_encode_getbulk_v2c_golden();
	test_encode_getnext_v1_golden();
	test_encode_get_v2c_two_oids_golden();
	test_encode_large_subids();
	test_encode_oid_limits();
	test_encode_bad_arguments();
	test_encode_too_large();
	test_decode_complete_response_golden();
	test_decode_error_status_toobig();
	test_decode_integers();
	test_decode_unsigned();
	test_decode_strings();
	test_decode_oids();
	test_decode_null_and_exceptions();
	test_decode_unknown_types();
	test_decode_varbind_framing();
	test_decode_bulk25_and_every_prefix();
	test_decode_bad_headers();
	test_type_names();

	printf("test_ber: %u checks, %u failed\n", checks, failures);
	return failures ? 1 : 0;
}
