/*
 * fuzz_sx_load.c - libFuzzer target for the snmp_exporter module loader
 * (controlplane/snmpx): any bytes as an snmp.yml.  The file comes from an
 * operator, not the network, but a loader that crashes or leaks on a
 * broken file is still a bug: it must answer FILE:LINE: reason.
 *
 * A file that loads is also run once through the collector with a few
 * varbinds, so that what the loader accepts cannot crash the collector.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argos_snmp.h"
#include "sx.h"
#include "sx_plan.h"

static int
sink(void *ctx, const char *name, const struct sx_label *l, size_t n, double v, int64_t ts)
{
	(void)ctx, (void)name, (void)l, (void)n, (void)v, (void)ts;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t o1[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 1 };
	static const uint32_t o2[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 1 };
	static const uint32_t o3[] = { 1, 3, 6, 1, 2, 1, 1, 3, 0 };
	char err[512];
	struct sx_config *c = sx_load_mem("fuzz.yml", (const char *)data, size, err, sizeof(err));
	struct sx_pdu v[] = {
		{ .oid = o1, .oid_len = 11, .type = SNMP_T_OCTETSTR, .val = "eth0", .len = 4 },
		{ .oid = o2, .oid_len = 11, .type = SNMP_T_COUNTER64, .u = 1ull << 60 },
		{ .oid = o3, .oid_len = 9, .type = SNMP_T_TIMETICKS, .u = 42 },
	};
	struct sx_pdus p = { v, 3, 0 }, out = { 0 };
	struct sx_collect_opts o = { .wrap_counters = 1 };

	if (c == NULL) {
		if (strncmp(err, "fuzz.yml:", 9) != 0)
			__builtin_trap();   /* every refusal names the file and a line */
		return 0;
	}
	sx_pdus_sort(&p);
	for (uint32_t m = 0; m < c->n_modules && m < 8; m++) {
		struct sx_plan plan;
		uint64_t ret;
		int mi = (int)m;

		if (sx_plan_build(c, &mi, 1, NULL, 0, &plan) == 0)
			sx_plan_free(&plan);
		if (sx_scope(c, mi, &p, &out, &ret) == 0)
			sx_collect(c, mi, &out, &o, sink, NULL);
	}
	free(out.v);
	sx_free(c);
	return 0;
}
