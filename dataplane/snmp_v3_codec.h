/*
 * snmp_v3_codec.h - SNMPv3 messages (RFC 3412 6) with the User-based
 * Security Model's parameters (RFC 3414 2.4), encoded and decoded with
 * net-snmp's ASN.1/BER primitives, as snmp_codec.h does for v1/v2c.
 *
 *   SEQUENCE { msgVersion 3,
 *              SEQUENCE { msgID, msgMaxSize, msgFlags, msgSecurityModel 3 },
 *              OCTET STRING { SEQUENCE { msgAuthoritativeEngineID,
 *                  msgAuthoritativeEngineBoots, msgAuthoritativeEngineTime,
 *                  msgUserName, msgAuthenticationParameters,
 *                  msgPrivacyParameters } },
 *              ScopedPDU, or OCTET STRING (the ScopedPDU encrypted) }
 *   ScopedPDU = SEQUENCE { contextEngineID, contextName, PDU }
 *
 * A request is made in two parts.  The scoped PDU is encoded once per
 * step into a struct snmp_req (its request-id on four bytes at
 * reqid_off, patched for each send, as in v1/v2c); the header is
 * encoded for each send, because each send has its own msgID, engine
 * time and salt (snmp_v3_encode_header).  The caller encrypts the scoped
 * PDU behind the header and writes the HMAC over the whole message into
 * the zeros at *mac_off.  Every constructed header is written in the
 * 4-byte long form (0x82 and two length bytes), so lengths are known
 * before the contents are.
 *
 * Pure functions on byte buffers: no DPDK, no crypto, no allocation.
 */
#ifndef ARGOS_SNMP_V3_CODEC_H
#define ARGOS_SNMP_V3_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "snmp_codec.h"

#define SNMP_V3_USM 3                /* msgSecurityModel of the USM */
#define SNMP_V3_FLAG_AUTH 0x01
#define SNMP_V3_FLAG_PRIV 0x02
#define SNMP_V3_FLAG_REPORTABLE 0x04
#define SNMP_V3_ID_MAX 32            /* engine IDs, user names, context names */
#define SNMP_V3_SALT_LEN 8
#define SNMP_V3_MAC_MAX 48           /* HMAC-SHA-512-384 */
/* msgMaxSize argos asks for: the largest UDP payload of an IPv4
 * datagram, which the dataplane reassembles from fragments. */
#define SNMP_V3_MAX_SIZE 65507
/* The most a header can take: 4 + 3 + (4 + 6 + 6 + 3 + 3) + (4 + 4 + 34 +
 * 6 + 6 + 34 + 50 + 10) + 4 (msgData's OCTET STRING header). */
#define SNMP_V3_HDR_MAX 192
/* A scoped PDU must leave room for the header and DES's padding within
 * one Ethernet frame's 1472 bytes of UDP payload. */
#define SNMP_V3_SCOPED_MAX (1472 - SNMP_V3_HDR_MAX - 8)

/** What the header of one outgoing message says. */
struct snmp_v3_out {
	uint32_t msg_id;             /**< [SNMP_REQID_MIN, SNMP_REQID_MAX], as request-ids */
	uint8_t flags;               /**< SNMP_V3_FLAG_* */
	const uint8_t *engine;       /**< msgAuthoritativeEngineID (0..32 bytes) */
	size_t engine_len;
	uint32_t boots, time;        /**< 0..2^31-1 */
	const uint8_t *user;         /**< msgUserName (0..32 bytes) */
	size_t user_len;
	size_t mac_len;              /**< zeros to reserve for the HMAC (0: noAuth) */
	const uint8_t *salt;         /**< msgPrivacyParameters (8 bytes) or NULL */
	size_t data_len;             /**< bytes that follow the header: the encrypted
	                                  scoped PDU (FLAG_PRIV) or the scoped PDU */
};

/**
 * Encode the header of a message into hdr (room bytes): everything
 * before the encrypted scoped PDU (FLAG_PRIV: the header ends with the
 * OCTET STRING's tag and length) or before the plaintext scoped PDU.
 * The lengths count o->data_len bytes to follow.
 * @return the header's length, with *mac_off the offset of the
 *         o->mac_len zero bytes of msgAuthenticationParameters; -EINVAL
 *         for a field out of range; -EMSGSIZE when room is too small or
 *         the message would pass 65535 bytes.
 */
int snmp_v3_encode_header(uint8_t *hdr, size_t room, const struct snmp_v3_out *o,
			  size_t *mac_off);

/**
 * Encode a scoped PDU (contextEngineID, contextName, then the PDU of
 * snmp_encode_pdu) into req, at most SNMP_V3_SCOPED_MAX bytes; the
 * request-id is at req->reqid_off.  n may be 0 (engine discovery).
 * @return 0, -EINVAL (bad argument, an ID longer than 32 bytes),
 *         -EMSGSIZE.
 */
int snmp_v3_encode_scoped(struct snmp_req *req, const uint8_t *ctx_engine,
			  size_t ctx_engine_len, const uint8_t *ctx_name, size_t ctx_name_len,
			  uint8_t pdu_type, uint32_t max_rep, const struct argos_oid *oids,
			  unsigned n);

/** A message as received.  Pointers point into the packet. */
struct snmp_v3_msg {
	int32_t msg_id;
	int32_t max_size;
	uint8_t flags;
	uint32_t boots, time;
	const uint8_t *engine;
	size_t engine_len;
	const uint8_t *user;
	size_t user_len;
	const uint8_t *mac;          /**< msgAuthenticationParameters' contents */
	size_t mac_len;
	size_t mac_off;              /**< their offset in the packet */
	const uint8_t *salt;         /**< msgPrivacyParameters' contents */
	size_t salt_len;
	const uint8_t *data;         /**< encryptedPDU's contents (FLAG_PRIV), or the
	                                  whole scoped PDU TLV */
	size_t data_len;
};

/**
 * The msgVersion of a datagram: 0, 1 or 3 when it begins as an SNMP
 * message with that version, -1 otherwise.  A peek at its first bytes,
 * to send v3 one way and v1/v2c the other.
 */
int snmp_msg_version(const uint8_t *pkt, size_t len);

/**
 * Parse a v3 message that fills exactly len bytes, up to its msgData,
 * and check its form: version 3, the USM, msgFlags of one byte with
 * priv only beside auth, boots and time in 0..2^31-1, IDs of at most 32
 * bytes, encrypted data exactly when FLAG_PRIV.
 * @return 0, or -EBADMSG (m untouched).
 */
int snmp_v3_parse(const uint8_t *pkt, size_t len, struct snmp_v3_msg *m);

/** A scoped PDU as received; r holds its PDU's header. */
struct snmp_v3_scoped {
	const uint8_t *ctx_engine;
	size_t ctx_engine_len;
	const uint8_t *ctx_name;
	size_t ctx_name_len;
	struct snmp_reply r;         /**< version 3, no community */
};

/**
 * Parse a scoped PDU at p.  Plaintext (pad 0) must fill exactly len
 * bytes; decrypted DES (pad 1) may be followed by up to 7 bytes of
 * padding.
 * @return 0, or -EBADMSG (sc untouched).
 */
int snmp_v3_parse_scoped(const uint8_t *p, size_t len, int pad, struct snmp_v3_scoped *sc);

#endif
