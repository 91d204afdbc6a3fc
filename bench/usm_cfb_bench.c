/*
 * usm_cfb_bench.c - what the AES part of an SNMPv3 authPriv reply costs a
 * core, as argos decrypts it today and as it could (bench/v3-bench's
 * "where the time goes").
 *
 *   cfb:  argos's usm_decrypt(): OpenSSL's AES-128-CFB on an EVP context
 *         made at setup, key and IV set per message.  OpenSSL's CFB-128
 *         mode calls the one-block AES-NI routine once per 16 bytes, each
 *         call waiting for the last (CRYPTO_cfb128_encrypt).
 *   ecb:  the same plaintext from one AES-128-ECB pass: CFB decryption's
 *         keystream is E(IV), E(C1), ..., E(Cn-1), all known up front, so
 *         one ECB call over IV || C1..Cn-1 (AES-NI eight blocks at a time)
 *         and an XOR give it.  Checked equal to cfb's output.
 *   hmac: argos's HMAC-SHA-256 over the same bytes from the prepared
 *         states, for scale.
 *
 *   build/bench/usm_cfb_bench [ITERATIONS] [BYTES]   (default 200000, 1400)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "usm_crypto.h"

static double
ns_since(const struct timespec *t0, unsigned n)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((double)(t1.tv_sec - t0->tv_sec) * 1e9 + (double)(t1.tv_nsec - t0->tv_nsec)) / n;
}

int
main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 200000;
	size_t len = argc > 2 ? (size_t)atoi(argv[2]) : 1400;
	static struct argos_usm_cred c;
	struct usm_ciphers k;
	EVP_CIPHER_CTX *ecb = EVP_CIPHER_CTX_new();
	uint8_t salt[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, key[32], mac[48], iv[16];
	uint8_t *ct, *pt1, *pt2, *ks_in, *ks;
	size_t blocks = (len + 15) / 16;
	struct timespec t0;
	double cfb_ns, ecb_ns, hmac_ns;
	int outl;

	if (len < 16 || len > 65536 || n == 0 || ecb == NULL ||
	    EVP_EncryptInit_ex(ecb, EVP_aes_128_ecb(), NULL, NULL, NULL) != 1 ||
	    usm_ciphers_init(&k) != 0)
		return 2;
	EVP_CIPHER_CTX_set_padding(ecb, 0);
	ct = malloc(len);
	pt1 = malloc(len);
	pt2 = malloc(len);
	ks_in = malloc(blocks * 16);
	ks = malloc(blocks * 16);
	for (size_t i = 0; i < len; i++)
		ct[i] = (uint8_t)(i * 131 + 7);
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 17 + 1);
	c.level = ARGOS_USM_PRIV;
	c.auth = ARGOS_USM_AUTH_SHA256;
	c.priv = ARGOS_USM_PRIV_AES;
	c.priv_key_len = 16;
	memcpy(c.priv_key, key, 16);
	if (argos_usm_prepare(&c, key, 32) != 0)
		return 2;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++)
		usm_decrypt(&k, &c, 1, i, salt, 8, ct, len, pt1);
	cfb_ns = ns_since(&t0, n);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++) {
		/* IV = boots, time, salt (RFC 3826 3.1.2.1), as usm_decrypt */
		memset(iv, 0, 4);
		iv[3] = 1;
		iv[4] = (uint8_t)(i >> 24);
		iv[5] = (uint8_t)(i >> 16);
		iv[6] = (uint8_t)(i >> 8);
		iv[7] = (uint8_t)i;
		memcpy(iv + 8, salt, 8);
		memcpy(ks_in, iv, 16);
		memcpy(ks_in + 16, ct, (blocks - 1) * 16);
		EVP_EncryptInit_ex(ecb, NULL, NULL, c.priv_key, NULL);
		EVP_EncryptUpdate(ecb, ks, &outl, ks_in, (int)(blocks * 16));
		for (size_t j = 0; j < len; j++)
			pt2[j] = ct[j] ^ ks[j];
	}
	ecb_ns = ns_since(&t0, n);
	/* the last message of each loop had the same IV: compare */
	if (memcmp(pt1, pt2, len) != 0) {
		fprintf(stderr, "usm_cfb_bench: the ECB keystream does not give CFB's plaintext\n");
		return 1;
	}

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++) {
		struct usm_hmac h;

		usm_hmac_begin(&c, &h);
		usm_hmac_update(&h, ct, len);
		usm_hmac_end(&c, &h, mac);
	}
	hmac_ns = ns_since(&t0, n);

	printf("usm_cfb_bench: %zu bytes, %u iterations\n", len, n);
	printf("aes128_cfb_decrypt_ns %.0f (%.2f ns/byte)\n", cfb_ns, cfb_ns / (double)len);
	printf("aes128_ecb_keystream_decrypt_ns %.0f (%.2f ns/byte, %.1fx faster)\n", ecb_ns,
	       ecb_ns / (double)len, cfb_ns / ecb_ns);
	printf("hmac_sha256_ns %.0f (%.2f ns/byte)\n", hmac_ns, hmac_ns / (double)len);
	usm_ciphers_free(&k);
	EVP_CIPHER_CTX_free(ecb);
	free(ct);
	free(pt1);
	free(pt2);
	free(ks_in);
	free(ks);
	return 0;
}
