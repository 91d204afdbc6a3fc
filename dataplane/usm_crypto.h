/*
 * usm_crypto.h - SNMPv3's per-message cryptography for the dataplane:
 * HMAC authentication (RFC 3414 6 and 7, RFC 7860) and privacy (CBC-DES,
 * RFC 3414 8; CFB128-AES, RFC 3826), on keys the control plane localized
 * and prepared (include/argos_usm.h).
 *
 * Nothing here allocates or makes a system call once set up:
 *
 *   - HMAC: the inner and outer digest states (the key XOR ipad / opad,
 *     one block each) are computed once per credential entry by
 *     argos_usm_prepare() and stored in it; a message copies them by
 *     value (OpenSSL's low-level MD5/SHA contexts are plain structs) and
 *     hashes only its own bytes.  Why not EVP_MAC: in OpenSSL 3 its
 *     init and context copies allocate.
 *   - DES: the key schedule is prepared with the HMAC states.
 *   - AES: one EVP_CIPHER_CTX per key size and core, made at setup
 *     (usm_ciphers_init); a message only sets key and IV on it, which
 *     allocates nothing (tests/unit/test_usm_noalloc.c counts).  EVP
 *     because it is the path to AES-NI.
 *
 * The usm_ciphers of a core are its own; the credential entries are
 * read-only and shared by every core.
 */
#ifndef ARGOS_USM_CRYPTO_H
#define ARGOS_USM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "argos_usm.h"

/* The hash states of one HMAC computation in progress (the largest
 * OpenSSL low-level context, SHA512_CTX, is 216 bytes). */
#define USM_HASH_CTX_BYTES 224

struct usm_hmac {
	uint8_t auth;                /* enum argos_usm_auth */
	uint8_t ctx[USM_HASH_CTX_BYTES] __attribute__((aligned(16)));
};

/** A core's cipher contexts, one per AES key size. */
struct usm_ciphers {
	void *aes[3];                /* EVP_CIPHER_CTX *: 128, 192, 256 */
};

/**
 * Make the core's cipher contexts (at setup: this allocates).
 * @return 0, or -ENOMEM.
 */
int usm_ciphers_init(struct usm_ciphers *c);

/** Free them (NULLs are fine). */
void usm_ciphers_free(struct usm_ciphers *c);

/** Start an HMAC with the entry's prepared inner state. */
void usm_hmac_begin(const struct argos_usm_cred *c, struct usm_hmac *h);

/** Hash n more bytes of the message. */
void usm_hmac_update(struct usm_hmac *h, const void *p, size_t n);

/** Hash n zero bytes (msgAuthenticationParameters while it is computed). */
void usm_hmac_zeros(struct usm_hmac *h, size_t n);

/** Finish: the first c->mac_len bytes of the HMAC into mac. */
void usm_hmac_end(const struct argos_usm_cred *c, struct usm_hmac *h, uint8_t *mac);

/** 1 when the n bytes a and b are equal, in time independent of where
 *  they differ (a digest compared). */
int usm_mac_equal(const uint8_t *a, const uint8_t *b, size_t n);

/**
 * 1 when mac (mac_len bytes, found at mac_off in the len bytes of msg)
 * is the entry's HMAC of msg, computed with that field as zeros
 * (RFC 3414 6.3.2, 7.3.2); 0 when it is not, or not of the entry's length.
 */
int usm_digest_ok(const struct argos_usm_cred *c, const uint8_t *msg, size_t len,
		  size_t mac_off, const uint8_t *mac, size_t mac_len);

/**
 * Encrypt a scoped PDU of n bytes into out with the entry's privacy
 * protocol and salt (msgPrivacyParameters, 8 bytes); boots and time are
 * the message's msgAuthoritativeEngineBoots and Time (AES's IV).  out
 * has room for n + 7 bytes: DES pads to a multiple of 8.
 * @return the bytes written (n, or n rounded up to 8 for DES), or -1
 *         for a protocol the entry does not have.
 */
int usm_encrypt(struct usm_ciphers *k, const struct argos_usm_cred *c, uint32_t boots,
		uint32_t time, const uint8_t salt[8], const uint8_t *in, size_t n, uint8_t *out);

/**
 * Decrypt n bytes of encryptedPDU into out (n bytes of room).
 * @return n, or -1: DES's n is not a multiple of 8, the salt is not 8
 *         bytes, or the entry has no privacy.
 */
int usm_decrypt(struct usm_ciphers *k, const struct argos_usm_cred *c, uint32_t boots,
		uint32_t time, const uint8_t *salt, size_t salt_len, const uint8_t *in, size_t n,
		uint8_t *out);

#endif
