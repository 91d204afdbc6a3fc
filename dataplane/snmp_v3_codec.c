/*
 * snmp_v3_codec.c - SNMPv3 message and USM parameters, encoder and
 * decoder (see snmp_v3_codec.h).
 *
 * As in snmp_codec.c, every TLV is bounded with snmp_tlv_peek() before
 * net-snmp's primitives are given exactly that TLV, and a message is
 * refused rather than read in part: the parser is fed by anyone who can
 * send a UDP datagram to argos's port, before anything is
 * authenticated.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/types.h>
#include <net-snmp/library/asn1.h>

/* net-snmp spells SNMP_ERR_* its own way (snmp_codec.c says more). */
#undef SNMP_ERR_NOERROR
#undef SNMP_ERR_TOOBIG
#undef SNMP_ERR_NOSUCHNAME
#undef SNMP_ERR_GENERR

#include "snmp_v3_codec.h"

#define T_SEQUENCE 0x30
#define HDR4 4          /* asn_build_sequence: tag, 0x82, two length bytes */

/* net-snmp's parsers take non-const pointers and never write through them. */
static inline u_char *
nc(const uint8_t *p)
{
	return (u_char *)(uintptr_t)p;
}

/* Write a 4-byte header of tag for len content bytes (len < 65536). */
static u_char *
hdr4(u_char *p, size_t *left, uint8_t tag, size_t len)
{
	return asn_build_sequence(p, left, tag, len);
}

static u_char *
build_int(u_char *p, size_t *left, uint32_t v)
{
	long l = (long)v;

	return p ? asn_build_int(p, left, ASN_INTEGER, &l, sizeof(l)) : NULL;
}

static u_char *
build_str(u_char *p, size_t *left, const uint8_t *s, size_t n)
{
	return p ? asn_build_string(p, left, ASN_OCTET_STR, s, n) : NULL;
}

int
snmp_v3_encode_header(uint8_t *hdr, size_t room, const struct snmp_v3_out *o, size_t *mac_off)
{
	static const uint8_t zeros[SNMP_V3_MAC_MAX];
	u_char *p = hdr, *msg, *gd, *sp, *usm, *mac;
	size_t left = room, total;
	int priv;

	if (hdr == NULL || o == NULL || mac_off == NULL || o->engine_len > SNMP_V3_ID_MAX ||
	    o->user_len > SNMP_V3_ID_MAX || o->mac_len > SNMP_V3_MAC_MAX ||
	    (o->engine == NULL && o->engine_len) || (o->user == NULL && o->user_len) ||
	    o->msg_id < SNMP_REQID_MIN || o->msg_id > SNMP_REQID_MAX ||
	    o->boots > INT32_MAX || o->time > INT32_MAX)
		return -EINVAL;
	priv = (o->flags & SNMP_V3_FLAG_PRIV) != 0;
	if (priv != (o->salt != NULL) || (priv && !(o->flags & SNMP_V3_FLAG_AUTH)) ||
	    ((o->flags & SNMP_V3_FLAG_AUTH) != 0) != (o->mac_len != 0))
		return -EINVAL;

	msg = p;
	p = hdr4(p, &left, T_SEQUENCE, 0);
	p = build_int(p, &left, SNMP_VERSION_3);
	gd = p;
	if (p)
		p = hdr4(p, &left, T_SEQUENCE, 0);
	p = build_int(p, &left, o->msg_id);       /* 4 content bytes, as request-ids */
	p = build_int(p, &left, SNMP_V3_MAX_SIZE);
	p = build_str(p, &left, &o->flags, 1);
	p = build_int(p, &left, SNMP_V3_USM);
	sp = p;
	if (p)
		p = hdr4(p, &left, ASN_OCTET_STR, 0);
	usm = p;
	if (p)
		p = hdr4(p, &left, T_SEQUENCE, 0);
	p = build_str(p, &left, o->engine, o->engine_len);
	p = build_int(p, &left, o->boots);
	p = build_int(p, &left, o->time);
	p = build_str(p, &left, o->user, o->user_len);
	mac = p;
	p = build_str(p, &left, zeros, o->mac_len);
	p = build_str(p, &left, o->salt, priv ? SNMP_V3_SALT_LEN : 0);
	if (p == NULL)
		return -EMSGSIZE;
	*mac_off = (size_t)(mac - hdr) + 2;        /* the MAC is short: 04 LL */
	hdr4(usm, &(size_t){ HDR4 }, T_SEQUENCE, (size_t)(p - usm) - HDR4);
	hdr4(sp, &(size_t){ HDR4 }, ASN_OCTET_STR, (size_t)(p - sp) - HDR4);
	hdr4(gd, &(size_t){ HDR4 }, T_SEQUENCE, (size_t)(sp - gd) - HDR4);
	if (priv) {
		if (o->data_len > 0xffff)
			return -EMSGSIZE;
		p = hdr4(p, &left, ASN_OCTET_STR, o->data_len);
		if (p == NULL)
			return -EMSGSIZE;
	}
	total = (size_t)(p - msg) - HDR4 + o->data_len;
	if (total > 0xffff || total + HDR4 > SNMP_V3_MAX_SIZE)
		return -EMSGSIZE;
	hdr4(msg, &(size_t){ HDR4 }, T_SEQUENCE, total);
	return (int)(p - hdr);
}

int
snmp_v3_encode_scoped(struct snmp_req *req, const uint8_t *ctx_engine, size_t ctx_engine_len,
		      const uint8_t *ctx_name, size_t ctx_name_len, uint8_t pdu_type,
		      uint32_t max_rep, const struct argos_oid *oids, unsigned n)
{
	u_char *p;
	size_t left, pdu_len, reqid_off;
	int rc;

	if (req == NULL)
		return -EINVAL;
	req->len = 0;
	if (ctx_engine_len > SNMP_V3_ID_MAX || ctx_name_len > SNMP_V3_ID_MAX ||
	    (ctx_engine == NULL && ctx_engine_len) || (ctx_name == NULL && ctx_name_len))
		return -EINVAL;
	left = SNMP_V3_SCOPED_MAX;
	p = hdr4(req->buf, &left, T_SEQUENCE, 0);
	p = build_str(p, &left, ctx_engine, ctx_engine_len);
	p = build_str(p, &left, ctx_name, ctx_name_len);
	if (p == NULL)
		return -EMSGSIZE;
	rc = snmp_encode_pdu(p, left, pdu_type, max_rep, oids, n, &pdu_len, &reqid_off);
	if (rc != 0)
		return rc;
	req->reqid_off = (uint16_t)((size_t)(p - req->buf) + reqid_off);
	p += pdu_len;
	hdr4(req->buf, &(size_t){ HDR4 }, T_SEQUENCE, (size_t)(p - req->buf) - HDR4);
	req->len = (uint16_t)(p - req->buf);
	return 0;
}

int
snmp_msg_version(const uint8_t *pkt, size_t len)
{
	const uint8_t *p, *end = pkt + len;
	struct snmp_tlv t;
	int32_t v;

	if (pkt == NULL || snmp_tlv_peek(pkt, len, &t) || t.tag != T_SEQUENCE)
		return -1;
	p = pkt + t.hlen;
	if (snmp_parse_int32(&p, end, &v) || (v != 0 && v != 1 && v != 3))
		return -1;
	return v;
}

/* The OCTET STRING at *pp (at most max content bytes): its contents
 * located, not copied, and *pp moved past it.  @return 0 or -EBADMSG. */
static int
parse_str(const uint8_t **pp, const uint8_t *end, size_t max, const uint8_t **s, size_t *n)
{
	const uint8_t *p = *pp;
	struct snmp_tlv t;
	size_t l;
	u_char type;
	const u_char *c;

	if (snmp_tlv_peek(p, (size_t)(end - p), &t) || t.tag != ASN_OCTET_STR || t.clen > max)
		return -EBADMSG;
	l = t.hlen + t.clen;
	c = asn_parse_header(nc(p), &l, &type);
	if (c == NULL || l != t.clen)
		return -EBADMSG;
	*s = c;
	*n = t.clen;
	*pp = p + t.hlen + t.clen;
	return 0;
}

/* A SEQUENCE header at *pp whose contents end exactly at *end_out's
 * value when must_end is set.  Moves *pp to its contents. */
static int
parse_seq(const uint8_t **pp, const uint8_t *end, const uint8_t **seq_end)
{
	const uint8_t *p = *pp;
	struct snmp_tlv t;
	size_t l;
	u_char type;

	if (snmp_tlv_peek(p, (size_t)(end - p), &t) || t.tag != T_SEQUENCE)
		return -EBADMSG;
	l = t.hlen + t.clen;
	if (asn_parse_sequence(nc(p), &l, &type, T_SEQUENCE, "v3") == NULL)
		return -EBADMSG;
	*pp = p + t.hlen;
	*seq_end = p + t.hlen + t.clen;
	return 0;
}

/* A non-negative INTEGER (msgID, msgMaxSize, boots, time). */
static int
parse_uint31(const uint8_t **pp, const uint8_t *end, int32_t *v)
{
	return snmp_parse_int32(pp, end, v) || *v < 0 ? -EBADMSG : 0;
}

/*
 * Beyond the header's contract: each SEQUENCE must end exactly where its
 * last element does, the security parameters' OCTET STRING must hold
 * exactly one SEQUENCE, and msgData must end the message.
 */
int
snmp_v3_parse(const uint8_t *pkt, size_t len, struct snmp_v3_msg *m)
{
	const uint8_t *p = pkt, *end = pkt + len, *gd_end, *sp, *sp_end, *usm_end, *flags;
	struct snmp_v3_msg out;
	const uint8_t *msg_end;
	int32_t version, model, boots, time;
	size_t flags_len, sp_len;
	struct snmp_tlv t;

	if (pkt == NULL || m == NULL)
		return -EBADMSG;
	if (parse_seq(&p, end, &msg_end) || msg_end != end)
		return -EBADMSG;
	if (snmp_parse_int32(&p, end, &version) || version != SNMP_VERSION_3)
		return -EBADMSG;

	if (parse_seq(&p, end, &gd_end) ||
	    parse_uint31(&p, gd_end, &out.msg_id) ||
	    parse_uint31(&p, gd_end, &out.max_size) ||
	    parse_str(&p, gd_end, 1, &flags, &flags_len) || flags_len != 1 ||
	    snmp_parse_int32(&p, gd_end, &model) || model != SNMP_V3_USM || p != gd_end)
		return -EBADMSG;
	out.flags = flags[0];
	/* priv without auth is no security level (RFC 3412 7.2.5) */
	if ((out.flags & SNMP_V3_FLAG_PRIV) && !(out.flags & SNMP_V3_FLAG_AUTH))
		return -EBADMSG;

	if (parse_str(&p, end, SIZE_MAX, &sp, &sp_len))
		return -EBADMSG;
	sp_end = sp + sp_len;
	if (parse_seq(&sp, sp_end, &usm_end) || usm_end != sp_end ||
	    parse_str(&sp, usm_end, SNMP_V3_ID_MAX, &out.engine, &out.engine_len) ||
	    parse_uint31(&sp, usm_end, &boots) || parse_uint31(&sp, usm_end, &time) ||
	    parse_str(&sp, usm_end, SNMP_V3_ID_MAX, &out.user, &out.user_len) ||
	    parse_str(&sp, usm_end, SNMP_V3_MAC_MAX, &out.mac, &out.mac_len) ||
	    parse_str(&sp, usm_end, SNMP_V3_SALT_LEN, &out.salt, &out.salt_len) || sp != usm_end)
		return -EBADMSG;
	out.boots = (uint32_t)boots;
	out.time = (uint32_t)time;
	out.mac_off = (size_t)(out.mac - pkt);

	/* msgData: encrypted exactly when the message says priv. */
	if (snmp_tlv_peek(p, (size_t)(end - p), &t) || p + t.hlen + t.clen != end)
		return -EBADMSG;
	if (out.flags & SNMP_V3_FLAG_PRIV) {
		if (t.tag != ASN_OCTET_STR || parse_str(&p, end, SIZE_MAX, &out.data, &out.data_len))
			return -EBADMSG;
	} else {
		if (t.tag != T_SEQUENCE)
			return -EBADMSG;
		out.data = p;
		out.data_len = t.hlen + t.clen;
	}
	*m = out;
	return 0;
}

int
snmp_v3_parse_scoped(const uint8_t *p, size_t len, int pad, struct snmp_v3_scoped *sc)
{
	const uint8_t *end = p + len, *seq_end;
	struct snmp_v3_scoped out;

	if (p == NULL || sc == NULL)
		return -EBADMSG;
	if (parse_seq(&p, end, &seq_end) ||
	    (pad ? (size_t)(end - seq_end) > 7 : seq_end != end) ||
	    parse_str(&p, seq_end, SNMP_V3_ID_MAX, &out.ctx_engine, &out.ctx_engine_len) ||
	    parse_str(&p, seq_end, SNMP_V3_ID_MAX, &out.ctx_name, &out.ctx_name_len))
		return -EBADMSG;
	memset(&out.r, 0, sizeof(out.r));
	out.r.version = SNMP_VERSION_3;
	if (snmp_parse_pdu(p, (size_t)(seq_end - p), &out.r) != 0)
		return -EBADMSG;
	*sc = out;
	return 0;
}
