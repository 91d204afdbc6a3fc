/*
 * usm_crypto.c - SNMPv3 HMAC and privacy for the dataplane (see
 * usm_crypto.h).
 *
 * Why OpenSSL's low-level MD5/SHA and DES functions, deprecated in
 * OpenSSL 3: their contexts are plain structs that can be prepared once
 * and copied by value, and they never allocate.  They run the same
 * assembly (SHA-NI, AVX2) as EVP.  OPENSSL_API_COMPAT below keeps them
 * declared without deprecation warnings, for this file only.  AES goes
 * through EVP (AES-NI), on contexts made at setup.
 */
#define OPENSSL_API_COMPAT 10101

#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/des.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include "usm_crypto.h"

union usm_hash_ctx {
	MD5_CTX md5;
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512;
};

/* The layout of argos_usm_cred.prep. */
struct usm_prep {
	union usm_hash_ctx inner;     /* after hashing key XOR ipad */
	union usm_hash_ctx outer;     /* after hashing key XOR opad */
	DES_key_schedule des;
};

_Static_assert(sizeof(struct usm_prep) <= ARGOS_USM_PREP_BYTES,
	       "the prepared states do not fit argos_usm_cred.prep");
_Static_assert(sizeof(union usm_hash_ctx) <= USM_HASH_CTX_BYTES,
	       "a hash context does not fit struct usm_hmac");

#define HMAC_BLOCK_MAX 128        /* SHA-384/512; MD5, SHA-1, SHA-224/256: 64 */

static unsigned
block_len(uint8_t auth)
{
	return auth == ARGOS_USM_AUTH_SHA384 || auth == ARGOS_USM_AUTH_SHA512 ? 128 : 64;
}

static void
hash_init(uint8_t auth, union usm_hash_ctx *x)
{
	switch (auth) {
	case ARGOS_USM_AUTH_MD5:
		MD5_Init(&x->md5);
		break;
	case ARGOS_USM_AUTH_SHA:
		SHA1_Init(&x->sha1);
		break;
	case ARGOS_USM_AUTH_SHA224:
		SHA224_Init(&x->sha256);
		break;
	case ARGOS_USM_AUTH_SHA256:
		SHA256_Init(&x->sha256);
		break;
	case ARGOS_USM_AUTH_SHA384:
		SHA384_Init(&x->sha512);
		break;
	case ARGOS_USM_AUTH_SHA512:
		SHA512_Init(&x->sha512);
		break;
	}
}

static void
hash_update(uint8_t auth, union usm_hash_ctx *x, const void *p, size_t n)
{
	switch (auth) {
	case ARGOS_USM_AUTH_MD5:
		MD5_Update(&x->md5, p, n);
		break;
	case ARGOS_USM_AUTH_SHA:
		SHA1_Update(&x->sha1, p, n);
		break;
	case ARGOS_USM_AUTH_SHA224:
	case ARGOS_USM_AUTH_SHA256:
		SHA256_Update(&x->sha256, p, n);   /* SHA-224 shares it */
		break;
	case ARGOS_USM_AUTH_SHA384:
	case ARGOS_USM_AUTH_SHA512:
		SHA512_Update(&x->sha512, p, n);
		break;
	}
}

static void
hash_final(uint8_t auth, union usm_hash_ctx *x, uint8_t *out)
{
	switch (auth) {
	case ARGOS_USM_AUTH_MD5:
		MD5_Final(out, &x->md5);
		break;
	case ARGOS_USM_AUTH_SHA:
		SHA1_Final(out, &x->sha1);
		break;
	case ARGOS_USM_AUTH_SHA224:
		SHA224_Final(out, &x->sha256);
		break;
	case ARGOS_USM_AUTH_SHA256:
		SHA256_Final(out, &x->sha256);
		break;
	case ARGOS_USM_AUTH_SHA384:
		SHA384_Final(out, &x->sha512);
		break;
	case ARGOS_USM_AUTH_SHA512:
		SHA512_Final(out, &x->sha512);
		break;
	}
}

int
argos_usm_prepare(struct argos_usm_cred *c, const uint8_t *auth_key, unsigned auth_key_len)
{
	struct usm_prep *p = (struct usm_prep *)c->prep;
	uint8_t pad[HMAC_BLOCK_MAX];
	unsigned bl;

	if (c->auth >= ARGOS_USM_AUTH_MAX || c->priv >= ARGOS_USM_PRIV_MAX)
		return -EINVAL;
	memset(c->prep, 0, sizeof(c->prep));
	c->mac_len = (uint8_t)argos_usm_mac_len(c->auth);
	if (c->auth != ARGOS_USM_AUTH_NONE) {
		/* RFC 2104 with the localized key as K; it is never longer
		 * than the hash's block, so it is used as it is. */
		if (auth_key == NULL || auth_key_len != argos_usm_key_len(c->auth))
			return -EINVAL;
		bl = block_len(c->auth);
		memset(pad, 0x36, bl);
		for (unsigned i = 0; i < auth_key_len; i++)
			pad[i] ^= auth_key[i];
		hash_init(c->auth, &p->inner);
		hash_update(c->auth, &p->inner, pad, bl);
		memset(pad, 0x5c, bl);
		for (unsigned i = 0; i < auth_key_len; i++)
			pad[i] ^= auth_key[i];
		hash_init(c->auth, &p->outer);
		hash_update(c->auth, &p->outer, pad, bl);
		OPENSSL_cleanse(pad, sizeof(pad));
	}
	if (c->priv != ARGOS_USM_PRIV_NONE && c->priv_key_len != argos_usm_priv_len(c->priv))
		return -EINVAL;
	if (c->priv == ARGOS_USM_PRIV_DES)
		DES_set_key_unchecked((const_DES_cblock *)c->priv_key, &p->des);
	return 0;
}

void
usm_hmac_begin(const struct argos_usm_cred *c, struct usm_hmac *h)
{
	const struct usm_prep *p = (const struct usm_prep *)c->prep;

	h->auth = c->auth;
	memcpy(h->ctx, &p->inner, sizeof(p->inner));
}

void
usm_hmac_update(struct usm_hmac *h, const void *p, size_t n)
{
	hash_update(h->auth, (union usm_hash_ctx *)h->ctx, p, n);
}

void
usm_hmac_zeros(struct usm_hmac *h, size_t n)
{
	static const uint8_t zeros[64];

	while (n > 0) {
		size_t k = n < sizeof(zeros) ? n : sizeof(zeros);

		usm_hmac_update(h, zeros, k);
		n -= k;
	}
}

void
usm_hmac_end(const struct argos_usm_cred *c, struct usm_hmac *h, uint8_t *mac)
{
	const struct usm_prep *p = (const struct usm_prep *)c->prep;
	union usm_hash_ctx outer;
	uint8_t inner[64], full[64];

	hash_final(h->auth, (union usm_hash_ctx *)h->ctx, inner);
	memcpy(&outer, &p->outer, sizeof(outer));
	hash_update(h->auth, &outer, inner, argos_usm_key_len(h->auth));
	hash_final(h->auth, &outer, full);
	memcpy(mac, full, c->mac_len);
}

int
usm_mac_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

int
usm_digest_ok(const struct argos_usm_cred *c, const uint8_t *msg, size_t len, size_t mac_off,
	      const uint8_t *mac, size_t mac_len)
{
	struct usm_hmac h;
	uint8_t want[ARGOS_USM_KEY_MAX];

	if (mac_len != c->mac_len || mac_off + mac_len > len)
		return 0;
	usm_hmac_begin(c, &h);
	usm_hmac_update(&h, msg, mac_off);
	usm_hmac_zeros(&h, mac_len);
	usm_hmac_update(&h, msg + mac_off + mac_len, len - mac_off - mac_len);
	usm_hmac_end(c, &h, want);
	return usm_mac_equal(want, mac, mac_len);
}

int
usm_ciphers_init(struct usm_ciphers *k)
{
	static const char *const names[3] = { "AES-128-CFB", "AES-192-CFB", "AES-256-CFB" };

	memset(k, 0, sizeof(*k));
	for (unsigned i = 0; i < 3; i++) {
		EVP_CIPHER *ciph = EVP_CIPHER_fetch(NULL, names[i], NULL);
		EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
		int ok = ciph != NULL && ctx != NULL &&
			 EVP_CipherInit_ex(ctx, ciph, NULL, NULL, NULL, 1) == 1;

		EVP_CIPHER_free(ciph);   /* the context holds its own reference */
		if (!ok) {
			EVP_CIPHER_CTX_free(ctx);
			usm_ciphers_free(k);
			return -ENOMEM;
		}
		k->aes[i] = ctx;
	}
	return 0;
}

void
usm_ciphers_free(struct usm_ciphers *k)
{
	for (unsigned i = 0; i < 3; i++) {
		EVP_CIPHER_CTX_free(k->aes[i]);
		k->aes[i] = NULL;
	}
}

static EVP_CIPHER_CTX *
aes_ctx(struct usm_ciphers *k, uint8_t priv)
{
	switch (priv) {
	case ARGOS_USM_PRIV_AES:
		return k->aes[0];
	case ARGOS_USM_PRIV_AES192:
	case ARGOS_USM_PRIV_AES192C:
		return k->aes[1];
	case ARGOS_USM_PRIV_AES256:
	case ARGOS_USM_PRIV_AES256C:
		return k->aes[2];
	default:
		return NULL;
	}
}

/* AES-CFB128 either way: the IV is boots, time and the salt (RFC 3826
 * 3.1.2.1); only the key and IV are set on the prepared context. */
static int
aes_cfb(struct usm_ciphers *k, const struct argos_usm_cred *c, uint32_t boots, uint32_t time,
	const uint8_t salt[8], const uint8_t *in, size_t n, uint8_t *out, int enc)
{
	EVP_CIPHER_CTX *ctx = aes_ctx(k, c->priv);
	uint8_t iv[16];
	int outl = 0;

	if (ctx == NULL || n > INT32_MAX)
		return -1;
	iv[0] = (uint8_t)(boots >> 24);
	iv[1] = (uint8_t)(boots >> 16);
	iv[2] = (uint8_t)(boots >> 8);
	iv[3] = (uint8_t)boots;
	iv[4] = (uint8_t)(time >> 24);
	iv[5] = (uint8_t)(time >> 16);
	iv[6] = (uint8_t)(time >> 8);
	iv[7] = (uint8_t)time;
	memcpy(iv + 8, salt, 8);
	if (EVP_CipherInit_ex(ctx, NULL, NULL, c->priv_key, iv, enc) != 1 ||
	    EVP_CipherUpdate(ctx, out, &outl, in, (int)n) != 1 || (size_t)outl != n)
		return -1;
	return (int)n;
}

/* CBC-DES: IV = pre-IV (the key's second 8 bytes) XOR salt (RFC 3414 8.1.1.1). */
static void
des_iv(const struct argos_usm_cred *c, const uint8_t *salt, DES_cblock *iv)
{
	for (unsigned i = 0; i < 8; i++)
		(*iv)[i] = c->priv_key[8 + i] ^ salt[i];
}

int
usm_encrypt(struct usm_ciphers *k, const struct argos_usm_cred *c, uint32_t boots,
	    uint32_t time, const uint8_t salt[8], const uint8_t *in, size_t n, uint8_t *out)
{
	const struct usm_prep *p = (const struct usm_prep *)c->prep;
	DES_key_schedule ks;
	DES_cblock iv;
	uint8_t last[8];
	size_t whole = n & ~(size_t)7;

	if (c->priv != ARGOS_USM_PRIV_DES)
		return aes_cfb(k, c, boots, time, salt, in, n, out, 1);
	if (n > INT32_MAX)
		return -1;
	/* The padding is zeros: the receiver ignores it (the scoped PDU's
	 * own length says where it ends). */
	memcpy(&ks, &p->des, sizeof(ks));
	des_iv(c, salt, &iv);
	if (whole)
		DES_ncbc_encrypt(in, out, (long)whole, &ks, &iv, DES_ENCRYPT);
	if (whole < n) {
		memset(last, 0, sizeof(last));
		memcpy(last, in + whole, n - whole);
		DES_ncbc_encrypt(last, out + whole, 8, &ks, &iv, DES_ENCRYPT);
		whole += 8;
	}
	return (int)whole;
}

int
usm_decrypt(struct usm_ciphers *k, const struct argos_usm_cred *c, uint32_t boots,
	    uint32_t time, const uint8_t *salt, size_t salt_len, const uint8_t *in, size_t n,
	    uint8_t *out)
{
	const struct usm_prep *p = (const struct usm_prep *)c->prep;
	DES_key_schedule ks;
	DES_cblock iv;

	if (salt_len != 8 || n > INT32_MAX)
		return -1;
	if (c->priv != ARGOS_USM_PRIV_DES)
		return aes_cfb(k, c, boots, time, salt, in, n, out, 0);
	if (n % 8 != 0)
		return -1;
	memcpy(&ks, &p->des, sizeof(ks));
	des_iv(c, salt, &iv);
	DES_ncbc_encrypt(in, out, (long)n, &ks, &iv, DES_DECRYPT);
	return (int)n;
}
