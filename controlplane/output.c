/*
 * output.c - JSON Lines writer (see output.h).
 *
 * Values keep their exact SNMP meaning: integers are printed from
 * 64-bit integers (a Counter64 never passes through a double), strings
 * and Opaque as lowercase hex of the bytes, OIDs dotted without a
 * leading dot, IpAddress as a dotted quad.
 */
#include <inttypes.h>
#include <string.h>

#include "argos_snmp.h"
#include "cp_output.h"

/* A JSON string, escaped (ids and hostnames come from a file). */
static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
json_oid(FILE *f, const uint32_t *sub, uint32_t len)
{
	fputc('"', f);
	for (uint32_t i = 0; i < len; i++)
		fprintf(f, i ? ".%" PRIu32 : "%" PRIu32, sub[i]);
	fputc('"', f);
}

static void
head(FILE *f, const char *kind, const struct cp_device *dev)
{
	fprintf(f, "{\"kind\":\"%s\",\"device_id\":", kind);
	json_str(f, dev->id);
	fputs(",\"hostname\":", f);
	json_str(f, dev->hostname);
}

static int
varbind(FILE *f, const struct argos_rec_varbind *r, const struct cp_device *dev, int64_t ts)
{
	static const char hex[] = "0123456789abcdef";
	const char *type = argos_snmp_type_name(r->type);
	const uint32_t *val = r->data + r->oid_len;
	const uint8_t *bytes = (const uint8_t *)val;

	if (type == NULL)
		return -1;
	head(f, "snmp", dev);
	fputs(",\"oid\":", f);
	json_oid(f, r->data, r->oid_len);
	fprintf(f, ",\"type\":\"%s\",\"value\":", type);
	switch (r->type) {
	case SNMP_T_INTEGER:
		fprintf(f, "%" PRId64, r->num.i);
		break;
	case SNMP_T_COUNTER32:
	case SNMP_T_GAUGE32:
	case SNMP_T_TIMETICKS:
	case SNMP_T_COUNTER64:
		fprintf(f, "%" PRIu64, r->num.u);
		break;
	case SNMP_T_OCTETSTR:
	case SNMP_T_OPAQUE:
		fputc('"', f);
		for (uint32_t i = 0; i < r->val_len; i++) {
			fputc(hex[bytes[i] >> 4], f);
			fputc(hex[bytes[i] & 15], f);
		}
		fputc('"', f);
		break;
	case SNMP_T_IPADDRESS:
		if (r->val_len != 4)
			fputs("null", f);
		else
			fprintf(f, "\"%u.%u.%u.%u\"", bytes[0], bytes[1], bytes[2], bytes[3]);
		break;
	case SNMP_T_OID:
		json_oid(f, val, r->val_len);
		break;
	default:
		fputs("null", f);
		break;
	}
	fprintf(f, ",\"ts_ms\":%" PRId64 "}\n", ts);
	return 0;
}

static void
ping(FILE *f, const struct argos_rec_ping *r, const struct cp_device *dev, int64_t ts)
{
	double loss = r->sent ? 1.0 - (double)r->received / r->sent : 1.0;

	head(f, "ping", dev);
	fprintf(f, ",\"sent\":%u,\"received\":%u", r->sent, r->received);
	if (r->received)
		fprintf(f, ",\"rtt_min_s\":%.9f,\"rtt_avg_s\":%.9f,\"rtt_max_s\":%.9f",
			r->rtt_min_ns / 1e9, r->rtt_sum_ns / 1e9 / r->received,
			r->rtt_max_ns / 1e9);
	else
		fputs(",\"rtt_min_s\":null,\"rtt_avg_s\":null,\"rtt_max_s\":null", f);
	fprintf(f, ",\"loss_ratio\":%.4f,\"ts_ms\":%" PRId64 "}\n", loss, ts);
}

static void
error(FILE *f, const struct argos_rec_error *r, const struct cp_device *dev, int64_t ts)
{
	head(f, "error", dev);
	fprintf(f, ",\"error\":\"%s\",\"probe\":\"%s\"",
		r->error < ARGOS_ERR_MAX ? argos_err_names[r->error] : "unknown",
		r->job_kind == ARGOS_JOB_PING ? "icmp" : "snmp");
	if (r->oid_len) {
		fputs(",\"oid\":", f);
		json_oid(f, r->oid, r->oid_len);
	}
	fprintf(f, ",\"ts_ms\":%" PRId64 "}\n", ts);
}

int
cp_output_record(FILE *f, const struct argos_rec_hdr *h, const struct cp_device *dev,
		 const struct cp_clock *clk)
{
	int64_t ts;

	if (f == NULL)
		return 0;
	ts = cp_clock_ms(clk, h->tsc);
	switch (h->kind) {
	case ARGOS_REC_VARBIND:
		return varbind(f, (const struct argos_rec_varbind *)h, dev, ts);
	case ARGOS_REC_PING:
		ping(f, (const struct argos_rec_ping *)h, dev, ts);
		return 0;
	case ARGOS_REC_ERROR:
		error(f, (const struct argos_rec_error *)h, dev, ts);
		return 0;
	case ARGOS_REC_DONE:
		return 0;
	default:
		return -1;
	}
}
