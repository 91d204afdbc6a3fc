/*
 * snmp_codec.h - SNMP v1/v2c messages, encoded and decoded with
 * net-snmp's ASN.1/BER primitives (asn_build_*, asn_parse_*,
 * snmp_parse_var_op).  Never its session layer.
 *
 * Pure functions on byte buffers: no DPDK, no allocation, no syscall,
 * so the dataplane calls them from its loop and the unit tests and the
 * fuzzer call them directly.
 *
 * Requests are built once per device and walk step into a template.
 * The request-id is always encoded on exactly four content bytes, so
 * snmp_patch_reqid() can rewrite it in place for every send.
 */
#ifndef ARGOS_SNMP_CODEC_H
#define ARGOS_SNMP_CODEC_H

#include <stdint.h>
#include <stddef.h>

#include "argos_snmp.h"
#include "argos_types.h"

/** Where a BER TLV's parts are: tag, header length, content length. */
struct snmp_tlv {
	uint8_t tag;
	size_t hlen;
	size_t clen;
};

/*
 * Read the header of the TLV at p, of which left bytes are available.
 * Returns 0 when the header and the whole content lie inside those
 * bytes, -1 otherwise.  Multi-byte tags (not used by SNMP, refused by
 * net-snmp) and the indefinite length (forbidden by SNMP's BER subset)
 * are refused.  Long-form lengths of up to four bytes are accepted:
 * some agents always send 0x84 xx xx xx xx.
 */
static inline int
snmp_tlv_peek(const uint8_t *p, size_t left, struct snmp_tlv *t)
{
	size_t clen, hlen;

	if (left < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;
	if (p[1] < 0x80) {
		hlen = 2;
		clen = p[1];
	} else {
		size_t n = p[1] & 0x7f;

		if (n == 0 || n > 4 || left < 2 + n)
			return -1;
		clen = 0;
		for (size_t i = 0; i < n; i++)
			clen = (clen << 8) | p[2 + i];
		hlen = 2 + n;
	}
	if (clen > left - hlen)
		return -1;
	t->tag = p[0];
	t->hlen = hlen;
	t->clen = clen;
	return 0;
}

#define SNMP_PDU_GET      0xA0
#define SNMP_PDU_GETNEXT  0xA1
#define SNMP_PDU_RESPONSE 0xA2
#define SNMP_PDU_GETBULK  0xA5
#define SNMP_PDU_REPORT   0xA8

#define SNMP_VERSION_1  0
#define SNMP_VERSION_2C 1
#define SNMP_VERSION_3  3   /* msgVersion; the message is snmp_v3_codec.h's */

/* error-status values (RFC 3416 section 3) that argos reacts to. */
#define SNMP_ERR_NOERROR    0
#define SNMP_ERR_TOOBIG     1
#define SNMP_ERR_NOSUCHNAME 2
#define SNMP_ERR_GENERR     5

/*
 * Request-ids are drawn from [SNMP_REQID_MIN, SNMP_REQID_MAX]: every
 * value there has a minimal two's-complement encoding of exactly four
 * bytes, which is what lets the id be patched in place.
 */
#define SNMP_REQID_MIN 0x01000000u
#define SNMP_REQID_MAX 0x7fffffffu

#define SNMP_REQ_MAX 1400    /* room for any request argos builds */
/** Largest SNMP message argos decodes: the UDP payload of a 65,535-byte
 *  IPv4 datagram (65,535 - 20 - 8).  A reply of more than one Ethernet
 *  frame arrives in fragments, which the dataplane reassembles. */
#define SNMP_MSG_MAX 65507
/** Largest OCTET STRING / Opaque value snmp_vb_next() accepts: whatever
 *  a message of SNMP_MSG_MAX bytes can carry. */
#define SNMP_VALUE_MAX SNMP_MSG_MAX
#define SNMP_MAX_VARBINDS_PER_REQ 16

/** A request, encoded once, sent many times with a patched id. */
struct snmp_req {
	uint16_t len;        /**< bytes used in buf */
	uint16_t reqid_off;  /**< offset of the 4 request-id content bytes */
	uint8_t buf[SNMP_REQ_MAX];
};

/**
 * Encode a GET, GETNEXT or GETBULK request into req, request-id 0x7fffffff.
 *
 * @param version   SNMP_VERSION_1 or SNMP_VERSION_2C.
 * @param pdu_type  SNMP_PDU_GET, SNMP_PDU_GETNEXT or SNMP_PDU_GETBULK
 *                  (GETBULK needs v2c).
 * @param max_rep   max-repetitions for GETBULK (non-repeaters is 0);
 *                  ignored otherwise.
 * @param oids      n OIDs, each sent with a NULL value.
 * @return 0, -EINVAL for a bad argument (n == 0, n too big, GETBULK
 *         with v1, community longer than 255), -EMSGSIZE when the
 *         request would not fit.
 */
int snmp_encode_request(struct snmp_req *req, int version,
			const uint8_t *community, size_t community_len,
			uint8_t pdu_type, uint32_t max_rep,
			const struct argos_oid *oids, unsigned n);

/**
 * Encode only the PDU of a GET, GETNEXT or GETBULK request into buf
 * (room bytes), request-id 0x7fffffff: what snmp_encode_request wraps
 * in a v1/v2c message, and the v3 codec in a scoped PDU.  n may be 0
 * (an empty varbind list: SNMPv3's engine discovery).
 * @return 0 with *len the bytes written and *reqid_off the offset of the
 *         request-id's 4 content bytes in buf; -EINVAL for a bad
 *         argument; -EMSGSIZE when it does not fit.
 */
int snmp_encode_pdu(uint8_t *buf, size_t room, uint8_t pdu_type, uint32_t max_rep,
		    const struct argos_oid *oids, unsigned n, size_t *len, size_t *reqid_off);

/**
 * Decode the INTEGER TLV at *pp (at most end - *pp bytes) into *out and
 * advance *pp past it.
 * @return 0, or -EBADMSG (not an INTEGER, beyond end, or outside
 *         [-2^31, 2^31-1]); *pp does not move then.
 */
int snmp_parse_int32(const uint8_t **pp, const uint8_t *end, int32_t *out);

/** Write reqid (in [SNMP_REQID_MIN, SNMP_REQID_MAX]) into pkt at off. */
static inline void
snmp_patch_reqid(uint8_t *pkt, uint16_t off, uint32_t reqid)
{
	pkt[off + 0] = (uint8_t)(reqid >> 24);
	pkt[off + 1] = (uint8_t)(reqid >> 16);
	pkt[off + 2] = (uint8_t)(reqid >> 8);
	pkt[off + 3] = (uint8_t)reqid;
}

/** The header of a reply: what is needed to match it to a request. */
struct snmp_reply {
	int32_t version;
	const uint8_t *community;   /**< points into the packet */
	size_t community_len;
	uint8_t pdu_type;
	int32_t request_id;
	int32_t error_status;
	int32_t error_index;
	const uint8_t *vbl;         /**< varbind list contents, in the packet */
	size_t vbl_len;
};

/**
 * Parse a PDU's header (of any tag) that fills exactly len bytes, up to
 * the start of its varbind list: r's pdu_type, request_id,
 * error_status, error_index, vbl and vbl_len.  What snmp_parse_reply
 * does after the community, and the v3 codec inside a scoped PDU.
 * @return 0, or -EBADMSG (r untouched).
 */
int snmp_parse_pdu(const uint8_t *pdu, size_t len, struct snmp_reply *r);

/**
 * Parse the message and PDU headers of a reply, up to the start of the
 * varbind list.  Cheap: this is the validate step, run on every packet.
 * The varbind list is not looked at.
 *
 * @return 0, or -EBADMSG when the bytes are not an SNMP v1/v2c message
 *         (truncated, bad tag or length, lengths beyond len, version
 *         other than 0 or 1, request-id not an INTEGER).
 */
int snmp_parse_reply(const uint8_t *pkt, size_t len, struct snmp_reply *r);

/** One decoded varbind.  Pointers point into the packet. */
struct snmp_varbind {
	struct argos_oid name;
	uint8_t type;          /**< SNMP_T_*, including the three exceptions */
	int64_t i;             /**< INTEGER */
	uint64_t u;            /**< Counter32, Gauge32, TimeTicks, Counter64 */
	const uint8_t *bytes;  /**< OCTET STRING, Opaque, IpAddress (4 bytes) */
	size_t bytes_len;
	struct argos_oid oid;  /**< OBJECT IDENTIFIER value */
};

/** Iterator over a varbind list. */
struct snmp_vb_iter {
	const uint8_t *p;
	size_t left;
};

static inline void
snmp_vb_iter_init(struct snmp_vb_iter *it, const struct snmp_reply *r)
{
	it->p = r->vbl;
	it->left = r->vbl_len;
}

/**
 * Decode the next varbind.
 * @return 1 and fills vb; 0 at the end of the list; -EBADMSG when the
 *         varbind is truncated or malformed, or of a type argos does
 *         not know (the walk then stops with "malformed").
 */
int snmp_vb_next(struct snmp_vb_iter *it, struct snmp_varbind *vb);

/** The JSON name of a value type (argos_snmp_type_name()). */
const char *snmp_type_name(uint8_t type);

#endif
