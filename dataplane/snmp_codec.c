/*
 * snmp_codec.c - SNMP v1/v2c request encoder and reply decoder.
 *
 * Requests are built and replies decoded with net-snmp's ASN.1/BER
 * primitives (asn_build_*, asn_parse_*, snmp_build_var_op); its
 * session layer is never used.  The only values decoded without them
 * are Opaque contents and the three exception markers, for reasons
 * given at the spot.  The file adds what the dataplane needs on top:
 *
 *  - Bounds.  Before any TLV is handed to net-snmp, snmp_tlv_peek() checks
 *    that its header and contents lie inside the bytes we hold, and
 *    net-snmp is then given exactly that TLV as its data length.  We do
 *    not rely on net-snmp's own checks, which have differed between
 *    releases.
 *  - Exactness.  net-snmp silently truncates INTEGER and Counter32
 *    values that do not fit 32 bits (2^32+5 comes back as 5) and
 *    accepts some malformed encodings (an empty OID, an empty
 *    Counter64).  Such input is rejected here before it gets there.
 *  - No copies.  OCTET STRING, Opaque and IpAddress values are returned
 *    as pointer + length into the packet.
 *
 * No allocation, no syscall, no mutable global state of our own.  The
 * one shared thing touched is net-snmp's error-detail buffer, which its
 * primitives overwrite (bounded strlcpy into a static array) whenever
 * they reject input; nothing here reads it.  net-snmp's debug output
 * is off unless the process turns it on, so nothing is printed.
 */
#include <errno.h>
#include <stdint.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/types.h>
#include <net-snmp/library/asn1.h>
#include <net-snmp/library/snmp.h>

/*
 * net-snmp's snmp.h defines SNMP_ERR_* with the same values but a
 * different spelling ("(0)"), which would make snmp_codec.h's
 * definitions a redefinition error under -Werror.  Ours stand.
 */
#undef SNMP_ERR_NOERROR
#undef SNMP_ERR_TOOBIG
#undef SNMP_ERR_NOSUCHNAME
#undef SNMP_ERR_GENERR

#include "snmp_codec.h"

#define T_SEQUENCE 0x30   /* ASN_SEQUENCE | ASN_CONSTRUCTOR */

/* asn_build_sequence always writes tag, 0x82 and two length bytes. */
#define SEQ_HDR_LEN 4

_Static_assert(MAX_OID_LEN >= ARGOS_OID_MAX,
	       "net-snmp's OID buffer must hold every argos OID");
_Static_assert(sizeof(oid) >= sizeof(uint32_t),
	       "net-snmp sub-identifiers must hold 32 bits");

/*
 * net-snmp's parsers take non-const pointers but never write through
 * them; this is the one place the const is dropped.
 */
static inline u_char *
nc(const uint8_t *p)
{
	return (u_char *)(uintptr_t)p;
}

/*
 * 1 when the n content bytes c of an INTEGER hold a value in
 * [-2^31, 2^31-1].  Leading bytes beyond four must only repeat the
 * sign; otherwise asn_parse_int would truncate the value.
 */
static inline int
int32_fits(const uint8_t *c, size_t n)
{
	if (n == 0)
		return 0;
	for (; n > 4; c++, n--)
		if (!((c[0] == 0x00 && !(c[1] & 0x80)) ||
		      (c[0] == 0xff && (c[1] & 0x80))))
			return 0;
	return 1;
}

/*
 * 1 when the n content bytes c of a Counter32, Gauge32 or TimeTicks
 * hold a value in [0, 2^32-1].  Leading zero bytes beyond four are
 * allowed.  Four bytes with the top bit set are accepted as the
 * unsigned value (agents that forget the 0x00 pad are common, and
 * asn_parse_unsigned_int returns exactly that value); a shorter
 * encoding with the top bit set is a negative number, which
 * asn_parse_unsigned_int would sign-extend, so it is refused.
 */
static inline int
uint32_fits(const uint8_t *c, size_t n)
{
	for (; n > 4 && c[0] == 0x00; c++, n--)
		;
	if (n == 0 || n > 4)
		return 0;
	return n == 4 || !(c[0] & 0x80);
}

/*
 * 1 when c[0..n) is a well-formed OID body: at least one byte (net-snmp
 * turns "06 00" into the one-arc OID "0"), no sub-identifier starting
 * with the padding byte 0x80 (X.690 8.19.2), none longer than five
 * bytes, and the last byte ends a sub-identifier.  At most five bytes
 * keeps net-snmp's 64-bit accumulator from wrapping, so its "above
 * 2^32-1" check sees the true value.
 */
static inline int
oid_body_ok(const uint8_t *c, size_t n)
{
	unsigned cont = 0;    /* continuation bytes so far in this sub-id */

	if (n == 0 || (c[n - 1] & 0x80))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!(c[i] & 0x80)) {
			cont = 0;
			continue;
		}
		if ((cont == 0 && c[i] == 0x80) || ++cont > 4)
			return 0;
	}
	return 1;
}

/*
 * Decode the OBJECT IDENTIFIER TLV at p (header t, already bounded)
 * into out.  Returns 0 or -EBADMSG.
 */
static int
decode_oid(const uint8_t *p, const struct snmp_tlv *t, struct argos_oid *out)
{
	oid sub[MAX_OID_LEN], high = 0;
	size_t n = MAX_OID_LEN, l = t->hlen + t->clen;
	u_char type;

	if (t->tag != SNMP_T_OID || !oid_body_ok(p + t->hlen, t->clen))
		return -EBADMSG;
	if (asn_parse_objid(nc(p), &l, &type, sub, &n) == NULL ||
	    n > ARGOS_OID_MAX)
		return -EBADMSG;
	/*
	 * net-snmp already refuses arcs above 2^32-1; checked once more
	 * here without a branch per arc (two shifts, so the expression
	 * stays defined where oid is 32 bits wide).
	 */
	for (size_t i = 0; i < n; i++) {
		high |= sub[i] >> 31 >> 1;
		out->sub[i] = (uint32_t)sub[i];
	}
	if (high)
		return -EBADMSG;
	out->len = (uint32_t)n;
	return 0;
}

/*
 * Decode the INTEGER at *pp (at most end - *pp bytes) into *out and
 * advance *pp past it.  Returns 0 or -EBADMSG.
 */
static int
parse_int32(const uint8_t **pp, const uint8_t *end, int32_t *out)
{
	const uint8_t *p = *pp;
	struct snmp_tlv t;
	size_t l;
	u_char type;
	long v;

	if (snmp_tlv_peek(p, (size_t)(end - p), &t) || t.tag != SNMP_T_INTEGER ||
	    !int32_fits(p + t.hlen, t.clen))
		return -EBADMSG;
	l = t.hlen + t.clen;
	if (asn_parse_int(nc(p), &l, &type, &v, sizeof(v)) == NULL)
		return -EBADMSG;
	*out = (int32_t)v;
	*pp = p + t.hlen + t.clen;
	return 0;
}

int
snmp_parse_int32(const uint8_t **pp, const uint8_t *end, int32_t *out)
{
	if (pp == NULL || *pp == NULL || end == NULL || out == NULL || *pp > end)
		return -EBADMSG;
	return parse_int32(pp, end, out);
}

/*
 * Beyond the header's contract: the PDU must fill exactly len bytes, the
 * varbind list must end where it ends, and only r's PDU fields are set,
 * and only on success.
 */
int
snmp_parse_pdu(const uint8_t *pdu, size_t len, struct snmp_reply *r)
{
	const uint8_t *p = pdu, *end = pdu + len;
	struct snmp_reply out;
	struct snmp_tlv t;
	size_t l;
	u_char type;

	if (pdu == NULL || r == NULL)
		return -EBADMSG;
	if (snmp_tlv_peek(p, len, &t) || t.hlen + t.clen != len)
		return -EBADMSG;
	l = t.hlen + t.clen;
	p = asn_parse_header(nc(p), &l, &type);
	if (p == NULL)
		return -EBADMSG;
	out.pdu_type = type;

	if (parse_int32(&p, end, &out.request_id) ||
	    parse_int32(&p, end, &out.error_status) ||
	    parse_int32(&p, end, &out.error_index))
		return -EBADMSG;

	/* Varbind list header only; it too must end with the PDU. */
	if (snmp_tlv_peek(p, (size_t)(end - p), &t) || t.tag != T_SEQUENCE ||
	    p + t.hlen + t.clen != end)
		return -EBADMSG;
	l = t.hlen + t.clen;
	p = asn_parse_sequence(nc(p), &l, &type, T_SEQUENCE, "varbind list");
	if (p == NULL)
		return -EBADMSG;
	r->pdu_type = out.pdu_type;
	r->request_id = out.request_id;
	r->error_status = out.error_status;
	r->error_index = out.error_index;
	r->vbl = p;
	r->vbl_len = t.clen;
	return 0;
}

/*
 * Beyond the header's contract: the message must fill exactly len
 * bytes, the PDU and the varbind list must each end where the message
 * ends, and r is written only on success.
 */
int
snmp_parse_reply(const uint8_t *pkt, size_t len, struct snmp_reply *r)
{
	struct snmp_reply out;
	const uint8_t *p, *end;
	struct snmp_tlv t;
	size_t l;
	u_char type;

	if (pkt == NULL || r == NULL)
		return -EBADMSG;

	/* Message SEQUENCE; it must be the whole datagram. */
	if (snmp_tlv_peek(pkt, len, &t) || t.tag != T_SEQUENCE ||
	    t.hlen + t.clen != len)
		return -EBADMSG;
	l = len;
	p = asn_parse_sequence(nc(pkt), &l, &type, T_SEQUENCE, "message");
	if (p == NULL)
		return -EBADMSG;
	end = pkt + len;

	if (parse_int32(&p, end, &out.version) ||
	    (out.version != SNMP_VERSION_1 && out.version != SNMP_VERSION_2C))
		return -EBADMSG;

	/* Community: located, not copied. */
	if (snmp_tlv_peek(p, (size_t)(end - p), &t) || t.tag != SNMP_T_OCTETSTR)
		return -EBADMSG;
	l = t.hlen + t.clen;
	out.community = asn_parse_header(nc(p), &l, &type);
	if (out.community == NULL)
		return -EBADMSG;
	out.community_len = l;
	p = out.community + l;

	/* PDU, of any tag; it must end where the message ends. */
	if (snmp_parse_pdu(p, (size_t)(end - p), &out) != 0)
		return -EBADMSG;

	*r = out;
	return 0;
}

/*
 * Decode the value TLV at p (header t, already bounded) into vb.
 * Returns 0 or -EBADMSG.
 */
static int
decode_value(const uint8_t *p, const struct snmp_tlv *t, struct snmp_varbind *vb)
{
	size_t l = t->hlen + t->clen;
	const uint8_t *c = p + t->hlen;
	u_char type;

	vb->i = 0;
	vb->u = 0;
	vb->bytes = NULL;
	vb->bytes_len = 0;
	vb->oid.len = 0;

	switch (t->tag) {
	case SNMP_T_INTEGER: {
		long v;

		if (!int32_fits(c, t->clen) ||
		    asn_parse_int(nc(p), &l, &type, &v, sizeof(v)) == NULL)
			return -EBADMSG;
		vb->i = v;
		break;
	}
	case SNMP_T_COUNTER32:
	case SNMP_T_GAUGE32:
	case SNMP_T_TIMETICKS: {
		u_long v;

		if (!uint32_fits(c, t->clen) ||
		    asn_parse_unsigned_int(nc(p), &l, &type, &v, sizeof(v)) == NULL)
			return -EBADMSG;
		vb->u = v;
		break;
	}
	case SNMP_T_COUNTER64: {
		struct counter64 v;

		/* net-snmp reads an empty Counter64 as 0. */
		if (t->clen == 0 ||
		    asn_parse_unsigned_int64(nc(p), &l, &type, &v, sizeof(v)) == NULL)
			return -EBADMSG;
		vb->u = ((uint64_t)v.high << 32) | (uint32_t)v.low;
		break;
	}
	case SNMP_T_OCTETSTR:
	case SNMP_T_IPADDRESS: {
		const u_char *s = asn_parse_header(nc(p), &l, &type);

		if (s == NULL)
			return -EBADMSG;
		if (t->tag == SNMP_T_IPADDRESS ? l != 4 : l > SNMP_VALUE_MAX)
			return -EBADMSG;
		vb->bytes = s;
		vb->bytes_len = l;
		break;
	}
	case SNMP_T_OPAQUE:
		/*
		 * Not asn_parse_header: for an Opaque whose contents start
		 * 9f 76..7b (net-snmp's wrapped Counter64/float/double/I64,
		 * e.g. UCD laLoadFloat) it rewrites the type and parses an
		 * inner length, failing on contents that are legal Opaque
		 * bytes.  argos wants the raw contents, which tlv_peek has
		 * already located and bounded.
		 */
		if (t->clen > SNMP_VALUE_MAX)
			return -EBADMSG;
		vb->bytes = c;
		vb->bytes_len = t->clen;
		break;
	case SNMP_T_OID:
		if (decode_oid(p, t, &vb->oid))
			return -EBADMSG;
		break;
	case SNMP_T_NULL:
		if (asn_parse_null(nc(p), &l, &type) == NULL)
			return -EBADMSG;
		break;
	case SNMP_T_NOSUCHOBJECT:
	case SNMP_T_NOSUCHINSTANCE:
	case SNMP_T_ENDOFMIBVIEW:
		if (t->clen != 0)
			return -EBADMSG;
		break;
	default:
		return -EBADMSG;
	}
	vb->type = t->tag;
	return 0;
}

/*
 * Beyond the header's contract: on -EBADMSG the iterator does not move
 * and vb's contents are unspecified.
 */
int
snmp_vb_next(struct snmp_vb_iter *it, struct snmp_varbind *vb)
{
	struct snmp_tlv seq, name, val;
	const uint8_t *c, *v;
	size_t l, vleft;
	u_char type;

	if (it->left == 0)
		return 0;

	/*
	 * The iterator only moves once the varbind has fully decoded, so a
	 * caller that asks again gets the same error, not a false end.
	 */
	if (snmp_tlv_peek(it->p, it->left, &seq) || seq.tag != T_SEQUENCE)
		return -EBADMSG;
	l = seq.hlen + seq.clen;
	c = asn_parse_sequence(nc(it->p), &l, &type, T_SEQUENCE, "varbind");
	if (c == NULL)
		return -EBADMSG;

	if (snmp_tlv_peek(c, seq.clen, &name) || decode_oid(c, &name, &vb->name))
		return -EBADMSG;

	/* Exactly one value TLV must fill the rest of the varbind. */
	v = c + name.hlen + name.clen;
	vleft = seq.clen - (name.hlen + name.clen);
	if (snmp_tlv_peek(v, vleft, &val) || val.hlen + val.clen != vleft)
		return -EBADMSG;
	if (decode_value(v, &val, vb))
		return -EBADMSG;

	it->p += seq.hlen + seq.clen;
	it->left -= seq.hlen + seq.clen;
	return 1;
}

/*
 * 1 when o can be sent: 2 to ARGOS_OID_MAX arcs and a first pair that
 * asn_build_objid encodes faithfully.  It merges the first two arcs
 * into one sub-identifier 40*X+Y and silently truncates that to 32
 * bits, and it takes 1.40 (which would come back as 2.0).
 */
static int
oid_encodable(const struct argos_oid *o)
{
	if (o->len < 2 || o->len > ARGOS_OID_MAX || o->sub[0] > 2)
		return 0;
	if (o->sub[0] < 2)
		return o->sub[1] < 40;
	return o->sub[1] <= UINT32_MAX - 80;
}

/*
 * Rewrite the 4-byte sequence header at hdr for content_len bytes
 * (always below SNMP_REQ_MAX, so it fits the 2-byte length).
 */
static void
seq_set_len(u_char *hdr, u_char type, size_t content_len)
{
	size_t room = SEQ_HDR_LEN;

	asn_build_sequence(hdr, &room, type, content_len);
}

int
snmp_encode_pdu(uint8_t *buf, size_t room, uint8_t pdu_type, uint32_t max_rep,
		const struct argos_oid *oids, unsigned n, size_t *len, size_t *reqid_off)
{
	u_char *p, *pdu, *vbl;
	size_t left = room;
	long v;

	if (buf == NULL || len == NULL || reqid_off == NULL || n > SNMP_MAX_VARBINDS_PER_REQ ||
	    (oids == NULL && n != 0))
		return -EINVAL;
	if (pdu_type != SNMP_PDU_GET && pdu_type != SNMP_PDU_GETNEXT &&
	    pdu_type != SNMP_PDU_GETBULK)
		return -EINVAL;
	/* max-repetitions is an INTEGER (0..2^31-1). */
	if (pdu_type == SNMP_PDU_GETBULK && max_rep > INT32_MAX)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!oid_encodable(&oids[i]))
			return -EINVAL;

	/*
	 * The arguments are valid, so from here a NULL from net-snmp can
	 * only mean the buffer is full.  Sequence lengths are written as 0
	 * and set once known.
	 */
	pdu = buf;
	p = asn_build_sequence(pdu, &left, pdu_type, 0);
	/* 0x7fffffff needs exactly four content bytes: see snmp_patch_reqid. */
	v = SNMP_REQID_MAX;
	if (p)
		p = asn_build_int(p, &left, SNMP_T_INTEGER, &v, sizeof(v));
	if (p == NULL)
		return -EMSGSIZE;
	*reqid_off = (size_t)(p - 4 - buf);

	v = 0;          /* error-status, or non-repeaters for GETBULK */
	p = asn_build_int(p, &left, SNMP_T_INTEGER, &v, sizeof(v));
	v = pdu_type == SNMP_PDU_GETBULK ? (long)max_rep : 0;
	if (p)
		p = asn_build_int(p, &left, SNMP_T_INTEGER, &v, sizeof(v));
	vbl = p;
	if (p)
		p = asn_build_sequence(p, &left, T_SEQUENCE, 0);
	for (unsigned i = 0; p != NULL && i < n; i++) {
		oid name[MAX_OID_LEN];
		size_t name_len = oids[i].len;

		for (size_t k = 0; k < name_len; k++)
			name[k] = oids[i].sub[k];
		p = snmp_build_var_op(p, name, &name_len, SNMP_T_NULL, 0, NULL,
				      &left);
	}
	if (p == NULL)
		return -EMSGSIZE;

	seq_set_len(vbl, T_SEQUENCE, (size_t)(p - vbl) - SEQ_HDR_LEN);
	seq_set_len(pdu, pdu_type, (size_t)(p - pdu) - SEQ_HDR_LEN);
	*len = (size_t)(p - buf);
	return 0;
}

int
snmp_encode_request(struct snmp_req *req, int version,
		    const uint8_t *community, size_t community_len,
		    uint8_t pdu_type, uint32_t max_rep,
		    const struct argos_oid *oids, unsigned n)
{
	u_char *buf, *p, *msg;
	size_t left, pdu_len, reqid_off;
	long v;
	int rc;

	if (req == NULL)
		return -EINVAL;
	req->len = 0;   /* a failed call leaves nothing that could be sent */
	if (oids == NULL || n == 0 || community_len > 255 ||
	    (community == NULL && community_len != 0))
		return -EINVAL;
	if (version != SNMP_VERSION_1 && version != SNMP_VERSION_2C)
		return -EINVAL;
	/* GETBULK is v2c only. */
	if (pdu_type == SNMP_PDU_GETBULK && version != SNMP_VERSION_2C)
		return -EINVAL;

	buf = req->buf;
	left = sizeof(req->buf);

	/* The message's length is written as 0 and set once known. */
	msg = buf;
	p = asn_build_sequence(msg, &left, T_SEQUENCE, 0);
	v = version;
	if (p)
		p = asn_build_int(p, &left, SNMP_T_INTEGER, &v, sizeof(v));
	if (p)
		p = asn_build_string(p, &left, SNMP_T_OCTETSTR, community,
				     community_len);
	if (p == NULL)
		return -EMSGSIZE;
	rc = snmp_encode_pdu(p, left, pdu_type, max_rep, oids, n, &pdu_len, &reqid_off);
	if (rc != 0)
		return rc;
	req->reqid_off = (uint16_t)(p - buf + reqid_off);
	p += pdu_len;
	seq_set_len(msg, T_SEQUENCE, (size_t)(p - msg) - SEQ_HDR_LEN);
	req->len = (uint16_t)(p - buf);
	return 0;
}

const char *
snmp_type_name(uint8_t type)
{
	return argos_snmp_type_name(type);
}
