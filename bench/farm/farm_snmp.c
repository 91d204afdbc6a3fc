/*
 * farm_snmp.c - request reader and response writer of the farm's
 * agent (see farm_snmp.h).
 *
 * Reading: every TLV header is checked to lie inside the bytes held
 * before its contents are looked at, and each constructed value must be
 * filled exactly by what it contains.  A first pass checks the whole
 * varbind list, so that nothing is answered for a request that turns
 * out malformed halfway.
 *
 * Writing: varbinds go forward into the scratch buffer from
 * FARM_SNMP_RESERVE on; when the list is complete, the headers (whose
 * lengths are then known) are written just before it.  Why: a response
 * is built once, with no second copy and no length patching.
 */
#include <errno.h>
#include <string.h>

#include "argos_snmp.h"
#include "farm_snmp.h"
#include "snmp_codec.h"

#define T_SEQUENCE 0x30
#define OID_MAX 128

struct tlv {
	const uint8_t *p;      /* the tag */
	const uint8_t *c;      /* the contents */
	size_t clen;
	size_t len;            /* header + contents */
};

/* Read the TLV at p (left bytes held), with argos's own bounded BER
 * header reader.  @return 0, or -1 if it overruns. */
static int
tlv_read(const uint8_t *p, size_t left, struct tlv *t)
{
	struct snmp_tlv h;

	if (snmp_tlv_peek(p, left, &h) != 0)
		return -1;
	t->p = p;
	t->c = p + h.hlen;
	t->clen = h.clen;
	t->len = h.hlen + h.clen;
	return 0;
}

/* An INTEGER of 1..4 content bytes, sign-extended. @return 0 or -1. */
static int
int_read(const struct tlv *t, int32_t *v)
{
	uint32_t u;

	if (t->p[0] != SNMP_T_INTEGER || t->clen < 1 || t->clen > 4)
		return -1;
	u = (t->c[0] & 0x80) ? 0xffffffffu : 0;
	for (size_t i = 0; i < t->clen; i++)
		u = u << 8 | t->c[i];
	*v = (int32_t)u;
	return 0;
}

/*
 * Decode an OBJECT IDENTIFIER's contents into sub[] (OID_MAX arcs).
 * Refused: empty, a sub-identifier padded with 0x80, one above 2^32-1,
 * an unfinished last one, more than OID_MAX arcs.  @return 0 or -1.
 */
static int
oid_decode(const uint8_t *c, size_t n, uint32_t *sub, uint32_t *len)
{
	uint32_t k = 0;
	size_t i = 0;

	if (n == 0 || (c[n - 1] & 0x80))
		return -1;
	while (i < n) {
		uint64_t v = 0;

		if (c[i] == 0x80)
			return -1;
		do {
			v = v << 7 | (c[i] & 0x7f);
			if (v > 0xffffffffull + 80)
				return -1;
		} while (c[i++] & 0x80);
		if (k == 0) {
			uint32_t first = v < 40 ? 0 : v < 80 ? 1 : 2;

			sub[k++] = first;
			v -= first * 40;
		}
		if (v > 0xffffffffull || k >= OID_MAX)
			return -1;
		sub[k++] = (uint32_t)v;
	}
	*len = k;
	return 0;
}

/* The parts of a request the response is made from. */
struct req {
	int32_t version;
	struct tlv community;
	uint8_t pdu;
	struct tlv reqid;          /* copied raw into the response */
	int32_t f1, f2;            /* error fields, or non-repeaters / max-repetitions */
	struct tlv vbl;
	uint32_t n_vb;
};

/*
 * Check a varbind list whole: SEQUENCE { OID, any value } items that
 * fill it exactly.  @return the number of varbinds, or -1.
 */
static int
vbl_check(const struct tlv *vbl)
{
	const uint8_t *p = vbl->c;
	size_t left = vbl->clen;
	uint32_t sub[OID_MAX], len;
	int n = 0;

	while (left > 0) {
		struct tlv vb, name, val;

		if (tlv_read(p, left, &vb) || vb.p[0] != T_SEQUENCE ||
		    tlv_read(vb.c, vb.clen, &name) || name.p[0] != SNMP_T_OID ||
		    oid_decode(name.c, name.clen, sub, &len) ||
		    tlv_read(name.c + name.clen, vb.clen - name.len, &val) ||
		    name.len + val.len != vb.clen || ++n > FARM_REQ_VB_MAX)
			return -1;
		p += vb.len;
		left -= vb.len;
	}
	return n;
}

/*
 * The PDU at p, which must fill exactly the left bytes held: its type,
 * request-id, the two integer fields and a varbind list checked whole.
 * @return 0 or -EBADMSG; out->pdu_type is set once the tag is read.
 */
static int
pdu_read(const uint8_t *p, size_t left, struct req *r, struct farm_snmp_out *out)
{
	struct tlv pdu, f1, f2;
	const uint8_t *end;
	int n;

	if (tlv_read(p, left, &pdu) || pdu.len != left)
		return -EBADMSG;
	r->pdu = pdu.p[0];
	out->pdu_type = r->pdu;
	if ((r->pdu & 0xe0) != 0xa0)
		return -EBADMSG;
	p = pdu.c;
	end = pdu.c + pdu.clen;
	if (tlv_read(p, (size_t)(end - p), &r->reqid) || int_read(&r->reqid, &r->f1))
		return -EBADMSG;
	p += r->reqid.len;
	if (tlv_read(p, (size_t)(end - p), &f1) || int_read(&f1, &r->f1))
		return -EBADMSG;
	p += f1.len;
	if (tlv_read(p, (size_t)(end - p), &f2) || int_read(&f2, &r->f2))
		return -EBADMSG;
	p += f2.len;
	if (tlv_read(p, (size_t)(end - p), &r->vbl) || r->vbl.p[0] != T_SEQUENCE ||
	    r->vbl.c + r->vbl.clen != end)
		return -EBADMSG;
	n = vbl_check(&r->vbl);
	if (n < 0)
		return -EBADMSG;
	r->n_vb = (uint32_t)n;
	return 0;
}

static int
req_read(const uint8_t *b, size_t len, struct req *r, struct farm_snmp_out *out)
{
	struct tlv msg, ver;
	const uint8_t *p, *end;

	if (tlv_read(b, len, &msg) || msg.p[0] != T_SEQUENCE || msg.len != len)
		return -EBADMSG;
	p = msg.c;
	end = msg.c + msg.clen;
	if (tlv_read(p, (size_t)(end - p), &ver) || int_read(&ver, &r->version) ||
	    (r->version != 0 && r->version != 1))
		return -EBADMSG;
	p += ver.len;
	if (tlv_read(p, (size_t)(end - p), &r->community) ||
	    r->community.p[0] != SNMP_T_OCTETSTR || r->community.clen > 255)
		return -EBADMSG;
	p += r->community.len;
	return pdu_read(p, (size_t)(end - p), r, out);
}

static inline size_t
hdr_len(size_t clen)
{
	return clen < 128 ? 2 : clen < 256 ? 3 : 4;
}

/* Bytes of the minimal two's-complement encoding of v (v >= 0). */
static inline size_t
int_clen(uint32_t v)
{
	return v < 0x80 ? 1 : v < 0x8000 ? 2 : v < 0x800000 ? 3 : 4;
}

static size_t
put_hdr(uint8_t *p, uint8_t tag, size_t clen)
{
	p[0] = tag;
	if (clen < 128) {
		p[1] = (uint8_t)clen;
		return 2;
	}
	if (clen < 256) {
		p[1] = 0x81;
		p[2] = (uint8_t)clen;
		return 3;
	}
	p[1] = 0x82;
	p[2] = (uint8_t)(clen >> 8);
	p[3] = (uint8_t)clen;
	return 4;
}

static size_t
put_int(uint8_t *p, uint32_t v)
{
	size_t n = int_clen(v);

	p[0] = SNMP_T_INTEGER;
	p[1] = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		p[2 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return n + 2;
}

/* The response being written. */
struct resp {
	const struct req *r;
	uint8_t *vbl;              /* scratch + FARM_SNMP_RESERVE */
	size_t vbl_len;
	size_t room;               /* bytes the scratch still has after vbl */
	size_t max;                /* largest message allowed */
	size_t wrap;               /* v3: the message's bytes around the PDU; 0: v1/v2c */
	uint32_t n_vb;
	uint32_t err, idx;
};

/* The PDU's contents with a varbind list of vbl_len bytes. */
static size_t
pdu_clen(const struct resp *s, size_t vbl_len)
{
	return s->r->reqid.len + 2 + int_clen(s->err) + 2 + int_clen(s->idx) +
	       hdr_len(vbl_len) + vbl_len;
}

/* The whole message's size with a varbind list of vbl_len bytes. */
static size_t
msg_size(const struct resp *s, size_t vbl_len)
{
	size_t pdu = pdu_clen(s, vbl_len), msg;

	if (s->wrap)
		return s->wrap + hdr_len(pdu) + pdu;
	msg = 3 + s->r->community.len + hdr_len(pdu) + pdu;
	return hdr_len(msg) + msg;
}

/*
 * Keep the varbind of n bytes just written at vbl + vbl_len if the
 * message still fits.  @return 0 kept, -1 it did not fit.
 */
static int
commit(struct resp *s, size_t n)
{
	if (n == 0 || msg_size(s, s->vbl_len + n) > s->max)
		return -1;
	s->vbl_len += n;
	s->room -= n;
	s->n_vb++;
	return 0;
}

/* A varbind of a raw name and an empty exception value (0x80..0x82). */
static size_t
put_exception(uint8_t *p, size_t room, const struct tlv *name, uint8_t tag)
{
	size_t clen = name->len + 2, h = hdr_len(clen);

	if (h + clen > room)
		return 0;
	put_hdr(p, T_SEQUENCE, clen);
	memcpy(p + h, name->p, name->len);
	p[h + name->len] = tag;
	p[h + name->len + 1] = 0;
	return h + clen;
}

/* A walk over a request's varbind list, already checked by vbl_check(). */
struct vb_iter {
	const uint8_t *p;
	size_t left;
};

/* The name TLV of the next varbind, decoded into sub/len as well. */
static void
next_name(struct vb_iter *it, struct tlv *name, uint32_t *sub, uint32_t *len)
{
	struct tlv vb;

	tlv_read(it->p, it->left, &vb);
	tlv_read(vb.c, vb.clen, name);
	oid_decode(name->c, name->clen, sub, len);
	it->p += vb.len;
	it->left -= vb.len;
}

/* v1 errors: the request's varbinds echoed, with error-status and -index. */
static int
echo_request(struct resp *s, uint32_t err, uint32_t idx)
{
	s->err = err;
	s->idx = idx;
	s->vbl_len = 0;
	s->n_vb = s->r->n_vb;
	if (msg_size(s, s->r->vbl.clen) > s->max)
		return -EMSGSIZE;
	memcpy(s->vbl, s->r->vbl.c, s->r->vbl.clen);
	s->vbl_len = s->r->vbl.clen;
	return 0;
}

/* v2c tooBig: error-index 0 and an empty list (RFC 3416 4.2.1). */
static int
too_big(struct resp *s)
{
	if (s->r->version == 0)
		return echo_request(s, FARM_ERR_TOOBIG, 0);
	s->err = FARM_ERR_TOOBIG;
	s->idx = 0;
	s->vbl_len = 0;
	s->n_vb = 0;
	return 0;
}

/* GET and GETNEXT, v1 and v2c. */
static int
get_or_next(struct resp *s, const struct farm_snmp_ctx *ctx, uint64_t dev, uint64_t t)
{
	struct vb_iter it = { s->r->vbl.c, s->r->vbl.clen };
	int v1 = s->r->version == 0;

	for (uint32_t i = 0; i < s->r->n_vb; i++) {
		uint32_t sub[OID_MAX], len;
		struct farm_pos pos;
		struct tlv name;
		uint8_t *w = s->vbl + s->vbl_len;
		size_t n;
		int rc;

		next_name(&it, &name, sub, &len);
		if (s->r->pdu == FARM_PDU_GET) {
			rc = farm_mib_get(ctx->mib, sub, len, v1, &pos);
			if (rc != FARM_MIB_FOUND && v1)
				return echo_request(s, FARM_ERR_NOSUCHNAME, i + 1);
			n = rc == FARM_MIB_FOUND ?
			    farm_mib_varbind(ctx->mib, &pos, dev, t, w, s->room) :
			    put_exception(w, s->room, &name, rc == FARM_MIB_NOSUCHOBJECT ?
					  SNMP_T_NOSUCHOBJECT : SNMP_T_NOSUCHINSTANCE);
		} else {
			rc = farm_mib_next(ctx->mib, sub, len, v1, &pos);
			if (rc != 0 && v1)
				return echo_request(s, FARM_ERR_NOSUCHNAME, i + 1);
			n = rc == 0 ? farm_mib_varbind(ctx->mib, &pos, dev, t, w, s->room) :
			    put_exception(w, s->room, &name, SNMP_T_ENDOFMIBVIEW);
		}
		if (commit(s, n) != 0)
			return too_big(s);
	}
	return 0;
}

/* Where one repeater of a GETBULK stands. */
struct rep {
	struct farm_pos pos;
	uint8_t state;             /* 0 walking, 1 ended after pos, 2 ended at name */
	struct tlv name;
};

/*
 * GETBULK (RFC 3416 4.2.3): non-repeaters as GETNEXT, then up to
 * max-repetitions rounds over the repeaters; the list is cut at the
 * first varbind that does not fit, and ends early once every repeater
 * has reached the end of the MIB.
 */
static int
get_bulk(struct resp *s, const struct farm_snmp_ctx *ctx, uint64_t dev, uint64_t t)
{
	struct vb_iter it = { s->r->vbl.c, s->r->vbl.clen };
	uint32_t nonrep = s->r->f1 < 0 ? 0 : (uint32_t)s->r->f1;
	uint32_t maxrep = s->r->f2 < 0 ? 0 : (uint32_t)s->r->f2;
	struct rep reps[FARM_REQ_VB_MAX];
	uint32_t n_rep, ended = 0;

	if (nonrep > s->r->n_vb)
		nonrep = s->r->n_vb;
	n_rep = s->r->n_vb - nonrep;
	for (uint32_t i = 0; i < s->r->n_vb; i++) {
		uint32_t sub[OID_MAX], len;
		struct farm_pos pos;
		struct tlv name;
		int end;

		next_name(&it, &name, sub, &len);
		end = farm_mib_next(ctx->mib, sub, len, 0, &pos);
		if (i >= nonrep) {
			struct rep *r = &reps[i - nonrep];

			r->pos = pos;
			r->state = end ? 2 : 0;
			r->name = name;
			if (maxrep == 0)
				continue;
		}
		if (commit(s, end ? put_exception(s->vbl + s->vbl_len, s->room, &name,
						  SNMP_T_ENDOFMIBVIEW) :
			   farm_mib_varbind(ctx->mib, &pos, dev, t, s->vbl + s->vbl_len,
					    s->room)) != 0)
			return 0;
	}
	for (uint32_t i = 0; i < n_rep; i++)
		ended += reps[i].state != 0;
	for (uint32_t round = 1; round < maxrep && ended < n_rep; round++) {
		for (uint32_t i = 0; i < n_rep; i++) {
			struct rep *r = &reps[i];
			uint8_t *w = s->vbl + s->vbl_len;
			size_t n;

			if (r->state == 0 && farm_mib_step(ctx->mib, 0, &r->pos) != 0) {
				r->state = 1;
				ended++;
			}
			if (r->state == 0) {
				n = farm_mib_varbind(ctx->mib, &r->pos, dev, t, w, s->room);
			} else if (r->state == 2) {
				n = put_exception(w, s->room, &r->name, SNMP_T_ENDOFMIBVIEW);
			} else {
				uint8_t nm[64];
				struct tlv name;

				name.p = nm;
				name.len = farm_mib_name(ctx->mib, &r->pos, nm);
				n = put_exception(w, s->room, &name, SNMP_T_ENDOFMIBVIEW);
			}
			if (commit(s, n) != 0)
				return 0;
		}
	}
	return 0;
}

/* Write the PDU's header, of type tag, in front of the finished varbind
 * list.  @return where the PDU starts in scratch. */
static size_t
finish_pdu(const struct resp *s, uint8_t tag, uint8_t *scratch, struct farm_snmp_out *out)
{
	size_t pdu = pdu_clen(s, s->vbl_len);
	size_t off = FARM_SNMP_RESERVE - (hdr_len(pdu) + pdu - s->vbl_len);
	uint8_t *p = scratch + off;

	p += put_hdr(p, tag, pdu);
	memcpy(p, s->r->reqid.p, s->r->reqid.len);
	p += s->r->reqid.len;
	p += put_int(p, s->err);
	p += put_int(p, s->idx);
	put_hdr(p, T_SEQUENCE, s->vbl_len);
	out->error_status = (uint8_t)s->err;
	out->n_varbinds = s->n_vb;
	return off;
}

/* Write the v1/v2c message's headers in front of the finished PDU. */
static void
finish(const struct resp *s, uint8_t *scratch, struct farm_snmp_out *out)
{
	size_t pdu_off = finish_pdu(s, FARM_PDU_RESPONSE, scratch, out);
	size_t msg = 3 + s->r->community.len + (FARM_SNMP_RESERVE + s->vbl_len - pdu_off);
	uint8_t *p;

	out->off = pdu_off - (3 + s->r->community.len) - hdr_len(msg);
	out->len = hdr_len(msg) + msg;
	p = scratch + out->off;
	p += put_hdr(p, T_SEQUENCE, msg);
	p += put_int(p, (uint32_t)s->r->version);
	memcpy(p, s->r->community.p, s->r->community.len);
}

int
farm_snmp_answer(const struct farm_snmp_ctx *ctx, const uint8_t *req, size_t len,
		 uint64_t dev, uint64_t t, uint8_t *scratch, struct farm_snmp_out *out)
{
	struct req r;
	struct resp s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = req_read(req, len, &r, out);
	if (rc != 0)
		return rc;
	if (r.community.clen != ctx->community_len ||
	    memcmp(r.community.c, ctx->community, ctx->community_len) != 0)
		return -EACCES;
	if (r.pdu != FARM_PDU_GET && r.pdu != FARM_PDU_GETNEXT &&
	    (r.pdu != FARM_PDU_GETBULK || r.version == 0))
		return -ENOTSUP;

	memset(&s, 0, sizeof(s));
	s.r = &r;
	s.vbl = scratch + FARM_SNMP_RESERVE;
	s.room = FARM_SNMP_SCRATCH - FARM_SNMP_RESERVE;
	s.max = ctx->max_msg ? ctx->max_msg : FARM_UDP_MAX;
	rc = r.pdu == FARM_PDU_GETBULK ? get_bulk(&s, ctx, dev, t) : get_or_next(&s, ctx, dev, t);
	if (rc != 0)
		return rc;
	finish(&s, scratch, out);
	return 0;
}

int
farm_snmp_answer_pdu(const struct farm_snmp_ctx *ctx, const uint8_t *pdu, size_t len,
		     size_t wrap, size_t max, uint64_t dev, uint64_t t, uint8_t *scratch,
		     struct farm_snmp_out *out)
{
	struct req r;
	struct resp s;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.version = 1;             /* v3 PDUs are v2c's (RFC 3416) */
	rc = pdu_read(pdu, len, &r, out);
	if (rc != 0)
		return rc;
	if (r.pdu != FARM_PDU_GET && r.pdu != FARM_PDU_GETNEXT && r.pdu != FARM_PDU_GETBULK)
		return -ENOTSUP;

	memset(&s, 0, sizeof(s));
	s.r = &r;
	s.vbl = scratch + FARM_SNMP_RESERVE;
	s.room = FARM_SNMP_SCRATCH - FARM_SNMP_RESERVE;
	s.max = max;
	s.wrap = wrap ? wrap : 1;
	if (msg_size(&s, 0) > s.max)
		return -EMSGSIZE;
	rc = r.pdu == FARM_PDU_GETBULK ? get_bulk(&s, ctx, dev, t) : get_or_next(&s, ctx, dev, t);
	if (rc != 0)
		return rc;
	out->off = finish_pdu(&s, FARM_PDU_RESPONSE, scratch, out);
	out->len = FARM_SNMP_RESERVE + s.vbl_len - out->off;
	return 0;
}

size_t
farm_snmp_report_pdu(int32_t reqid, const uint8_t *oid, size_t oid_len, uint32_t value,
		     uint8_t *scratch, struct farm_snmp_out *out)
{
	uint8_t *p = scratch + FARM_SNMP_RESERVE, *w;
	size_t vlen = value < 0x80 ? 1 : value < 0x8000 ? 2 : value < 0x800000 ? 3 :
		      value < 0x80000000u ? 4 : 5;
	size_t vb = 2 + oid_len + 2 + vlen, vbl = 2 + 2 + vb, pdu = 6 + 3 + 3 + vbl;

	memset(out, 0, sizeof(*out));
	w = p;
	w += put_hdr(w, FARM_PDU_REPORT, pdu);
	w[0] = SNMP_T_INTEGER;     /* the request-id on four bytes, as argos sends it */
	w[1] = 4;
	for (int i = 0; i < 4; i++)
		w[2 + i] = (uint8_t)((uint32_t)reqid >> (24 - 8 * i));
	w += 6;
	w += put_int(w, 0);
	w += put_int(w, 0);
	w += put_hdr(w, T_SEQUENCE, vb + 2);
	w += put_hdr(w, T_SEQUENCE, vb);
	w += put_hdr(w, SNMP_T_OID, oid_len);
	memcpy(w, oid, oid_len);
	w += oid_len;
	*w++ = SNMP_T_COUNTER32;
	*w++ = (uint8_t)vlen;
	for (size_t i = 0; i < vlen; i++)
		w[i] = (uint8_t)((uint64_t)value >> (8 * (vlen - 1 - i)));
	w += vlen;
	out->off = FARM_SNMP_RESERVE;
	out->len = (size_t)(w - p);
	out->pdu_type = FARM_PDU_REPORT;
	out->n_varbinds = 1;
	return out->len;
}
