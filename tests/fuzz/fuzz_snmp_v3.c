/*
 * fuzz_snmp_v3.c - libFuzzer target for the SNMPv3 message and USM
 * parameter decoder, and the security steps a core runs on what it
 * decoded.
 *
 * Each input goes through the path snmp_v3.c takes with a reply:
 * snmp_msg_version, snmp_v3_parse (header, msgSecurityParameters), the
 * HMAC over the message with the MAC field as zeros (HMAC-SHA-96 or
 * HMAC-SHA-512-384, by the input's last byte), the decryption of
 * encryptedPDU (AES-128, AES-256 or DES) into a buffer of the decoder's
 * stated size, then snmp_v3_parse_scoped on the plaintext (and, for the
 * unencrypted form, on msgData itself), and every varbind of its PDU.
 * Every pointer and length the decoder hands back is checked to lie
 * inside the input and read, so AddressSanitizer sees any that does not.
 *
 * Seeds: corpus/snmp_v3/ (a discovery request, Reports, responses at
 * each level, their encrypted data random bytes: the decryption runs
 * whatever the key); dictionary: snmp.dict.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "argos_usm.h"
#include "snmp_codec.h"
#include "snmp_v3_codec.h"
#include "usm_crypto.h"

/* Kept visible so the compiler cannot drop the reads that feed it. */
volatile uint64_t fuzz_sink;

static struct usm_ciphers ciphers;
static struct argos_usm_cred creds[3];
static uint8_t plain[SNMP_V3_MAX_SIZE];

static int
inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return n == 0 || (p >= data && n <= size && p - data <= (ptrdiff_t)(size - n));
}

static uint64_t
touch(const uint8_t *p, size_t n)
{
	uint64_t s = n;

	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

/* Three credentials with fixed keys: what matters here is that every
 * length the decoder gives reaches the crypto intact, not the keys. */
static void
setup(void)
{
	static const struct { uint8_t auth, priv; } kinds[3] = {
		{ ARGOS_USM_AUTH_SHA, ARGOS_USM_PRIV_AES },
		{ ARGOS_USM_AUTH_SHA512, ARGOS_USM_PRIV_AES256 },
		{ ARGOS_USM_AUTH_MD5, ARGOS_USM_PRIV_DES },
	};
	uint8_t key[ARGOS_USM_KEY_MAX];

	if (usm_ciphers_init(&ciphers) != 0)
		abort();
	for (unsigned i = 0; i < 3; i++) {
		struct argos_usm_cred *c = &creds[i];

		memset(c, 0, sizeof(*c));
		c->level = ARGOS_USM_PRIV;
		c->auth = kinds[i].auth;
		c->priv = kinds[i].priv;
		c->mac_len = (uint8_t)argos_usm_mac_len(c->auth);
		c->priv_key_len = (uint8_t)argos_usm_priv_len(c->priv);
		for (unsigned j = 0; j < sizeof(key); j++)
			key[j] = (uint8_t)(j * 7 + i);
		memcpy(c->priv_key, key, c->priv_key_len);
		if (argos_usm_prepare(c, key, argos_usm_key_len(c->auth)) != 0)
			abort();
	}
}

static uint64_t
walk_scoped(const struct snmp_v3_scoped *sc, const uint8_t *buf, size_t len)
{
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint64_t sum = 0;
	size_t count = 0;

	if (!inside(sc->ctx_engine, sc->ctx_engine_len, buf, len) ||
	    !inside(sc->ctx_name, sc->ctx_name_len, buf, len) ||
	    !inside(sc->r.vbl, sc->r.vbl_len, buf, len) ||
	    sc->ctx_engine_len > SNMP_V3_ID_MAX || sc->ctx_name_len > SNMP_V3_ID_MAX)
		abort();
	sum += touch(sc->ctx_engine, sc->ctx_engine_len) + touch(sc->ctx_name, sc->ctx_name_len);
	snmp_vb_iter_init(&it, &sc->r);
	while (snmp_vb_next(&it, &vb) == 1) {
		if (++count > len)
			abort();
		if (vb.name.len > ARGOS_OID_MAX)
			abort();
		for (uint32_t i = 0; i < vb.name.len; i++)
			sum += vb.name.sub[i];
		sum += vb.type;
	}
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct snmp_v3_msg m;
	struct snmp_v3_scoped sc;
	const struct argos_usm_cred *c;
	uint64_t sum = 0;

	if (!ready) {
		setup();
		ready = 1;
	}
	if (snmp_msg_version(data, size) != SNMP_VERSION_3)
		return 0;
	if (snmp_v3_parse(data, size, &m) != 0)
		return 0;

	if (!inside(m.engine, m.engine_len, data, size) || !inside(m.user, m.user_len, data, size) ||
	    !inside(m.mac, m.mac_len, data, size) || !inside(m.salt, m.salt_len, data, size) ||
	    !inside(m.data, m.data_len, data, size) ||
	    m.engine_len > SNMP_V3_ID_MAX || m.user_len > SNMP_V3_ID_MAX ||
	    m.boots > ARGOS_USM_BOOTS_MAX || m.time > ARGOS_USM_BOOTS_MAX ||
	    ((m.flags & SNMP_V3_FLAG_PRIV) && !(m.flags & SNMP_V3_FLAG_AUTH)))
		abort();
	if (m.mac_len && (m.mac_off > size || m.mac_len > size - m.mac_off ||
			  data + m.mac_off != m.mac))
		abort();
	sum += touch(m.engine, m.engine_len) + touch(m.user, m.user_len) +
	       touch(m.salt, m.salt_len) + touch(m.data, m.data_len);

	c = &creds[data[size - 1] % 3];
	if ((m.flags & SNMP_V3_FLAG_AUTH) && m.mac_len == c->mac_len) {
		/* digest_ok() in snmp_v3.c, as a core runs it */
		struct usm_hmac h;
		uint8_t mac[SNMP_V3_MAC_MAX];

		usm_hmac_begin(c, &h);
		usm_hmac_update(&h, data, m.mac_off);
		usm_hmac_zeros(&h, m.mac_len);
		usm_hmac_update(&h, data + m.mac_off + m.mac_len, size - m.mac_off - m.mac_len);
		usm_hmac_end(c, &h, mac);
		sum += (uint64_t)usm_mac_equal(mac, m.mac, m.mac_len);
	}
	if (m.flags & SNMP_V3_FLAG_PRIV) {
		int n = usm_decrypt(&ciphers, c, m.boots, m.time, m.salt, m.salt_len, m.data,
				    m.data_len, plain);

		if (n > (int)m.data_len)
			abort();
		if (n >= 0 && snmp_v3_parse_scoped(plain, (size_t)n, c->priv == ARGOS_USM_PRIV_DES,
						   &sc) == 0)
			sum += walk_scoped(&sc, plain, (size_t)n);
	} else if (snmp_v3_parse_scoped(m.data, m.data_len, 0, &sc) == 0) {
		sum += walk_scoped(&sc, data, size);
	}
	/* DES's padded form of the same bytes, which a decrypted PDU may have */
	if (snmp_v3_parse_scoped(m.data, m.data_len, 1, &sc) == 0)
		sum += walk_scoped(&sc, data, size);
	fuzz_sink += sum;
	return 0;
}
