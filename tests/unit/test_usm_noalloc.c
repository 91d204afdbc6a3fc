/*
 * test_usm_noalloc.c - nothing on SNMPv3's per-message path allocates.
 *
 * The dataplane may not allocate in its loop, and OpenSSL 3 allocates
 * in places one would not guess (EVP_MAC init, EVP_MD_CTX copies).  So
 * this program replaces malloc, calloc, realloc and their aligned kin
 * for the whole process (libcrypto and libnetsnmp call them through the
 * PLT) and counts the calls made while the path runs: after the set-up
 * (cipher contexts, prepared entries) and one warm-up message, it
 * sends and receives 2,000 messages for every auth and privacy protocol
 * (encode the scoped PDU and the header, encrypt, HMAC; parse, check
 * the HMAC, decrypt, parse the scoped PDU), exactly as snmp_v3.c does,
 * and requires zero allocations.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "argos_usm.h"
#include "cp_usm_keys.h"
#include "snmp_v3_codec.h"
#include "usm_crypto.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);

static volatile int counting;
static volatile unsigned long allocations;

void *
malloc(size_t n)
{
	if (counting)
		allocations++;
	return __libc_malloc(n);
}

void *
calloc(size_t a, size_t b)
{
	if (counting)
		allocations++;
	return __libc_calloc(a, b);
}

void *
realloc(void *p, size_t n)
{
	if (counting)
		allocations++;
	return __libc_realloc(p, n);
}

void *
memalign(size_t al, size_t n)
{
	if (counting)
		allocations++;
	return __libc_memalign(al, n);
}

void *
aligned_alloc(size_t al, size_t n)
{
	return memalign(al, n);
}

int
posix_memalign(void **out, size_t al, size_t n)
{
	*out = memalign(al, n);
	return *out ? 0 : 12;
}

void
free(void *p)
{
	__libc_free(p);
}

static const uint8_t engine[] = { 0x80, 0x00, 0x1f, 0x88, 0x80, 0x01, 0x02, 0x03, 0x04 };

static int
make_cred(uint8_t auth, uint8_t priv, struct argos_usm_cred *c)
{
	uint8_t ku[64], kul[64];

	memset(c, 0, sizeof(*c));
	c->auth = auth;
	c->priv = priv;
	memcpy(c->user, "argos", 5);
	c->user_len = 5;
	memcpy(c->engine, engine, sizeof(engine));
	c->engine_len = sizeof(engine);
	if (auth && (cp_usm_ku(auth, "a passphrase", 12, ku) || cp_usm_localize(auth, ku, engine,
										sizeof(engine), kul)))
		return -1;
	if (priv) {
		if (cp_usm_priv_key(auth, priv, ku, engine, sizeof(engine), c->priv_key))
			return -1;
		c->priv_key_len = (uint8_t)argos_usm_priv_len(priv);
	}
	return argos_usm_prepare(c, kul, argos_usm_key_len(auth));
}

/* One request sent and received, as snmp_v3.c does it.  @return 0 when
 * every step succeeded. */
static int
one_message(struct usm_ciphers *k, const struct argos_usm_cred *c, uint32_t id,
	    uint64_t salt_n)
{
	static const struct argos_oid oid = { .len = 9, .sub = { 1, 3, 6, 1, 2, 1, 2, 2, 1 } };
	struct snmp_req req;
	struct snmp_v3_out o;
	struct snmp_v3_msg m;
	struct snmp_v3_scoped sc;
	struct usm_hmac h;
	uint8_t pkt[1600], plain[1600], mac[64], salt[8];
	size_t mac_off;
	int hl, dl;

	memcpy(salt, &salt_n, 8);
	if (snmp_v3_encode_scoped(&req, c->engine, c->engine_len, NULL, 0, SNMP_PDU_GETBULK, 25,
				  &oid, 1))
		return -1;
	snmp_patch_reqid(req.buf, req.reqid_off, id);
	o = (struct snmp_v3_out){ .msg_id = id, .engine = c->engine, .engine_len = c->engine_len,
		.boots = 1, .time = 1000, .user = c->user, .user_len = c->user_len,
		.mac_len = c->mac_len, .salt = c->priv ? salt : NULL,
		.flags = (uint8_t)((c->auth ? SNMP_V3_FLAG_AUTH : 0) |
				   (c->priv ? SNMP_V3_FLAG_PRIV : 0)) };
	o.data_len = c->priv == ARGOS_USM_PRIV_DES ? (req.len + 7u) & ~7u : req.len;
	hl = snmp_v3_encode_header(pkt, sizeof(pkt), &o, &mac_off);
	if (hl < 0)
		return -1;
	dl = c->priv ? usm_encrypt(k, c, 1, 1000, salt, req.buf, req.len, pkt + hl) : req.len;
	if (!c->priv)
		memcpy(pkt + hl, req.buf, req.len);
	if (c->auth) {
		usm_hmac_begin(c, &h);
		usm_hmac_update(&h, pkt, (size_t)(hl + dl));
		usm_hmac_end(c, &h, pkt + mac_off);
	}
	/* and back */
	if (snmp_v3_parse(pkt, (size_t)(hl + dl), &m))
		return -1;
	if (c->auth) {
		usm_hmac_begin(c, &h);
		usm_hmac_update(&h, pkt, m.mac_off);
		usm_hmac_zeros(&h, m.mac_len);
		usm_hmac_update(&h, pkt + m.mac_off + m.mac_len,
				(size_t)(hl + dl) - m.mac_off - m.mac_len);
		usm_hmac_end(c, &h, mac);
		if (!usm_mac_equal(mac, m.mac, m.mac_len))
			return -1;
	}
	if (c->priv) {
		if (usm_decrypt(k, c, m.boots, m.time, m.salt, m.salt_len, m.data, m.data_len,
				plain) < 0 ||
		    snmp_v3_parse_scoped(plain, m.data_len, c->priv == ARGOS_USM_PRIV_DES, &sc))
			return -1;
	} else if (snmp_v3_parse_scoped(m.data, m.data_len, 0, &sc)) {
		return -1;
	}
	return sc.r.request_id == (int32_t)id ? 0 : -1;
}

static double
ns_since(const struct timespec *t0, unsigned n)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((double)(t1.tv_sec - t0->tv_sec) * 1e9 + (double)(t1.tv_nsec - t0->tv_nsec)) / n;
}

/* Not a check, a figure for docs/benchmarks.md: what a core spends on
 * USM for one full reply (1400 bytes: a GETBULK's worth of ifXTable)
 * at authPriv SHA-256/AES, the HMAC and the decryption apart. */
static void
time_full_reply(struct usm_ciphers *k, const struct argos_usm_cred *c)
{
	enum { N = 20000, LEN = 1400 };
	static uint8_t in[LEN], out[LEN];
	uint8_t mac[64], salt[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct usm_hmac h;
	struct timespec t0;
	double hmac_ns, dec_ns;

	for (unsigned i = 0; i < LEN; i++)
		in[i] = (uint8_t)i;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < N; i++) {
		usm_hmac_begin(c, &h);
		usm_hmac_update(&h, in, LEN);
		usm_hmac_end(c, &h, mac);
		in[0] ^= mac[0];
	}
	hmac_ns = ns_since(&t0, N);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < N; i++)
		if (usm_decrypt(k, c, 1, 1000 + i, salt, sizeof(salt), in, LEN, out) < 0)
			break;
	dec_ns = ns_since(&t0, N);
	printf("info: a 1400-byte authPriv SHA-256/AES-128 reply costs %.0f ns of USM on one "
	       "core: HMAC-SHA-256 %.0f ns, AES-128-CFB decryption %.0f ns\n", hmac_ns + dec_ns,
	       hmac_ns, dec_ns);
}

int
main(void)
{
	static struct argos_usm_cred creds[ARGOS_USM_AUTH_MAX][ARGOS_USM_PRIV_MAX];
	struct usm_ciphers k;
	unsigned long total = 0, bad = 0;

	if (usm_ciphers_init(&k) != 0) {
		printf("FAIL: the cipher contexts could not be made\n");
		return 1;
	}
	for (uint8_t a = 0; a < ARGOS_USM_AUTH_MAX; a++)
		for (uint8_t p = 0; p < ARGOS_USM_PRIV_MAX; p++)
			if ((a || !p) && make_cred(a, p, &creds[a][p]) != 0) {
				printf("FAIL: no credential for %s/%s\n", argos_usm_auth_name(a),
				       argos_usm_priv_name(p));
				return 1;
			}
	/* warm-up: first uses may set things up lazily (allowed at setup) */
	for (uint8_t a = 0; a < ARGOS_USM_AUTH_MAX; a++)
		for (uint8_t p = 0; p < ARGOS_USM_PRIV_MAX; p++)
			if (a || !p)
				bad += one_message(&k, &creds[a][p], SNMP_REQID_MIN, 1) != 0;
	counting = 1;
	for (uint8_t a = 0; a < ARGOS_USM_AUTH_MAX; a++)
		for (uint8_t p = 0; p < ARGOS_USM_PRIV_MAX; p++)
			for (uint32_t i = 0; (a || !p) && i < 2000; i++, total++)
				bad += one_message(&k, &creds[a][p], SNMP_REQID_MIN + i * 4097,
						   total) != 0;
	counting = 0;
	{	/* the counter must see what OpenSSL allocates, or it proves nothing */
		unsigned long before = allocations;

		counting = 1;
		EVP_MD_CTX_free(EVP_MD_CTX_new());
		counting = 0;
		if (allocations == before) {
			printf("FAIL: the count missed EVP_MD_CTX_new's allocation: it cannot "
			       "see OpenSSL's\n");
			return 1;
		}
		allocations = before;
	}
	time_full_reply(&k, &creds[ARGOS_USM_AUTH_SHA256][ARGOS_USM_PRIV_AES]);
	usm_ciphers_free(&k);
	if (bad)
		printf("FAIL: %lu of %lu messages did not come back whole\n", bad, total);
	if (allocations)
		printf("FAIL: %lu allocations in %lu messages sent and received: the per-message "
		       "path allocates\n", allocations, total);
	else
		printf("ok: %lu messages sent and received, every auth and privacy protocol, "
		       "0 allocations\n", total);
	return bad || allocations ? 1 : 0;
}
