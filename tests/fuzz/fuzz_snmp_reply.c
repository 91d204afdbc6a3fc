/*
 * fuzz_snmp_reply.c - libFuzzer target for the SNMP reply decoder.
 *
 * Feeds each input to snmp_parse_reply() and, when the header parses,
 * walks every varbind with snmp_vb_next().  Every byte and
 * sub-identifier the decoder hands back is read and summed, so
 * AddressSanitizer flags any pointer or length that reaches outside
 * the input.  It also checks the decoder's own promises: returned
 * pointers lie inside the input, lengths respect their limits, and the
 * walk cannot return more varbinds than the list has room for.
 *
 * Seeds: corpus/snmp_reply/; dictionary: snmp.dict.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "snmp_codec.h"

/* Kept visible so the compiler cannot drop the reads that feed it. */
volatile uint64_t fuzz_sink;

static int
inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return p >= data && n <= size && p - data <= (ptrdiff_t)(size - n);
}

static uint64_t
touch_oid(const struct argos_oid *o)
{
	uint64_t sum = o->len;

	if (o->len > ARGOS_OID_MAX)
		abort();
	for (uint32_t i = 0; i < o->len; i++)
		sum += o->sub[i];
	return sum;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snmp_reply r;
	struct snmp_vb_iter it;
	struct snmp_varbind vb;
	uint64_t sum = 0;
	size_t count = 0;
	int rc;

	if (snmp_parse_reply(data, size, &r) != 0)
		return 0;

	if (r.version != SNMP_VERSION_1 && r.version != SNMP_VERSION_2C)
		abort();
	if (!inside(r.community, r.community_len, data, size) ||
	    !inside(r.vbl, r.vbl_len, data, size))
		abort();
	for (size_t i = 0; i < r.community_len; i++)
		sum += r.community[i];
	sum += (uint64_t)r.request_id + (uint64_t)r.error_status +
	       (uint64_t)r.error_index + r.pdu_type;

	snmp_vb_iter_init(&it, &r);
	while ((rc = snmp_vb_next(&it, &vb)) == 1) {
		/* A varbind is at least 30 xx 06 01 xx 05 00: 7 bytes. */
		if (++count > r.vbl_len / 7)
			abort();
		if (snmp_type_name(vb.type) == NULL)
			abort();
		sum += touch_oid(&vb.name) + vb.type;
		switch (vb.type) {
		case SNMP_T_INTEGER:
			if (vb.i < INT32_MIN || vb.i > INT32_MAX)
				abort();
			sum += (uint64_t)vb.i;
			break;
		case SNMP_T_COUNTER32:
		case SNMP_T_GAUGE32:
		case SNMP_T_TIMETICKS:
			if (vb.u > UINT32_MAX)
				abort();
			sum += vb.u;
			break;
		case SNMP_T_COUNTER64:
			sum += vb.u;
			break;
		case SNMP_T_OCTETSTR:
		case SNMP_T_OPAQUE:
		case SNMP_T_IPADDRESS:
			if (vb.bytes_len > SNMP_VALUE_MAX ||
			    (vb.type == SNMP_T_IPADDRESS && vb.bytes_len != 4) ||
			    (vb.bytes_len && !inside(vb.bytes, vb.bytes_len, data, size)))
				abort();
			for (size_t i = 0; i < vb.bytes_len; i++)
				sum += vb.bytes[i];
			break;
		case SNMP_T_OID:
			sum += touch_oid(&vb.oid);
			break;
		default:
			break;
		}
	}
	if (rc != 0 && rc != -EBADMSG)
		abort();

	fuzz_sink = sum;
	return 0;
}
