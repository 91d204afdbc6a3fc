/*
 * farm_usm.c - the authoritative side of SNMPv3's USM in argos-farm (see
 * farm_usm.h).
 *
 * A request goes through RFC 3414 3.2's checks in its order, cheapest
 * first, and the first that fails ends it with a Report of its counter
 * (when the request is reportable; otherwise it is dropped, counted):
 *
 *   form (argos's snmp_v3_parse) -> engine ID -> user -> security level
 *   -> HMAC -> time window -> decryption -> scoped PDU -> context
 *
 * A Report goes out at noAuthNoPriv, but usmStatsNotInTimeWindows, which
 * is authenticated (authNoPriv) so that the requester may trust the
 * engine's boots and time in it (RFC 3414 3.2.7 a, 4).  Its request-id
 * is the request's when the scoped PDU could be read, its msgID
 * otherwise.  A discovery request (no engine ID, no user) is refused at
 * the first check: the Report carries the engine ID, boots and time.
 *
 * A Response is written as v1/v2c's are (farm_snmp_answer_pdu: varbinds
 * forward from FARM_SNMP_RESERVE, the PDU header just in front); the
 * scoped PDU header goes in front of that, the scoped PDU is encrypted in
 * place (AES-CFB is a stream; DES-CBC reads each block before it writes
 * it), the message header in front of that, and the HMAC over the whole.
 * Every constructed header of ours is in the 4-byte long form (0x82 and
 * two length bytes), as argos writes its own: lengths are known before
 * the contents, and the header's size does not depend on the data.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "argos_snmp.h"
#include "cp_usm_keys.h"
#include "farm_usm.h"
#include "snmp_codec.h"
#include "snmp_v3_codec.h"

#define T_SEQUENCE 0x30
#define TIME_WINDOW 150              /* seconds (RFC 3414 2.2.3) */
#define MAX_SIZE_MIN 484             /* the least msgMaxSize (RFC 3412 6) */

/* The counters' OID contents: 1.3.6.1.6.3.15.1.1.N.0 (usmStats) and
 * 1.3.6.1.6.3.12.1.5.0 (snmpUnknownContexts). */
static const uint8_t usm_stats_oid[] = { 0x2b, 6, 1, 6, 3, 15, 1, 1, 0, 0 };
static const uint8_t unknown_ctx_oid[] = { 0x2b, 6, 1, 6, 3, 12, 1, 5, 0 };

int
farm_usm_init(struct farm_usm *u, const uint8_t *engine, size_t engine_len,
	      const char *auth_pass, const char *priv_pass, uint32_t boots, uint64_t start)
{
	struct argos_usm_cred *c = &u->cred;
	uint8_t ku[ARGOS_USM_KEY_MAX], kul[ARGOS_USM_KEY_MAX];
	unsigned kl = argos_usm_key_len(c->auth);
	int rc = 0;

	if (engine_len < 5 || engine_len > ARGOS_USM_ID_MAX || boots >= ARGOS_USM_BOOTS_MAX)
		return -EINVAL;
	memcpy(c->engine, engine, engine_len);
	c->engine_len = (uint8_t)engine_len;
	memcpy(c->ctx_engine, engine, engine_len);
	c->ctx_engine_len = (uint8_t)engine_len;
	c->ctx_name_len = 0;
	c->priv_key_len = (uint8_t)argos_usm_priv_len(c->priv);
	if (c->level & ARGOS_USM_AUTH) {
		rc = cp_usm_ku(c->auth, auth_pass, strlen(auth_pass), ku);
		if (rc == 0)
			rc = cp_usm_localize(c->auth, ku, engine, engine_len, kul);
	}
	if (rc == 0 && c->level == ARGOS_USM_PRIV) {
		rc = cp_usm_ku(c->auth, priv_pass, strlen(priv_pass), ku);
		if (rc == 0)
			rc = cp_usm_priv_key(c->auth, c->priv, ku, engine, engine_len, c->priv_key);
	}
	if (rc == 0)
		rc = argos_usm_prepare(c, c->level & ARGOS_USM_AUTH ? kul : NULL,
				       c->level & ARGOS_USM_AUTH ? kl : 0);
	OPENSSL_cleanse(ku, sizeof(ku));
	OPENSSL_cleanse(kul, sizeof(kul));
	if (rc != 0)
		return rc;
	u->boots = boots;
	u->start = start;
	u->enabled = 1;
	return 0;
}

int
farm_usm_lcore_init(struct farm_usm_lcore *k, uint64_t seed)
{
	memset(k->stats, 0, sizeof(k->stats));
	k->salt = seed;
	return usm_ciphers_init(&k->ciphers);
}

void
farm_usm_lcore_fini(struct farm_usm_lcore *k)
{
	usm_ciphers_free(&k->ciphers);
}

/* ---- writing ---------------------------------------------------------- */

static uint8_t *
hdr4(uint8_t *p, uint8_t tag, size_t len)
{
	p[0] = tag;
	p[1] = 0x82;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	return p + 4;
}

/* A non-negative INTEGER in its shortest form. */
static uint8_t *
put_uint(uint8_t *p, uint32_t v)
{
	size_t n = v < 0x80 ? 1 : v < 0x8000 ? 2 : v < 0x800000 ? 3 : v < 0x80000000u ? 4 : 5;

	p[0] = SNMP_T_INTEGER;
	p[1] = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		p[2 + i] = (uint8_t)((uint64_t)v >> (8 * (n - 1 - i)));
	return p + 2 + n;
}

/* An OCTET STRING of at most 127 bytes (s NULL: zeros). */
static uint8_t *
put_str(uint8_t *p, const uint8_t *s, size_t n)
{
	p[0] = SNMP_T_OCTETSTR;
	p[1] = (uint8_t)n;
	if (s)
		memcpy(p + 2, s, n);
	else
		memset(p + 2, 0, n);
	return p + 2 + n;
}

/* The header of an outgoing message: everything before its data. */
struct hdr {
	uint8_t b[SNMP_V3_HDR_MAX];
	size_t len;
	size_t mac_off;              /* the MAC's zeros, from the message's start */
	size_t msg_len_off;          /* the outer SEQUENCE's 2 length bytes */
	size_t enc_len_off;          /* encryptedPDU's 2 length bytes, 0: not priv */
};

/*
 * Encode the header of a message with msgID id, flags, the farm's engine
 * at (boots, time), user (echoed), salt (NULL: not priv).  Lengths that
 * depend on the data are patched by hdr_close().
 */
static void
hdr_open(struct hdr *h, const struct argos_usm_cred *c, int32_t id, uint32_t max_size,
	 uint8_t flags, uint32_t boots, uint32_t time, const uint8_t *user, size_t user_len,
	 const uint8_t *salt)
{
	uint8_t *p = h->b, *gd, *sp, *usm;
	size_t mac_len = flags & SNMP_V3_FLAG_AUTH ? c->mac_len : 0;

	p = hdr4(p, T_SEQUENCE, 0);
	p = put_uint(p, SNMP_VERSION_3);
	gd = p;
	p = hdr4(p, T_SEQUENCE, 0);
	p = put_uint(p, (uint32_t)id);
	p = put_uint(p, max_size);
	p = put_str(p, &flags, 1);
	p = put_uint(p, SNMP_V3_USM);
	hdr4(gd, T_SEQUENCE, (size_t)(p - gd) - 4);
	sp = p;
	p = hdr4(p, SNMP_T_OCTETSTR, 0);
	usm = p;
	p = hdr4(p, T_SEQUENCE, 0);
	p = put_str(p, c->engine, c->engine_len);
	p = put_uint(p, boots);
	p = put_uint(p, time);
	p = put_str(p, user, user_len);
	h->mac_off = (size_t)(p - h->b) + 2;
	p = put_str(p, NULL, mac_len);
	p = put_str(p, salt, salt ? SNMP_V3_SALT_LEN : 0);
	hdr4(usm, T_SEQUENCE, (size_t)(p - usm) - 4);
	hdr4(sp, SNMP_T_OCTETSTR, (size_t)(p - sp) - 4);
	h->msg_len_off = 2;
	h->enc_len_off = 0;
	if (salt) {
		h->enc_len_off = (size_t)(p - h->b) + 2;
		p = hdr4(p, SNMP_T_OCTETSTR, 0);
	}
	h->len = (size_t)(p - h->b);
}

/*
 * Put the header in front of data_len bytes of data at scratch + off,
 * with its lengths, and the HMAC over the whole when flags say auth.
 * Fills out's off and len.
 */
static void
hdr_close(struct hdr *h, const struct argos_usm_cred *c, uint8_t flags, uint8_t *scratch,
	  size_t off, size_t data_len, struct farm_snmp_out *out)
{
	size_t msg = h->len - 4 + data_len;
	uint8_t *p;

	h->b[h->msg_len_off] = (uint8_t)(msg >> 8);
	h->b[h->msg_len_off + 1] = (uint8_t)msg;
	if (h->enc_len_off) {
		h->b[h->enc_len_off] = (uint8_t)(data_len >> 8);
		h->b[h->enc_len_off + 1] = (uint8_t)data_len;
	}
	out->off = off - h->len;
	out->len = h->len + data_len;
	p = scratch + out->off;
	memcpy(p, h->b, h->len);
	if (flags & SNMP_V3_FLAG_AUTH) {
		struct usm_hmac m;

		usm_hmac_begin(c, &m);
		usm_hmac_update(&m, p, out->len);
		usm_hmac_end(c, &m, p + h->mac_off);
	}
}

/* The scoped PDU's header (4-byte SEQUENCE, contextEngineID,
 * contextName) in front of the PDU at scratch + off.  @return where it
 * starts. */
static size_t
scoped_open(uint8_t *scratch, size_t off, size_t pdu_len, const uint8_t *ce, size_t ce_len,
	    const uint8_t *cn, size_t cn_len)
{
	size_t h = 4 + 2 + ce_len + 2 + cn_len;
	uint8_t *p = scratch + off - h;

	p = hdr4(p, T_SEQUENCE, h - 4 + pdu_len);
	p = put_str(p, ce, ce_len);
	put_str(p, cn, cn_len);
	return off - h;
}

/* ---- reading ---------------------------------------------------------- */

/* A scoped PDU as received: pointers into the request or the plaintext. */
struct scoped {
	const uint8_t *ce, *cn, *pdu;
	size_t ce_len, cn_len, pdu_len;
	int32_t reqid;
};

/* The OCTET STRING at *pp of at most max bytes. */
static int
get_str(const uint8_t **pp, const uint8_t *end, size_t max, const uint8_t **s, size_t *n)
{
	struct snmp_tlv t;

	if (snmp_tlv_peek(*pp, (size_t)(end - *pp), &t) || t.tag != SNMP_T_OCTETSTR ||
	    t.clen > max)
		return -1;
	*s = *pp + t.hlen;
	*n = t.clen;
	*pp += t.hlen + t.clen;
	return 0;
}

/*
 * SEQUENCE { contextEngineID, contextName, PDU } at p, filling len bytes
 * exactly, or (pad) followed by up to 7 bytes of DES padding.  Only the
 * PDU's request-id is read here; farm_snmp_answer_pdu() reads the rest.
 * @return 0 or -1.
 */
static int
scoped_read(const uint8_t *p, size_t len, int pad, struct scoped *sc)
{
	const uint8_t *end, *q;
	struct snmp_tlv t, pdu;

	if (snmp_tlv_peek(p, len, &t) || t.tag != T_SEQUENCE ||
	    (pad ? len - (t.hlen + t.clen) > 7 : t.hlen + t.clen != len))
		return -1;
	q = p + t.hlen;
	end = q + t.clen;
	if (get_str(&q, end, SNMP_V3_ID_MAX, &sc->ce, &sc->ce_len) ||
	    get_str(&q, end, SNMP_V3_ID_MAX, &sc->cn, &sc->cn_len) ||
	    snmp_tlv_peek(q, (size_t)(end - q), &pdu) || q + pdu.hlen + pdu.clen != end)
		return -1;
	sc->pdu = q;
	sc->pdu_len = (size_t)(end - q);
	q += pdu.hlen;
	return snmp_parse_int32(&q, end, &sc->reqid) ? -1 : 0;
}

/* ---- answering -------------------------------------------------------- */

/* snmpEngineTime at Unix time t. */
static uint32_t
engine_time(const struct farm_usm *u, uint64_t t)
{
	uint64_t s = t > u->start ? t - u->start : 0;

	return s > ARGOS_USM_BOOTS_MAX ? ARGOS_USM_BOOTS_MAX : (uint32_t)s;
}

/* The request being answered. */
struct ctx3 {
	const struct farm_usm *u;
	struct farm_usm_lcore *k;
	const struct snmp_v3_msg *m;
	uint8_t *scratch;
	struct farm_snmp_out *out;
	uint8_t *stat;
	uint32_t time;
};

/*
 * Refuse the request with counter which: a Report when it is reportable
 * (authenticated when auth is set), else -EACCES.  reqid: the request's
 * request-id, or its msgID when the scoped PDU was not read.
 */
static int
refuse(const struct ctx3 *x, enum farm_usm_stat which, int32_t reqid, int auth)
{
	const struct argos_usm_cred *c = &x->u->cred;
	uint8_t oid[sizeof(usm_stats_oid)], flags = auth ? SNMP_V3_FLAG_AUTH : 0;
	const uint8_t *o = oid;
	size_t olen = sizeof(usm_stats_oid), pdu_len, off;
	struct hdr h;

	x->k->stats[which]++;
	*x->stat = (uint8_t)which;
	if (!(x->m->flags & SNMP_V3_FLAG_REPORTABLE))
		return -EACCES;
	if (which == FARM_USM_UNKNOWN_CONTEXTS) {
		o = unknown_ctx_oid;
		olen = sizeof(unknown_ctx_oid);
	} else {
		memcpy(oid, usm_stats_oid, sizeof(oid));
		oid[8] = (uint8_t)which;
	}
	pdu_len = farm_snmp_report_pdu(reqid, o, olen, x->k->stats[which], x->scratch, x->out);
	off = scoped_open(x->scratch, x->out->off, pdu_len, c->engine, c->engine_len, NULL, 0);
	hdr_open(&h, c, x->m->msg_id, FARM_REPLY_MAX, flags, x->u->boots, x->time, x->m->user,
		 x->m->user_len, NULL);
	hdr_close(&h, c, flags, x->scratch, off, x->out->off + pdu_len - off, x->out);
	x->out->pdu_type = FARM_PDU_REPORT;
	return FARM_USM_REPORTED;
}

/* The request-id of a plaintext scoped PDU, else the msgID. */
static int32_t
plain_reqid(const struct snmp_v3_msg *m)
{
	struct scoped sc;

	if (!(m->flags & SNMP_V3_FLAG_PRIV) && scoped_read(m->data, m->data_len, 0, &sc) == 0)
		return sc.reqid;
	return m->msg_id;
}

int
farm_usm_answer(const struct farm_usm *u, struct farm_usm_lcore *k,
		const struct farm_snmp_ctx *ctx, const uint8_t *req, size_t len, uint64_t dev,
		uint64_t t, uint8_t *scratch, struct farm_snmp_out *out, uint8_t *stat)
{
	const struct argos_usm_cred *c = &u->cred;
	struct snmp_v3_msg m;
	struct scoped sc;
	struct ctx3 x = { u, k, &m, scratch, out, stat, 0 };
	uint8_t level, salt[SNMP_V3_SALT_LEN], flags;
	size_t max, wrap, off, data_len;
	struct hdr h;
	int rc;

	memset(out, 0, sizeof(*out));
	*stat = 0;
	if (snmp_v3_parse(req, len, &m) != 0 || m.max_size < MAX_SIZE_MIN)
		return -EBADMSG;
	if (!u->enabled)
		return -ENOTSUP;
	x.time = engine_time(u, t);
	level = m.flags & (SNMP_V3_FLAG_AUTH | SNMP_V3_FLAG_PRIV);

	if (m.engine_len != c->engine_len || memcmp(m.engine, c->engine, c->engine_len))
		return refuse(&x, FARM_USM_UNKNOWN_ENGINE_IDS, plain_reqid(&m), 0);
	if (m.user_len != c->user_len || memcmp(m.user, c->user, c->user_len))
		return refuse(&x, FARM_USM_UNKNOWN_USER_NAMES, plain_reqid(&m), 0);
	/* The farm's one user serves its own level only (as a VACM entry
	 * that asks for it would). */
	if (level != c->level)
		return refuse(&x, FARM_USM_UNSUPPORTED_SEC_LEVELS, plain_reqid(&m), 0);
	if (level & SNMP_V3_FLAG_AUTH) {
		if (!usm_digest_ok(c, req, len, m.mac_off, m.mac, m.mac_len))
			return refuse(&x, FARM_USM_WRONG_DIGESTS, plain_reqid(&m), 0);
		if (u->boots == ARGOS_USM_BOOTS_MAX || m.boots != u->boots ||
		    (m.time > x.time ? m.time - x.time : x.time - m.time) > TIME_WINDOW)
			return refuse(&x, FARM_USM_NOT_IN_TIME_WINDOWS, plain_reqid(&m), 1);
	}
	if (level == ARGOS_USM_PRIV) {
		int n = m.data_len <= sizeof(k->plain) ?
			usm_decrypt(&k->ciphers, c, m.boots, m.time, m.salt, m.salt_len, m.data,
				    m.data_len, k->plain) : -1;

		if (n < 0 || scoped_read(k->plain, (size_t)n, c->priv == ARGOS_USM_PRIV_DES, &sc))
			return refuse(&x, FARM_USM_DECRYPTION_ERRORS, m.msg_id, 0);
	} else if (scoped_read(m.data, m.data_len, 0, &sc)) {
		return -EBADMSG;
	}
	/* contextEngineID: the farm's (or empty, as some managers send it);
	 * contextName: the default context only. */
	if ((sc.ce_len && (sc.ce_len != c->engine_len || memcmp(sc.ce, c->engine, c->engine_len))) ||
	    sc.cn_len != 0)
		return refuse(&x, FARM_USM_UNKNOWN_CONTEXTS, sc.reqid, level & SNMP_V3_FLAG_AUTH);

	/* The response: at the request's level, never reportable. */
	flags = level;
	if (level == ARGOS_USM_PRIV) {
		for (unsigned i = 0; i < SNMP_V3_SALT_LEN; i++)
			salt[i] = (uint8_t)(k->salt >> (56 - 8 * i));
		k->salt++;
	}
	hdr_open(&h, c, m.msg_id, FARM_REPLY_MAX, flags, u->boots, x.time, m.user, m.user_len,
		 level == ARGOS_USM_PRIV ? salt : NULL);
	max = ctx->max_msg ? ctx->max_msg : FARM_UDP_MAX;
	if ((size_t)m.max_size < max)
		max = (size_t)m.max_size;
	wrap = h.len + 4 + 2 + sc.ce_len + 2 + sc.cn_len +
	       (c->priv == ARGOS_USM_PRIV_DES && level == ARGOS_USM_PRIV ? 7 : 0);
	rc = farm_snmp_answer_pdu(ctx, sc.pdu, sc.pdu_len, wrap, max, dev, t, scratch, out);
	if (rc != 0)
		return rc;
	off = scoped_open(scratch, out->off, out->len, sc.ce, sc.ce_len, sc.cn, sc.cn_len);
	data_len = out->off + out->len - off;
	if (level == ARGOS_USM_PRIV) {
		int n = usm_encrypt(&k->ciphers, c, u->boots, x.time, salt, scratch + off, data_len,
				    scratch + off);

		if (n < 0)
			return -EMSGSIZE;   /* cannot happen: the protocol was checked at start */
		data_len = (size_t)n;
	}
	hdr_close(&h, c, flags, scratch, off, data_len, out);
	return FARM_USM_ANSWERED;
}
