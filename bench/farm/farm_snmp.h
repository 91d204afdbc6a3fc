/*
 * farm_snmp.h - the SNMP agent of argos-farm: one request in, one
 * response out, for any simulated device.
 *
 * Pure code on byte buffers (no DPDK, no allocation, no syscall), with
 * its own small bounded BER reader and writer: the request is checked
 * whole before anything is answered, so a malformed request gets no
 * reply.  bench/farm/fuzz_farm_request.c fuzzes it.  SNMPv3's message
 * and USM are farm_usm.c's; it hands the scoped PDU's PDU to
 * farm_snmp_answer_pdu().
 */
#ifndef ARGOS_FARM_SNMP_H
#define ARGOS_FARM_SNMP_H

#include <stddef.h>
#include <stdint.h>

#include "farm_mib.h"

#define FARM_UDP_MAX 1472           /* largest UDP payload of one Ethernet frame */
#define FARM_REPLY_MAX 65507        /* largest UDP payload of an IPv4 datagram */
/* Room for the message headers in front of the varbinds: v1/v2c's
 * community, or v3's header (SNMP_V3_HDR_MAX), scoped PDU header and
 * PDU header. */
#define FARM_SNMP_RESERVE 384
#define FARM_SNMP_SCRATCH (FARM_SNMP_RESERVE + FARM_REPLY_MAX + 64)
#define FARM_REQ_VB_MAX 256         /* more varbinds cannot fit 1472 bytes */

#define FARM_PDU_GET      0xA0
#define FARM_PDU_GETNEXT  0xA1
#define FARM_PDU_RESPONSE 0xA2
#define FARM_PDU_SET      0xA3
#define FARM_PDU_GETBULK  0xA5
#define FARM_PDU_REPORT   0xA8

#define FARM_ERR_TOOBIG     1
#define FARM_ERR_NOSUCHNAME 2

/** What the agent answers with, and for whom. */
struct farm_snmp_ctx {
	const struct farm_mib *mib;
	const uint8_t *community;
	size_t community_len;
	size_t max_msg;           /**< largest response; 0: FARM_UDP_MAX */
};

/** A response, in the caller's scratch buffer, and what it was. */
struct farm_snmp_out {
	size_t off;               /**< the message is scratch[off, off + len) */
	size_t len;
	uint8_t pdu_type;         /**< of the request */
	uint8_t error_status;     /**< of the response */
	uint32_t n_varbinds;      /**< in the response */
};

/**
 * Answer one SNMP v1/v2c request to device dev (farm_dev()) at
 * time t (seconds since the Unix epoch).  The response is written into
 * scratch (FARM_SNMP_SCRATCH bytes) and never exceeds ctx->max_msg
 * (FARM_UDP_MAX unless set): a GETBULK is cut at whole varbinds, a GET
 * or GETNEXT gets tooBig.
 *
 * @return 0 with *out filled; -EBADMSG for a malformed request (bad
 *         BER, lengths beyond len, trailing bytes, a bad OID, version
 *         other than 0 or 1, more than FARM_REQ_VB_MAX varbinds);
 *         -EACCES for a wrong community; -ENOTSUP for a well-formed
 *         PDU the farm does not serve (SET, traps, a v1 GETBULK);
 *         -EMSGSIZE when not even a tooBig response fits.
 *         *out->pdu_type is set whenever the PDU header was read.
 */
int farm_snmp_answer(const struct farm_snmp_ctx *ctx, const uint8_t *req, size_t len,
		     uint64_t dev, uint64_t t, uint8_t *scratch, struct farm_snmp_out *out);

/**
 * Answer one v2c-style PDU (a TLV that fills len bytes: GET, GETNEXT or
 * GETBULK), as the scoped PDU of an SNMPv3 request holds it.  wrap (> 0)
 * is the bytes the message puts around the response PDU; the message
 * never exceeds max.  The response PDU is at scratch[out->off,
 * out->off + out->len), with FARM_SNMP_RESERVE - 64 bytes or more of
 * room in front of it for the caller's headers.
 * @return 0; -EBADMSG, -ENOTSUP, -EMSGSIZE as farm_snmp_answer().
 */
int farm_snmp_answer_pdu(const struct farm_snmp_ctx *ctx, const uint8_t *pdu, size_t len,
			 size_t wrap, size_t max, uint64_t dev, uint64_t t, uint8_t *scratch,
			 struct farm_snmp_out *out);

/**
 * A Report PDU (RFC 3412 7.1.3) of one varbind: the counter whose OID
 * contents are oid (oid_len bytes, at most 16), as a Counter32 of value.
 * Written at scratch + FARM_SNMP_RESERVE; @return its length (out filled).
 */
size_t farm_snmp_report_pdu(int32_t reqid, const uint8_t *oid, size_t oid_len,
			    uint32_t value, uint8_t *scratch, struct farm_snmp_out *out);

#endif
