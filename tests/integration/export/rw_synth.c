/*
 * rw_synth.c - hand-built result records (rw_synth.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argos_job.h"
#include "argos_snmp.h"
#include "rw_synth.h"

static void *
grow(struct synth *s, size_t n)
{
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (s->cap - s->len < n) {
		size_t cap = s->cap ? s->cap : 65536;

		while (cap - s->len < n)
			cap *= 2;
		s->buf = realloc(s->buf, cap);
		if (s->buf == NULL) {
			perror("synth");
			exit(3);
		}
		s->cap = cap;
	}
	p = s->buf + s->len;
	memset(p, 0, n);
	s->len += n;
	return p;
}

void
synth_free(struct synth *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static struct argos_rec_varbind *
varbind(struct synth *s, uint32_t dev, uint64_t tsc, const uint32_t *oid, uint8_t oid_len,
	size_t extra)
{
	size_t size = sizeof(struct argos_rec_varbind) + oid_len * 4u + extra;
	struct argos_rec_varbind *v = grow(s, size);

	v->h.kind = ARGOS_REC_VARBIND;
	v->h.size = (uint16_t)((size + 7) & ~(size_t)7);
	v->h.device = dev;
	v->h.tsc = tsc;
	v->oid_len = oid_len;
	memcpy(v->data, oid, oid_len * 4u);
	return v;
}

void
synth_num(struct synth *s, uint32_t dev, uint64_t tsc, const uint32_t *oid, uint8_t oid_len,
	  uint8_t type, uint64_t v)
{
	struct argos_rec_varbind *r = varbind(s, dev, tsc, oid, oid_len, 0);

	r->type = type;
	r->num.u = v;
}

void
synth_str(struct synth *s, uint32_t dev, uint64_t tsc, const uint32_t *oid, uint8_t oid_len,
	  const void *val, uint16_t len)
{
	struct argos_rec_varbind *r = varbind(s, dev, tsc, oid, oid_len, len);

	r->type = SNMP_T_OCTETSTR;
	r->val_len = len;
	memcpy(r->data + oid_len, val, len);
}

void
synth_ping(struct synth *s, uint32_t dev, uint64_t tsc, uint16_t sent, uint16_t received,
	   uint64_t min_ns, uint64_t sum_ns, uint64_t max_ns)
{
	struct argos_rec_ping *p = grow(s, sizeof(*p));

	p->h.kind = ARGOS_REC_PING;
	p->h.size = sizeof(*p);
	p->h.device = dev;
	p->h.tsc = tsc;
	p->sent = sent;
	p->received = received;
	p->rtt_min_ns = min_ns;
	p->rtt_sum_ns = sum_ns;
	p->rtt_max_ns = max_ns;
}

struct argos_rec_done *
synth_done(struct synth *s, uint32_t dev, uint64_t tsc, uint8_t job_kind, uint8_t ok,
	   uint32_t varbinds, uint64_t start_tsc)
{
	struct argos_rec_done *d = grow(s, sizeof(*d));

	d->h.kind = ARGOS_REC_DONE;
	d->h.size = sizeof(*d);
	d->h.device = dev;
	d->h.tsc = tsc;
	d->job_kind = job_kind;
	d->ok = ok;
	d->varbinds = varbinds;
	d->start_tsc = start_tsc;
	return d;
}

uint32_t
synth_ifmib_poll(struct synth *s, uint32_t dev, uint64_t tsc, unsigned n_if, uint64_t hc_base,
		 const char *name_prefix)
{
	uint32_t sys[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
	uint32_t ift[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 0, 0 };
	uint32_t ifx[] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 0, 0 };
	static const uint8_t ift_type[] = {
		0, SNMP_T_INTEGER, SNMP_T_OCTETSTR, SNMP_T_INTEGER, SNMP_T_INTEGER, SNMP_T_GAUGE32,
		SNMP_T_OCTETSTR, SNMP_T_INTEGER, SNMP_T_INTEGER, SNMP_T_TIMETICKS,
		SNMP_T_COUNTER32, SNMP_T_COUNTER32, SNMP_T_COUNTER32, SNMP_T_COUNTER32,
		SNMP_T_COUNTER32, SNMP_T_COUNTER32, SNMP_T_COUNTER32, SNMP_T_COUNTER32,
		SNMP_T_COUNTER32, SNMP_T_COUNTER32, SNMP_T_COUNTER32, SNMP_T_GAUGE32,
	};
	char text[64];
	uint32_t n = 0;
	uint64_t t = tsc;

	synth_num(s, dev, t++, sys, 9, SNMP_T_TIMETICKS, 123456 + tsc / 10000000);
	sys[7] = 5;
	snprintf(text, sizeof(text), "%sdevice%u", name_prefix, dev);
	synth_str(s, dev, t++, sys, 9, text, (uint16_t)strlen(text));
	n += 2;
	for (uint32_t col = 1; col <= 21; col++) {
		ift[9] = col;
		for (uint32_t i = 1; i <= n_if; i++, n++) {
			ift[10] = i;
			if (col == 2) {
				snprintf(text, sizeof(text), "Ethernet interface %u", i);
				synth_str(s, dev, t++, ift, 11, text, (uint16_t)strlen(text));
			} else if (col == 6) {
				uint8_t mac[6] = { 0x00, 0x1a, 0x2b, 0x3c, 0x4d, (uint8_t)i };

				synth_str(s, dev, t++, ift, 11, mac, 6);
			} else if (col == 1) {
				synth_num(s, dev, t++, ift, 11, ift_type[col], i);
			} else {
				synth_num(s, dev, t++, ift, 11, ift_type[col],
					  (uint64_t)col * 1000 + i + tsc / 1000000);
			}
		}
	}
	for (uint32_t col = 1; col <= 19; col++) {
		ifx[10] = col;
		for (uint32_t i = 1; i <= n_if; i++, n++) {
			ifx[11] = i;
			if (col == 1) {
				snprintf(text, sizeof(text), "%seth%u", name_prefix, i);
				synth_str(s, dev, t++, ifx, 12, text, (uint16_t)strlen(text));
			} else if (col == 18) {
				snprintf(text, sizeof(text), "uplink %u", i);
				synth_str(s, dev, t++, ifx, 12, text, (uint16_t)strlen(text));
			} else if (col == 6) {
				synth_num(s, dev, t++, ifx, 12, SNMP_T_COUNTER64, hc_base + i * 1000);
			} else if (col >= 7 && col <= 13) {
				synth_num(s, dev, t++, ifx, 12, SNMP_T_COUNTER64,
					  (uint64_t)col << 40 | i);
			} else {
				uint8_t type = col <= 5 ? SNMP_T_COUNTER32 :
					       col == 15 ? SNMP_T_GAUGE32 :
					       col == 19 ? SNMP_T_TIMETICKS : SNMP_T_INTEGER;

				synth_num(s, dev, t++, ifx, 12, type, col == 15 ? 10000 : col);
			}
		}
	}
	synth_done(s, dev, t, ARGOS_JOB_SNMP, 1, n, tsc);
	return n;
}
