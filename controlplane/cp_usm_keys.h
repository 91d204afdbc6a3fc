/*
 * cp_usm_keys.h - SNMPv3 keys from passphrases (usm_keys.c): what the
 * control plane does once per user and passphrase (Ku) and once per
 * user and engine (Kul), so that no core ever sees a passphrase.
 *
 *   Ku  = H(the passphrase repeated to 1,048,576 bytes)   RFC 3414 A.2
 *   Kul = H(Ku || engineID || Ku)                         RFC 3414 2.6
 *
 * with H the hash of the user's auth protocol (MD5, SHA-1, SHA-2 as RFC
 * 7860 says).  The privacy key is Kul of the privacy passphrase, cut to
 * the cipher's length; for AES-192/256 with a hash too short, extended
 * first:
 *
 *   net-snmp, draft-blumenthal-aes-usm-04:  Kul = Kul || H(Kul), again
 *                                           until long enough
 *   Cisco, draft-reeder-snmpv3-usm-3desede: Kul = Kul || Kul' where Kul'
 *                                           is Kul localized again with
 *                                           Kul as the passphrase
 *
 * OpenSSL's EVP digests; these allocate, which the control plane may.
 */
#ifndef ARGOS_CP_USM_KEYS_H
#define ARGOS_CP_USM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "argos_usm.h"

/** Passphrases are 8 bytes or more (RFC 3414 11.2, as net-snmp). */
#define CP_USM_PASS_MIN 8

/**
 * Ku of a passphrase for auth protocol auth, into ku
 * (argos_usm_key_len(auth) bytes).
 * @return 0, or -EINVAL (protocol NONE or unknown, passphrase shorter
 *         than CP_USM_PASS_MIN), -ENOMEM.
 */
int cp_usm_ku(uint8_t auth, const char *pass, size_t pass_len, uint8_t *ku);

/**
 * Kul: ku localized to engine (engine_len bytes, 1..32), into kul
 * (argos_usm_key_len(auth) bytes).
 * @return 0, or -EINVAL, -ENOMEM.
 */
int cp_usm_localize(uint8_t auth, const uint8_t *ku, const uint8_t *engine, size_t engine_len,
		    uint8_t *kul);

/**
 * The privacy key of protocol priv for a user with auth protocol auth:
 * ku_priv (Ku of the privacy passphrase) localized to engine, extended
 * by priv's variant when short, cut to argos_usm_priv_len(priv) bytes,
 * into out (ARGOS_USM_PRIV_KEY_MAX bytes of room).
 * @return 0, or -EINVAL, -ENOMEM.
 */
int cp_usm_priv_key(uint8_t auth, uint8_t priv, const uint8_t *ku_priv,
		    const uint8_t *engine, size_t engine_len, uint8_t *out);

#endif
