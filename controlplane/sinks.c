/*
 * sinks.c - where each result record goes: the JSON Lines output, the
 * remote-write exporter, and in DB mode the poll's outcome for the
 * database.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cp_app.h"
#include "cp_db.h"
#include "cp_dbmode.h"
#include "rw.h"
#include "sx_app.h"

#define LABELS_MAX 64

/* The device's tags, as the exporter wants them, from the DB mode's
 * "name\0value\0..." pairs. */
static size_t
device_labels(const struct cp_app *app, uint32_t slot, struct rw_label *out)
{
	unsigned want;
	const char *p, *end;
	size_t n = 0;

	if (app->dbm == NULL)
		return 0;
	p = cp_dbmode_labels(app, slot, &want);
	end = p + CP_DB_LABELS_MAX;
	while (n < want && n < LABELS_MAX && p < end) {
		const char *v = memchr(p, '\0', (size_t)(end - p));

		if (v == NULL || ++v >= end || memchr(v, '\0', (size_t)(end - v)) == NULL)
			break;
		out[n].name = p;
		out[n].value = v;
		n++;
		p = v + strlen(v) + 1;
	}
	return n;
}

int
cp_sink_record(struct cp_app *app, const struct argos_rec_hdr *h)
{
	const struct cp_device *dev = &app->devs[h->device];
	int rc = 0;

	if (app->out != NULL && cp_output_record(app->out, h, dev, &app->clk) != 0)
		rc = -1;
	if (app->rw != NULL) {
		struct rw_label labels[LABELS_MAX];
		struct rw_device rd = { .instance = dev->hostname, .labels = labels };

		rd.n_labels = device_labels(app, h->device, labels);
		if (cp_sx_record(app, h, &rd) == 0 &&   /* 1: a module device's varbind */
		    rw_record(app->rw, h, &rd, &app->clk) == -EINVAL)
			rc = -1;
	}
	if (app->dbm != NULL && h->kind == ARGOS_REC_ERROR)
		cp_dbmode_error(app, (const struct argos_rec_error *)h);
	return rc;
}

/* Is oid under one of the subtrees whose names are built in (system,
 * ifTable, ifXTable)?  Those keep snmp_exporter's names and labels. */
static int
built_in(const struct argos_oid *oid)
{
	struct argos_profile p;

	cp_profile_if_mib(&p);
	for (uint32_t i = 0; i < p.n_oids; i++)
		if (argos_oid_in_subtree(oid->sub, oid->len, &p.oids[i]))
			return 1;
	return 0;
}

void
cp_export_profile_names(struct cp_app *app, int32_t db_id)
{
	struct cp_db_metric mt[256];
	int n = cp_db_profile_metrics(cp_dbmode_db(app), db_id, mt, 256);
	char oid[1024];

	for (int i = 0; i < n && i < 256; i++) {
		struct rw_name_opts o = { mt[i].index_pattern, mt[i].post_processors };
		char why[256];

		if (built_in(&mt[i].oid) ||
		    argos_oid_format(mt[i].oid.sub, mt[i].oid.len, oid, sizeof(oid)) < 0)
			continue;
		if (rw_name_add_ex(app->rw, oid, mt[i].name,
				   mt[i].export_as_label ? RW_LOOKUP : RW_GAUGE,
				   mt[i].indexed ? "index" : NULL, &o, why, sizeof(why)) != 0)
			fprintf(stderr, "argos: export: profile %d: metric %s (%s) cannot be "
				"named (%s); its samples are not exported\n", (int)db_id,
				mt[i].name, oid, why);
	}
}
