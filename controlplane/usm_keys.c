/*
 * usm_keys.c - SNMPv3 keys from passphrases (see cp_usm_keys.h).
 *
 * The arithmetic is the RFCs'; the hashes are OpenSSL's EVP digests.
 * Localized keys are the user's only secrets that leave this file: they
 * go into the cores' credential table (cp_usm.c), and the stack copies
 * made on the way are wiped with OPENSSL_cleanse.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "cp_usm_keys.h"

#define KU_BYTES 1048576   /* RFC 3414 A.2: the passphrase stretched to 1 MB */
#define CHUNK 64

static const EVP_MD *
md_of(uint8_t auth)
{
	switch (auth) {
	case ARGOS_USM_AUTH_MD5:
		return EVP_md5();
	case ARGOS_USM_AUTH_SHA:
		return EVP_sha1();
	case ARGOS_USM_AUTH_SHA224:
		return EVP_sha224();
	case ARGOS_USM_AUTH_SHA256:
		return EVP_sha256();
	case ARGOS_USM_AUTH_SHA384:
		return EVP_sha384();
	case ARGOS_USM_AUTH_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

int
cp_usm_ku(uint8_t auth, const char *pass, size_t pass_len, uint8_t *ku)
{
	const EVP_MD *md = md_of(auth);
	uint8_t chunk[CHUNK];
	EVP_MD_CTX *ctx;
	size_t at = 0;
	int ok;

	if (md == NULL || pass == NULL || pass_len < CP_USM_PASS_MIN || ku == NULL)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	/* The passphrase repeated, 64 bytes at a time, the RFC's way. */
	for (size_t done = 0; ok && done < KU_BYTES; done += CHUNK) {
		for (size_t i = 0; i < CHUNK; i++) {
			chunk[i] = (uint8_t)pass[at++];
			if (at == pass_len)
				at = 0;
		}
		ok = EVP_DigestUpdate(ctx, chunk, CHUNK);
	}
	ok = ok && EVP_DigestFinal_ex(ctx, ku, NULL);
	EVP_MD_CTX_free(ctx);
	OPENSSL_cleanse(chunk, sizeof(chunk));
	return ok ? 0 : -ENOMEM;
}

int
cp_usm_localize(uint8_t auth, const uint8_t *ku, const uint8_t *engine, size_t engine_len,
		uint8_t *kul)
{
	const EVP_MD *md = md_of(auth);
	unsigned n = argos_usm_key_len(auth);
	EVP_MD_CTX *ctx;
	int ok;

	if (md == NULL || ku == NULL || kul == NULL || engine == NULL || engine_len == 0 ||
	    engine_len > ARGOS_USM_ID_MAX)
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, ku, n) &&
	     EVP_DigestUpdate(ctx, engine, engine_len) && EVP_DigestUpdate(ctx, ku, n) &&
	     EVP_DigestFinal_ex(ctx, kul, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -ENOMEM;
}

/* Blumenthal: key = key || H(key) until need bytes (the whole key so far
 * is hashed each time, as net-snmp does). */
static int
extend_blumenthal(uint8_t auth, uint8_t *key, size_t *len, size_t need)
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;

	while (*len < need) {
		size_t take;

		if (!EVP_Digest(key, *len, h, &hl, md_of(auth), NULL))
			return -ENOMEM;
		take = need - *len < hl ? need - *len : hl;
		memcpy(key + *len, h, take);
		*len += take;
	}
	OPENSSL_cleanse(h, sizeof(h));
	return 0;
}

/* Reeder: key = key || localize(Ku(key)) until need bytes: the key so far
 * taken as a passphrase. */
static int
extend_reeder(uint8_t auth, const uint8_t *engine, size_t engine_len, uint8_t *key,
	      size_t *len, size_t need)
{
	uint8_t ku[ARGOS_USM_KEY_MAX], kul[ARGOS_USM_KEY_MAX];
	size_t n = argos_usm_key_len(auth);
	int rc = 0;

	while (rc == 0 && *len < need) {
		size_t take = need - *len < n ? need - *len : n;

		rc = cp_usm_ku(auth, (const char *)key, *len, ku);
		if (rc == 0)
			rc = cp_usm_localize(auth, ku, engine, engine_len, kul);
		if (rc == 0) {
			memcpy(key + *len, kul, take);
			*len += take;
		}
	}
	OPENSSL_cleanse(ku, sizeof(ku));
	OPENSSL_cleanse(kul, sizeof(kul));
	return rc;
}

int
cp_usm_priv_key(uint8_t auth, uint8_t priv, const uint8_t *ku_priv, const uint8_t *engine,
		size_t engine_len, uint8_t *out)
{
	/* room for the longest extension: a 64-byte key never needs one,
	 * a shorter one grows by less than a hash past 32 bytes */
	uint8_t key[2 * ARGOS_USM_KEY_MAX];
	size_t len = argos_usm_key_len(auth), need = argos_usm_priv_len(priv);
	int rc;

	if (need == 0 || out == NULL)
		return -EINVAL;
	rc = cp_usm_localize(auth, ku_priv, engine, engine_len, key);
	if (rc == 0 && len < need) {
		if (priv == ARGOS_USM_PRIV_AES192C || priv == ARGOS_USM_PRIV_AES256C)
			rc = extend_reeder(auth, engine, engine_len, key, &len, need);
		else if (priv == ARGOS_USM_PRIV_AES192 || priv == ARGOS_USM_PRIV_AES256)
			rc = extend_blumenthal(auth, key, &len, need);
		else
			rc = -EINVAL;   /* DES and AES-128 need 16 bytes: every hash has them */
	}
	if (rc == 0)
		memcpy(out, key, need);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}
