/*
 * test_usm.c - SNMPv3's keys and per-message cryptography against
 * RFC 3414's test vectors and against net-snmp's own implementation
 * (libnetsnmp's generate_Ku, generate_kul, netsnmp_extend_kul,
 * sc_generate_keyed_hash, sc_encrypt, sc_decrypt), for every auth and
 * privacy protocol argos offers, both key extensions included; then
 * the v3 codec: a message argos encodes, authenticates and encrypts is
 * taken apart again by the parser, its HMAC checked by net-snmp's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/keytools.h>
#include <net-snmp/library/scapi.h>
#include <net-snmp/library/snmpusm.h>
#include <net-snmp/library/transform_oids.h>

#undef SNMP_ERR_NOERROR
#undef SNMP_ERR_TOOBIG
#undef SNMP_ERR_NOSUCHNAME
#undef SNMP_ERR_GENERR

#include "argos_usm.h"
#include "cp_usm_keys.h"
#include "snmp_v3_codec.h"
#include "usm_crypto.h"

static int failures, checks;

#define CHECK(cond, ...) do { \
	checks++; \
	if (!(cond)) { \
		failures++; \
		printf("FAIL: "); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

static void
hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

static const struct {
	oid *o;
	u_int len;
} auth_oid[ARGOS_USM_AUTH_MAX] = {
	[ARGOS_USM_AUTH_MD5] = { usmHMACMD5AuthProtocol, 10 },
	[ARGOS_USM_AUTH_SHA] = { usmHMACSHA1AuthProtocol, 10 },
	[ARGOS_USM_AUTH_SHA224] = { usmHMAC128SHA224AuthProtocol, 10 },
	[ARGOS_USM_AUTH_SHA256] = { usmHMAC192SHA256AuthProtocol, 10 },
	[ARGOS_USM_AUTH_SHA384] = { usmHMAC256SHA384AuthProtocol, 10 },
	[ARGOS_USM_AUTH_SHA512] = { usmHMAC384SHA512AuthProtocol, 10 },
};

static const struct {
	oid *o;
	u_int len;
} priv_oid[ARGOS_USM_PRIV_MAX] = {
	[ARGOS_USM_PRIV_DES] = { usmDESPrivProtocol, 10 },
	[ARGOS_USM_PRIV_AES] = { usmAESPrivProtocol, 10 },
	[ARGOS_USM_PRIV_AES192] = { usmAES192PrivProtocol, 9 },
	[ARGOS_USM_PRIV_AES256] = { usmAES256PrivProtocol, 9 },
	[ARGOS_USM_PRIV_AES192C] = { usmAES192CiscoPrivProtocol, 11 },
	[ARGOS_USM_PRIV_AES256C] = { usmAES256CiscoPrivProtocol, 11 },
};

/* RFC 3414 A.3: "maplesyrup" at engine 00..02. */
static void
rfc3414_vectors(void)
{
	static const uint8_t engine[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	static const struct {
		uint8_t auth;
		const char *ku, *kul;
	} v[] = {
		{ ARGOS_USM_AUTH_MD5, "9faf3283884e92834ebc9847d8edd963",
		  "526f5eed9fcce26f8964c2930787d82b" },
		{ ARGOS_USM_AUTH_SHA, "9fb5cc0381497b3793528939ff788d5d79145211",
		  "6695febc9288e36282235fc7151f128497b38f3f" },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t ku[64], kul[64];
		char h[200];

		CHECK(cp_usm_ku(v[i].auth, "maplesyrup", 10, ku) == 0, "Ku of maplesyrup");
		hex(ku, argos_usm_key_len(v[i].auth), h);
		CHECK(strcmp(h, v[i].ku) == 0, "RFC 3414 A.3 %s Ku: %s, want %s",
		      argos_usm_auth_name(v[i].auth), h, v[i].ku);
		CHECK(cp_usm_localize(v[i].auth, ku, engine, sizeof(engine), kul) == 0, "Kul");
		hex(kul, argos_usm_key_len(v[i].auth), h);
		CHECK(strcmp(h, v[i].kul) == 0, "RFC 3414 A.3 %s Kul: %s, want %s",
		      argos_usm_auth_name(v[i].auth), h, v[i].kul);
	}
	CHECK(cp_usm_ku(ARGOS_USM_AUTH_SHA, "short", 5, (uint8_t[64]){ 0 }) != 0,
	      "a passphrase of 5 bytes is refused");
	CHECK(cp_usm_ku(ARGOS_USM_AUTH_NONE, "long enough", 11, (uint8_t[64]){ 0 }) != 0,
	      "no auth protocol: no Ku");
}

/* net-snmp's localized keys: auth Kul, and the privacy key extended as
 * net-snmp does for its users. */
static int
netsnmp_keys(uint8_t auth, uint8_t priv, const char *apass, const char *ppass,
	     const uint8_t *engine, size_t elen, uint8_t *akey, size_t *alen, uint8_t *pkey,
	     size_t *plen)
{
	u_char ku[64], kul[128], *kulp = kul;
	size_t kulen = sizeof(ku), kullen;
	const netsnmp_priv_alg_info *pai;

	if (generate_Ku(auth_oid[auth].o, auth_oid[auth].len, (const u_char *)apass,
			strlen(apass), ku, &kulen) != SNMPERR_SUCCESS)
		return -1;
	*alen = 64;
	if (generate_kul(auth_oid[auth].o, auth_oid[auth].len, (u_char *)engine, elen, ku, kulen,
			 akey, alen) != SNMPERR_SUCCESS)
		return -1;
	if (priv == ARGOS_USM_PRIV_NONE)
		return 0;
	kulen = sizeof(ku);
	if (generate_Ku(auth_oid[auth].o, auth_oid[auth].len, (const u_char *)ppass,
			strlen(ppass), ku, &kulen) != SNMPERR_SUCCESS)
		return -1;
	kullen = sizeof(kul);
	if (generate_kul(auth_oid[auth].o, auth_oid[auth].len, (u_char *)engine, elen, ku, kulen,
			 kul, &kullen) != SNMPERR_SUCCESS)
		return -1;
	pai = sc_get_priv_alg_byoid(priv_oid[priv].o, priv_oid[priv].len);
	if (pai == NULL)
		return -1;
	if (netsnmp_extend_kul((u_int)pai->proper_length, auth_oid[auth].o, auth_oid[auth].len,
			       pai->type, (u_char *)engine, (u_int)elen, &kulp, &kullen,
			       sizeof(kul)) != SNMPERR_SUCCESS)
		return -1;
	*plen = argos_usm_priv_len(priv);
	memcpy(pkey, kulp, *plen);
	return 0;
}

/* The entry argos would build, from its own derivation. */
static int
make_cred(uint8_t auth, uint8_t priv, const char *apass, const char *ppass,
	  const uint8_t *engine, size_t elen, struct argos_usm_cred *c, uint8_t *akey)
{
	uint8_t ku[64];

	memset(c, 0, sizeof(*c));
	c->auth = auth;
	c->priv = priv;
	c->level = priv ? ARGOS_USM_PRIV : auth ? ARGOS_USM_AUTH : ARGOS_USM_NOAUTH;
	memcpy(c->user, "argos", 5);
	c->user_len = 5;
	memcpy(c->engine, engine, elen);
	c->engine_len = (uint8_t)elen;
	memcpy(c->ctx_engine, engine, elen);
	c->ctx_engine_len = (uint8_t)elen;
	if (auth && (cp_usm_ku(auth, apass, strlen(apass), ku) != 0 ||
		     cp_usm_localize(auth, ku, engine, elen, akey) != 0))
		return -1;
	if (priv) {
		if (cp_usm_ku(auth, ppass, strlen(ppass), ku) != 0 ||
		    cp_usm_priv_key(auth, priv, ku, engine, elen, c->priv_key) != 0)
			return -1;
		c->priv_key_len = (uint8_t)argos_usm_priv_len(priv);
	}
	return argos_usm_prepare(c, akey, argos_usm_key_len(auth));
}

static const uint8_t engine1[] = { 0x80, 0x00, 0x1f, 0x88, 0x80, 0x5e, 0x6a, 0x2b, 0x03,
				   0x4d, 0x6c, 0x6f, 0x63 };
static const uint8_t engine2[] = { 0x80, 0x00, 0x00, 0x09, 0x03, 0x00, 0x00, 0x1e, 0xbe,
				   0x2f, 0x41, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				   0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
				   0x12, 0x13, 0x14 };   /* 32 bytes, the longest */

static void
keys_equal_netsnmp(void)
{
	const struct {
		const uint8_t *e;
		size_t n;
	} engines[] = { { engine1, sizeof(engine1) }, { engine2, sizeof(engine2) } };

	for (uint8_t a = ARGOS_USM_AUTH_MD5; a < ARGOS_USM_AUTH_MAX; a++)
		for (uint8_t p = ARGOS_USM_PRIV_NONE; p < ARGOS_USM_PRIV_MAX; p++)
			for (size_t e = 0; e < 2; e++) {
				uint8_t nak[64], npk[64], ak[64];
				size_t nal, npl = 0;
				struct argos_usm_cred c;
				char h1[200], h2[200];
				const char *what = p ? argos_usm_priv_name(p) : "none";

				if (netsnmp_keys(a, p, "auth passphrase 1", "priv passphrase 22",
						 engines[e].e, engines[e].n, nak, &nal, npk,
						 &npl) != 0) {
					CHECK(0, "net-snmp could not derive %s/%s keys",
					      argos_usm_auth_name(a), what);
					continue;
				}
				CHECK(make_cred(a, p, "auth passphrase 1", "priv passphrase 22",
						engines[e].e, engines[e].n, &c, ak) == 0,
				      "argos derives %s/%s keys", argos_usm_auth_name(a), what);
				hex(ak, argos_usm_key_len(a), h1);
				hex(nak, nal, h2);
				CHECK(nal == argos_usm_key_len(a) && strcmp(h1, h2) == 0,
				      "%s auth key at engine %zu: argos %s, net-snmp %s",
				      argos_usm_auth_name(a), e, h1, h2);
				if (p == ARGOS_USM_PRIV_NONE)
					continue;
				hex(c.priv_key, c.priv_key_len, h1);
				hex(npk, npl, h2);
				CHECK(strcmp(h1, h2) == 0, "%s/%s privacy key at engine %zu: argos %s, "
				      "net-snmp %s", argos_usm_auth_name(a), what, e, h1, h2);
			}
}

/* HMAC with the prepared states equals net-snmp's keyed hash, truncated. */
static void
hmac_equals_netsnmp(void)
{
	uint8_t msg[1500];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	for (uint8_t a = ARGOS_USM_AUTH_MD5; a < ARGOS_USM_AUTH_MAX; a++) {
		struct argos_usm_cred c;
		uint8_t ak[64], mac[64], nmac[64];
		size_t nl = sizeof(nmac), lens[] = { 0, 1, 63, 64, 65, 127, 128, 129, 1500 };
		struct usm_hmac h;

		make_cred(a, 0, "hmac passphrase", NULL, engine1, sizeof(engine1), &c, ak);
		for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
			size_t n = lens[k];

			usm_hmac_begin(&c, &h);
			usm_hmac_update(&h, msg, n / 3);
			usm_hmac_update(&h, msg + n / 3, n - n / 3);
			usm_hmac_end(&c, &h, mac);
			nl = sizeof(nmac);
			if (n == 0)
				continue;   /* net-snmp refuses to hash nothing */
			/* net-snmp returns the whole HMAC; messages carry its head. */
			CHECK(sc_generate_keyed_hash(auth_oid[a].o, auth_oid[a].len, ak,
						     argos_usm_key_len(a), msg, n, nmac,
						     &nl) == SNMPERR_SUCCESS, "net-snmp HMAC");
			CHECK(nl >= c.mac_len && memcmp(mac, nmac, c.mac_len) == 0,
			      "%s HMAC of %zu bytes: argos's first %u bytes differ from net-snmp's",
			      argos_usm_auth_name(a), n, c.mac_len);
		}
	}
}

/* Encryption equals net-snmp's sc_encrypt with the IV RFC 3826 / 3414
 * give; decryption gives the plaintext back. */
static void
ciphers_equal_netsnmp(void)
{
	struct usm_ciphers k;
	uint8_t pt[1301], ct[1320], nct[1320], back[1320];
	static const uint8_t salt[8] = { 1, 2, 3, 4, 0xf5, 0xe6, 0xd7, 0xc8 };

	CHECK(usm_ciphers_init(&k) == 0, "cipher contexts made");
	for (size_t i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 13);
	for (uint8_t p = ARGOS_USM_PRIV_DES; p < ARGOS_USM_PRIV_MAX; p++) {
		struct argos_usm_cred c;
		uint8_t ak[64], iv[16];
		size_t lens[] = { 1, 8, 15, 16, 17, 1301 };

		make_cred(ARGOS_USM_AUTH_SHA, p, "auth passphrase 1", "priv passphrase 22", engine1,
			  sizeof(engine1), &c, ak);
		for (size_t j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			size_t n = lens[j], nl = sizeof(nct), ivl;
			int w = usm_encrypt(&k, &c, 7, 123456, salt, pt, n, ct);

			if (p == ARGOS_USM_PRIV_DES) {
				for (unsigned i = 0; i < 8; i++)
					iv[i] = c.priv_key[8 + i] ^ salt[i];
				ivl = 8;
			} else {
				memcpy(iv, (uint8_t[]){ 0, 0, 0, 7, 0, 1, 0xe2, 0x40 }, 8);
				memcpy(iv + 8, salt, 8);
				ivl = 16;
			}
			CHECK(sc_encrypt(priv_oid[p].o, priv_oid[p].len, c.priv_key,
					 p == ARGOS_USM_PRIV_DES ? 8 : c.priv_key_len, iv, (u_int)ivl,
					 pt, (u_int)n, nct, &nl) == SNMPERR_SUCCESS,
			      "net-snmp encrypts %s", argos_usm_priv_name(p));
			/* DES pads to whole blocks with what it likes (RFC 3414
			 * 8.1.1.2: the receiver ignores it): argos and net-snmp
			 * agree up to the last block, and each decrypts the
			 * other's. */
			CHECK(w > 0 && (size_t)w == nl &&
			      memcmp(ct, nct, p == ARGOS_USM_PRIV_DES ? n & ~(size_t)7 : nl) == 0,
			      "%s of %zu bytes: argos's ciphertext (%d bytes) differs from net-snmp's "
			      "(%zu)", argos_usm_priv_name(p), n, w, nl);
			CHECK(usm_decrypt(&k, &c, 7, 123456, salt, 8, nct, nl, back) == (int)nl &&
			      memcmp(back, pt, n) == 0, "%s of %zu bytes: net-snmp's ciphertext "
			      "decrypts", argos_usm_priv_name(p), n);
			CHECK(usm_decrypt(&k, &c, 7, 123456, salt, 8, ct, (size_t)w, back) == w &&
			      memcmp(back, pt, n) == 0, "%s of %zu bytes decrypts back",
			      argos_usm_priv_name(p), n);
		}
		CHECK(p != ARGOS_USM_PRIV_DES || usm_decrypt(&k, &c, 7, 1, salt, 8, ct, 12, back) < 0,
		      "DES refuses a ciphertext that is not whole blocks");
		CHECK(usm_decrypt(&k, &c, 7, 1, salt, 7, ct, 16, back) < 0,
		      "%s refuses a salt of 7 bytes", argos_usm_priv_name(p));
	}
	usm_ciphers_free(&k);
}

/* A message argos makes parses back, field for field; its HMAC is
 * net-snmp's over the message with the MAC zeroed; its scoped PDU
 * decrypts and parses. */
static void
codec_round_trip(void)
{
	struct usm_ciphers k;
	struct argos_oid oid = { .len = 9, .sub = { 1, 3, 6, 1, 2, 1, 31, 1, 1 } };

	usm_ciphers_init(&k);
	for (uint8_t a = ARGOS_USM_AUTH_NONE; a < ARGOS_USM_AUTH_MAX; a++)
		for (uint8_t p = ARGOS_USM_PRIV_NONE; p < ARGOS_USM_PRIV_MAX; p++) {
			struct argos_usm_cred c;
			struct snmp_req req;
			struct snmp_v3_out o;
			struct snmp_v3_msg m;
			struct snmp_v3_scoped sc;
			uint8_t ak[64], pkt[1600], plain[1600], mac[64], nmac[64];
			uint8_t salt[8] = { 9, 8, 7, 6, 5, 4, 3, 2 };
			size_t mac_off, nl = sizeof(nmac);
			int hl, dl;
			struct usm_hmac h;

			if (p && !a)
				continue;
			make_cred(a, p, "auth passphrase 1", "priv passphrase 22", engine2,
				  sizeof(engine2), &c, ak);
			CHECK(snmp_v3_encode_scoped(&req, c.ctx_engine, c.ctx_engine_len,
						    (const uint8_t *)"ctx", 3, SNMP_PDU_GETBULK, 25,
						    &oid, 1) == 0, "scoped PDU encodes");
			snmp_patch_reqid(req.buf, req.reqid_off, 0x12345678);
			o = (struct snmp_v3_out){ .msg_id = 0x12345678, .engine = c.engine,
				.engine_len = c.engine_len, .boots = 3, .time = 2000000000,
				.user = c.user, .user_len = c.user_len, .mac_len = c.mac_len,
				.salt = p ? salt : NULL,
				.flags = (uint8_t)(SNMP_V3_FLAG_REPORTABLE |
						   (a ? SNMP_V3_FLAG_AUTH : 0) |
						   (p ? SNMP_V3_FLAG_PRIV : 0)) };
			o.data_len = p == ARGOS_USM_PRIV_DES ? (req.len + 7u) & ~7u : req.len;
			hl = snmp_v3_encode_header(pkt, sizeof(pkt), &o, &mac_off);
			CHECK(hl > 0, "%s/%s header encodes (%d)", argos_usm_auth_name(a),
			      argos_usm_priv_name(p), hl);
			if (hl <= 0)
				continue;
			if (p) {
				dl = usm_encrypt(&k, &c, 3, 2000000000, salt, req.buf, req.len,
						 pkt + hl);
				CHECK((size_t)dl == o.data_len, "encrypted length");
			} else {
				memcpy(pkt + hl, req.buf, req.len);
				dl = req.len;
			}
			if (a) {
				usm_hmac_begin(&c, &h);
				usm_hmac_update(&h, pkt, (size_t)hl + (size_t)dl);
				usm_hmac_end(&c, &h, mac);
				CHECK(sc_generate_keyed_hash(auth_oid[a].o, auth_oid[a].len, ak,
							     argos_usm_key_len(a), pkt,
							     (size_t)hl + (size_t)dl, nmac,
							     &nl) == SNMPERR_SUCCESS &&
				      memcmp(mac, nmac, c.mac_len) == 0, "HMAC over the message");
				memcpy(pkt + mac_off, mac, c.mac_len);
			}
			CHECK(snmp_msg_version(pkt, (size_t)(hl + dl)) == 3, "msgVersion peeks as 3");
			CHECK(snmp_v3_parse(pkt, (size_t)(hl + dl), &m) == 0,
			      "%s/%s message parses back", argos_usm_auth_name(a),
			      argos_usm_priv_name(p));
			CHECK(m.msg_id == 0x12345678 && m.boots == 3 && m.time == 2000000000 &&
			      m.engine_len == c.engine_len &&
			      !memcmp(m.engine, c.engine, c.engine_len) && m.user_len == 5 &&
			      m.mac_len == c.mac_len && m.mac_off == mac_off &&
			      m.salt_len == (p ? 8u : 0u) && m.max_size == SNMP_V3_MAX_SIZE &&
			      m.flags == o.flags && m.data_len == (size_t)dl +
			      (p ? 0 : 0), "%s/%s fields come back", argos_usm_auth_name(a),
			      argos_usm_priv_name(p));
			if (p) {
				CHECK(usm_decrypt(&k, &c, m.boots, m.time, m.salt, m.salt_len, m.data,
						  m.data_len, plain) == (int)m.data_len, "decrypts");
				CHECK(snmp_v3_parse_scoped(plain, m.data_len, p == ARGOS_USM_PRIV_DES,
							   &sc) == 0, "decrypted scoped PDU parses");
			} else {
				CHECK(snmp_v3_parse_scoped(m.data, m.data_len, 0, &sc) == 0,
				      "scoped PDU parses");
			}
			CHECK(sc.r.pdu_type == SNMP_PDU_GETBULK && sc.r.request_id == 0x12345678 &&
			      sc.r.error_index == 25 && sc.ctx_name_len == 3 &&
			      !memcmp(sc.ctx_name, "ctx", 3), "%s/%s PDU and context come back",
			      argos_usm_auth_name(a), argos_usm_priv_name(p));
			/* Any single byte cut off or added breaks the form. */
			CHECK(snmp_v3_parse(pkt, (size_t)(hl + dl) - 1, &m) != 0,
			      "a message one byte short is refused");
		}
	usm_ciphers_free(&k);
}

/* An engine discovery request: empty engine, user, context, varbinds. */
static void
discovery_request(void)
{
	struct snmp_req req;
	struct snmp_v3_out o = { .msg_id = SNMP_REQID_MIN, .flags = SNMP_V3_FLAG_REPORTABLE };
	struct snmp_v3_msg m;
	struct snmp_v3_scoped sc;
	uint8_t pkt[400];
	size_t mac_off;
	int hl;

	CHECK(snmp_v3_encode_scoped(&req, NULL, 0, NULL, 0, SNMP_PDU_GET, 0, NULL, 0) == 0,
	      "an empty scoped GET encodes");
	o.data_len = req.len;
	hl = snmp_v3_encode_header(pkt, sizeof(pkt), &o, &mac_off);
	CHECK(hl > 0, "the discovery header encodes");
	memcpy(pkt + hl, req.buf, req.len);
	CHECK(snmp_v3_parse(pkt, (size_t)hl + req.len, &m) == 0 && m.engine_len == 0 &&
	      m.user_len == 0 && m.mac_len == 0 && m.salt_len == 0, "discovery parses back");
	CHECK(snmp_v3_parse_scoped(m.data, m.data_len, 0, &sc) == 0 && sc.r.vbl_len == 0,
	      "its scoped PDU has no varbind");
	o.flags = SNMP_V3_FLAG_PRIV;
	CHECK(snmp_v3_encode_header(pkt, sizeof(pkt), &o, &mac_off) < 0,
	      "priv without auth does not encode");
}

int
main(void)
{
	init_snmp("test_usm");   /* net-snmp's crypto tables */
	rfc3414_vectors();
	keys_equal_netsnmp();
	hmac_equals_netsnmp();
	ciphers_equal_netsnmp();
	codec_round_trip();
	discovery_request();
	printf("test_usm: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
