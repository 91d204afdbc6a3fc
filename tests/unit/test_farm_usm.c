/*
 * test_farm_usm.c - argos-farm's SNMPv3 agent (bench/farm/farm_usm.c)
 * against argos's own v3 client code (dataplane/snmp_v3_codec.c,
 * usm_crypto.c, controlplane/usm_keys.c), with no network:
 *
 *   - engine discovery: a request with no engine and no user gets the
 *     Report usmStatsUnknownEngineIDs with the farm's engine, boots, time;
 *   - for every auth protocol argos has, and every privacy protocol under
 *     SHA-256 (and DES and AES under each hash), a GETBULK of ifXTable
 *     gets a Response at the request's level whose varbinds are byte for
 *     byte those of the v2c answer to the same GETBULK at the same time;
 *   - the Reports: wrong digest, unknown user, a lower level, out of the
 *     time window (authenticated), unknown context; no Report for a
 *     request that is not reportable;
 *   - a GETBULK of 500 repetitions stays within the 1472-byte limit.
 */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "cp_usm_keys.h"
#include "farm_usm.h"
#include "snmp_codec.h"
#include "snmp_v3_codec.h"
#include "usm_crypto.h"

#define IP 0xc6130005u
#define T 1800000000ull
#define APASS "test-auth-passphrase"
#define PPASS "test-priv-passphrase"

static const uint8_t ENGINE[] = { 0x80, 0x00, 0x1f, 0x88, 0x04, 'a', 'r', 'g', 'o', 's',
				  '-', 'f', 'a', 'r', 'm' };
static struct farm_mib mib;
static struct farm_snmp_ctx ctx;
static struct farm_usm_lcore lk;
static struct usm_ciphers cc;
static uint8_t scratch[FARM_SNMP_SCRATCH], scratch2[FARM_SNMP_SCRATCH];
static uint8_t plain[FARM_REPLY_MAX];

/* The farm's engine with one user "u" at level, auth, priv. */
static void
farm_make(struct farm_usm *u, uint8_t level, uint8_t auth, uint8_t priv, const char *user)
{
	memset(u, 0, sizeof(*u));
	u->cred.level = level;
	u->cred.auth = auth;
	u->cred.priv = priv;
	u->cred.user_len = (uint8_t)strlen(user);
	memcpy(u->cred.user, user, strlen(user));
	CHECK(farm_usm_init(u, ENGINE, sizeof(ENGINE), APASS, PPASS, 1, T - 1000) == 0,
	      "the farm cannot make keys for %s/%s", argos_usm_auth_name(auth),
	      argos_usm_priv_name(priv));
}

/* argos's credential for the same user, localized to the farm's engine
 * (what its control plane makes after discovery). */
static void
client_make(struct argos_usm_cred *c, uint8_t level, uint8_t auth, uint8_t priv,
	    const char *user)
{
	uint8_t ku[ARGOS_USM_KEY_MAX], kul[ARGOS_USM_KEY_MAX];
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->level = level;
	c->auth = auth;
	c->priv = priv;
	c->user_len = (uint8_t)strlen(user);
	memcpy(c->user, user, c->user_len);
	c->engine_len = sizeof(ENGINE);
	memcpy(c->engine, ENGINE, sizeof(ENGINE));
	c->ctx_engine_len = sizeof(ENGINE);
	memcpy(c->ctx_engine, ENGINE, sizeof(ENGINE));
	c->priv_key_len = (uint8_t)argos_usm_priv_len(priv);
	if (level & ARGOS_USM_AUTH)
		rc = cp_usm_ku(auth, APASS, strlen(APASS), ku) ||
		     cp_usm_localize(auth, ku, ENGINE, sizeof(ENGINE), kul);
	if (rc == 0 && level == ARGOS_USM_PRIV)
		rc = cp_usm_ku(auth, PPASS, strlen(PPASS), ku) ||
		     cp_usm_priv_key(auth, priv, ku, ENGINE, sizeof(ENGINE), c->priv_key);
	if (rc == 0)
		rc = argos_usm_prepare(c, level & ARGOS_USM_AUTH ? kul : NULL,
				       level & ARGOS_USM_AUTH ? argos_usm_key_len(auth) : 0);
	CHECK(rc == 0, "argos cannot make its keys");
}

/* A request as argos's snmp_v3_send() makes it, into msg; @return its length. */
static size_t
request(const struct argos_usm_cred *c, uint8_t level, uint8_t flags_extra, uint32_t boots,
	uint32_t time, uint8_t pdu, uint32_t max_rep, const char *ctx_name, uint8_t *msg)
{
	struct argos_oid ifx = { 10, { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1 } };
	struct snmp_v3_out o = { .msg_id = 0x01234567, .flags = level | flags_extra };
	static struct snmp_req req;
	uint8_t hdr[SNMP_V3_HDR_MAX], salt[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t mac_off;
	int hl;

	if (c == NULL) {
		snmp_v3_encode_scoped(&req, NULL, 0, NULL, 0, SNMP_PDU_GET, 0, NULL, 0);
	} else {
		snmp_v3_encode_scoped(&req, c->ctx_engine, c->ctx_engine_len,
				      (const uint8_t *)ctx_name, strlen(ctx_name), pdu, max_rep,
				      &ifx, 1);
		o.engine = c->engine;
		o.engine_len = c->engine_len;
		o.user = c->user;
		o.user_len = c->user_len;
		o.boots = boots;
		o.time = time;
		o.mac_len = level & ARGOS_USM_AUTH ? c->mac_len : 0;
	}
	snmp_patch_reqid(req.buf, req.reqid_off, 0x01234567);
	o.data_len = req.len;
	if (level == ARGOS_USM_PRIV) {
		o.salt = salt;
		if (c->priv == ARGOS_USM_PRIV_DES)
			o.data_len = (o.data_len + 7) & ~(size_t)7;
	}
	hl = snmp_v3_encode_header(hdr, sizeof(hdr), &o, &mac_off);
	memcpy(msg, hdr, (size_t)hl);
	if (level == ARGOS_USM_PRIV)
		usm_encrypt(&cc, c, boots, time, salt, req.buf, req.len, msg + hl);
	else
		memcpy(msg + hl, req.buf, req.len);
	if (o.mac_len) {
		struct usm_hmac h;

		usm_hmac_begin(c, &h);
		usm_hmac_update(&h, msg, (size_t)hl + o.data_len);
		usm_hmac_end(c, &h, msg + mac_off);
	}
	return (size_t)hl + o.data_len;
}

/* Check the farm's message as argos's snmp_v3_input() would: form, digest,
 * decryption, scoped PDU.  @return 0 with *sc filled. */
static int
read_answer(const struct argos_usm_cred *c, const uint8_t *p, size_t len,
	    struct snmp_v3_msg *m, struct snmp_v3_scoped *sc)
{
	if (snmp_v3_parse(p, len, m) != 0)
		return -1;
	if (m->flags & SNMP_V3_FLAG_AUTH) {
		struct usm_hmac h;
		uint8_t mac[SNMP_V3_MAC_MAX];

		if (c == NULL || m->mac_len != c->mac_len)
			return -2;
		usm_hmac_begin(c, &h);
		usm_hmac_update(&h, p, m->mac_off);
		usm_hmac_zeros(&h, m->mac_len);
		usm_hmac_update(&h, p + m->mac_off + m->mac_len, len - m->mac_off - m->mac_len);
		usm_hmac_end(c, &h, mac);
		if (!usm_mac_equal(mac, m->mac, m->mac_len))
			return -3;
	}
	if (m->flags & SNMP_V3_FLAG_PRIV) {
		int n = usm_decrypt(&cc, c, m->boots, m->time, m->salt, m->salt_len, m->data,
				    m->data_len, plain);

		if (n < 0)
			return -4;
		return snmp_v3_parse_scoped(plain, (size_t)n, c->priv == ARGOS_USM_PRIV_DES, sc) ?
		       -5 : 0;
	}
	return snmp_v3_parse_scoped(m->data, m->data_len, 0, sc) ? -6 : 0;
}

/* The usmStats (or snmpUnknownContexts) counter a Report's varbind names. */
static uint32_t
report_counter(const struct snmp_v3_scoped *sc)
{
	static const uint32_t usm[] = { 1, 3, 6, 1, 6, 3, 15, 1, 1 };
	struct snmp_vb_iter it;
	struct snmp_varbind vb;

	snmp_vb_iter_init(&it, &sc->r);
	if (snmp_vb_next(&it, &vb) != 1 || vb.type != SNMP_T_COUNTER32 || vb.u == 0)
		return 0;
	if (vb.name.len == 11 && !memcmp(vb.name.sub, usm, sizeof(usm)))
		return vb.name.sub[9];
	if (vb.name.len == 10 && vb.name.sub[6] == 12 && vb.name.sub[8] == 5)
		return FARM_USM_UNKNOWN_CONTEXTS;
	return 0;
}

/* The v2c answer's varbind list to the same GETBULK. */
static void
v2c_vbl(uint32_t max_rep, const uint8_t **vbl, size_t *vbl_len)
{
	struct argos_oid ifx = { 10, { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1 } };
	static struct snmp_req req;
	struct farm_snmp_out out;
	struct snmp_reply r;

	snmp_encode_request(&req, SNMP_VERSION_2C, (const uint8_t *)"public", 6,
			    SNMP_PDU_GETBULK, max_rep, &ifx, 1);
	CHECK(farm_snmp_answer(&ctx, req.buf, req.len, IP, T, scratch2, &out) == 0,
	      "the v2c GETBULK is not answered");
	CHECK(snmp_parse_reply(scratch2 + out.off, out.len, &r) == 0, "the v2c answer is malformed");
	*vbl = r.vbl;
	*vbl_len = r.vbl_len;
}

static void
one_protocol(uint8_t level, uint8_t auth, uint8_t priv)
{
	static struct farm_usm u;
	static struct argos_usm_cred c;
	static uint8_t msg[2048];
	struct farm_snmp_out out;
	struct snmp_v3_msg m;
	struct snmp_v3_scoped sc;
	const uint8_t *vbl;
	size_t len, vbl_len;
	uint8_t stat;
	int rc;
	const char *an = argos_usm_auth_name(auth), *pn = argos_usm_priv_name(priv);

	farm_make(&u, level, auth, priv, "u");
	client_make(&c, level, auth, priv, "u");
	len = request(&c, level, SNMP_V3_FLAG_REPORTABLE, 1, 1000, SNMP_PDU_GETBULK, 25, "", msg);
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_ANSWERED && stat == 0,
	      "%s/%s level %u: a GETBULK of ifXTable is not answered (rc %d, usmStats %u)",
	      an, pn, level, rc, stat);
	if (rc != FARM_USM_ANSWERED)
		return;
	CHECK(out.len <= FARM_UDP_MAX, "%s/%s: the answer has %zu bytes", an, pn, out.len);
	rc = read_answer(&c, scratch + out.off, out.len, &m, &sc);
	CHECK(rc == 0, "%s/%s level %u: argos cannot read the farm's answer (step %d)", an, pn,
	      level, rc);
	if (rc != 0)
		return;
	CHECK((m.flags & 3) == level && !(m.flags & SNMP_V3_FLAG_REPORTABLE),
	      "%s/%s: the answer's flags are %#x", an, pn, m.flags);
	CHECK(m.msg_id == 0x01234567 && sc.r.request_id == 0x01234567,
	      "%s/%s: msgID %d, request-id %d", an, pn, m.msg_id, sc.r.request_id);
	CHECK(sc.r.pdu_type == SNMP_PDU_RESPONSE && sc.r.error_status == 0,
	      "%s/%s: PDU %#x error %d", an, pn, sc.r.pdu_type, sc.r.error_status);
	CHECK(m.engine_len == sizeof(ENGINE) && !memcmp(m.engine, ENGINE, sizeof(ENGINE)) &&
	      m.boots == 1 && m.time == 1000, "%s/%s: engine, boots %u or time %u wrong", an, pn,
	      m.boots, m.time);
	v2c_vbl(25, &vbl, &vbl_len);
	CHECK(sc.r.vbl_len == vbl_len && !memcmp(sc.r.vbl, vbl, vbl_len),
	      "%s/%s: the varbinds differ from v2c's answer (%zu bytes against %zu)", an, pn,
	      sc.r.vbl_len, vbl_len);
}

static void
reports(void)
{
	static struct farm_usm u;
	static struct argos_usm_cred c, other;
	static uint8_t msg[2048];
	struct farm_snmp_out out;
	struct snmp_v3_msg m;
	struct snmp_v3_scoped sc;
	size_t len;
	uint8_t stat;
	int rc;

	farm_make(&u, ARGOS_USM_PRIV, ARGOS_USM_AUTH_SHA256, ARGOS_USM_PRIV_AES, "argos");
	client_make(&c, ARGOS_USM_PRIV, ARGOS_USM_AUTH_SHA256, ARGOS_USM_PRIV_AES, "argos");

	/* Discovery. */
	len = request(NULL, ARGOS_USM_NOAUTH, SNMP_V3_FLAG_REPORTABLE, 0, 0, 0, 0, "", msg);
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_REPORTED && stat == FARM_USM_UNKNOWN_ENGINE_IDS,
	      "discovery: rc %d usmStats %u, want a Report of unknownEngineIDs", rc, stat);
	rc = read_answer(NULL, scratch + out.off, out.len, &m, &sc);
	CHECK(rc == 0 && sc.r.pdu_type == SNMP_PDU_REPORT && (m.flags & 3) == 0,
	      "discovery: the Report does not read as a noAuthNoPriv Report (step %d)", rc);
	CHECK(rc == 0 && m.engine_len == sizeof(ENGINE) && !memcmp(m.engine, ENGINE, sizeof(ENGINE)) &&
	      m.boots == 1 && m.time == 1000,
	      "discovery: the Report does not carry the engine, boots 1 and time 1000");
	CHECK(rc == 0 && report_counter(&sc) == FARM_USM_UNKNOWN_ENGINE_IDS &&
	      sc.r.request_id == 0x01234567,
	      "discovery: the Report names counter %u, request-id %d", rc ? 0 : report_counter(&sc),
	      rc ? 0 : sc.r.request_id);

	/* Wrong digest: the last byte of the MAC. */
	len = request(&c, ARGOS_USM_PRIV, SNMP_V3_FLAG_REPORTABLE, 1, 1000, SNMP_PDU_GET, 0, "", msg);
	snmp_v3_parse(msg, len, &m);
	msg[m.mac_off + m.mac_len - 1] ^= 1;
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_REPORTED && stat == FARM_USM_WRONG_DIGESTS,
	      "a wrong digest: rc %d usmStats %u", rc, stat);
	CHECK(read_answer(NULL, scratch + out.off, out.len, &m, &sc) == 0 &&
	      report_counter(&sc) == FARM_USM_WRONG_DIGESTS, "the wrongDigests Report does not read");

	/* Not reportable: no answer. */
	len = request(&c, ARGOS_USM_PRIV, 0, 1, 1000, SNMP_PDU_GET, 0, "", msg);
	msg[m.mac_off] ^= 1;
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == -EACCES, "a wrong digest without the reportable flag: rc %d, want -EACCES", rc);

	/* Unknown user. */
	client_make(&other, ARGOS_USM_PRIV, ARGOS_USM_AUTH_SHA256, ARGOS_USM_PRIV_AES, "nobody");
	len = request(&other, ARGOS_USM_PRIV, SNMP_V3_FLAG_REPORTABLE, 1, 1000, SNMP_PDU_GET, 0,
		      "", msg);
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_REPORTED && stat == FARM_USM_UNKNOWN_USER_NAMES,
	      "an unknown user: rc %d usmStats %u", rc, stat);

	/* A lower level. */
	len = request(&c, ARGOS_USM_AUTH, SNMP_V3_FLAG_REPORTABLE, 1, 1000, SNMP_PDU_GET, 0, "", msg);
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_REPORTED && stat == FARM_USM_UNSUPPORTED_SEC_LEVELS,
	      "authNoPriv for an authPriv user: rc %d usmStats %u", rc, stat);

	/* Out of the time window: boots, then time; the Report is authentic. */
	len = request(&c, ARGOS_USM_PRIV, SNMP_V3_FLAG_REPORTABLE, 2, 1000, SNMP_PDU_GET, 0, "", msg);
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_REPORTED && stat == FARM_USM_NOT_IN_TIME_WINDOWS,
	      "boots 2 against the farm's 1: rc %d usmStats %u", rc, stat);
	rc = read_answer(&c, scratch + out.off, out.len, &m, &sc);
	CHECK(rc == 0 && (m.flags & 3) == ARGOS_USM_AUTH && m.boots == 1 && m.time == 1000 &&
	      report_counter(&sc) == FARM_USM_NOT_IN_TIME_WINDOWS,
	      "the notInTimeWindows Report is not an authentic authNoPriv Report of the "
	      "engine's boots and time (step %d)", rc);
	len = request(&c, ARGOS_USM_PRIV, SNMP_V3_FLAG_REPORTABLE, 1, 1000 - 151, SNMP_PDU_GET, 0,
		      "", msg);
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_REPORTED && stat == FARM_USM_NOT_IN_TIME_WINDOWS,
	      "151 s behind: rc %d usmStats %u", rc, stat);
	len = request(&c, ARGOS_USM_PRIV, SNMP_V3_FLAG_REPORTABLE, 1, 1000 - 150, SNMP_PDU_GET, 0,
		      "", msg);
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_ANSWERED, "150 s behind is within the window: rc %d usmStats %u",
	      rc, stat);

	/* Unknown context. */
	len = request(&c, ARGOS_USM_PRIV, SNMP_V3_FLAG_REPORTABLE, 1, 1000, SNMP_PDU_GET, 0,
		      "nosuchctx", msg);
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_REPORTED && stat == FARM_USM_UNKNOWN_CONTEXTS,
	      "an unknown context: rc %d usmStats %u", rc, stat);
	CHECK(read_answer(&c, scratch + out.off, out.len, &m, &sc) == 0 &&
	      report_counter(&sc) == FARM_USM_UNKNOWN_CONTEXTS,
	      "the snmpUnknownContexts Report does not read");

	/* A GETBULK that would pass one frame is cut to fit. */
	len = request(&c, ARGOS_USM_PRIV, SNMP_V3_FLAG_REPORTABLE, 1, 1000, SNMP_PDU_GETBULK, 500,
		      "", msg);
	rc = farm_usm_answer(&u, &lk, &ctx, msg, len, IP, T, scratch, &out, &stat);
	CHECK(rc == FARM_USM_ANSWERED && out.len <= FARM_UDP_MAX && out.len > FARM_UDP_MAX - 64,
	      "a GETBULK of 500: rc %d, %zu bytes (want just under %d)", rc, out.len, FARM_UDP_MAX);
	CHECK(rc == FARM_USM_ANSWERED && read_answer(&c, scratch + out.off, out.len, &m, &sc) == 0,
	      "the cut GETBULK answer does not read");
}

int
main(void)
{
	CHECK(farm_mib_init(&mib, 8) == 0, "the farm's MIB");
	ctx = (struct farm_snmp_ctx){ &mib, (const uint8_t *)"public", 6, FARM_UDP_MAX };
	CHECK(farm_usm_lcore_init(&lk, 7) == 0 && usm_ciphers_init(&cc) == 0, "cipher contexts");
	one_protocol(ARGOS_USM_NOAUTH, ARGOS_USM_AUTH_NONE, ARGOS_USM_PRIV_NONE);
	for (uint8_t a = ARGOS_USM_AUTH_MD5; a < ARGOS_USM_AUTH_MAX; a++) {
		one_protocol(ARGOS_USM_AUTH, a, ARGOS_USM_PRIV_NONE);
		one_protocol(ARGOS_USM_PRIV, a, ARGOS_USM_PRIV_DES);
		one_protocol(ARGOS_USM_PRIV, a, ARGOS_USM_PRIV_AES);
	}
	for (uint8_t p = ARGOS_USM_PRIV_AES192; p < ARGOS_USM_PRIV_MAX; p++)
		one_protocol(ARGOS_USM_PRIV, ARGOS_USM_AUTH_SHA, p);   /* keys extended */
	for (uint8_t p = ARGOS_USM_PRIV_AES192; p < ARGOS_USM_PRIV_MAX; p++)
		one_protocol(ARGOS_USM_PRIV, ARGOS_USM_AUTH_SHA512, p);
	reports();
	farm_usm_lcore_fini(&lk);
	usm_ciphers_free(&cc);
	return CHECK_DONE("farm_answers_snmpv3");
}
