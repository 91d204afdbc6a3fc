/*
 * db_profiles.c - the profiles table, read into memory: for each profile
 * the OIDs the cores poll and the metrics the exporter names them by.
 *
 * A profile's OID list is, per measure, its walk_oid when it has one,
 * else the OID of each of its active metrics; duplicates once.  The DB
 * thread reloads the whole table on an argos_profiles notification and
 * swaps it in under prof_lock, so readers see the old or the new table,
 * never half of one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

void
db_free_profiles(struct db_profile *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].metrics);
	free(p);
}

static struct db_profile *
find(struct db_profile *p, size_t n, int32_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {   /* loaded ORDER BY id */
		size_t mid = (lo + hi) / 2;

		if (p[mid].id == id)
			return &p[mid];
		if (p[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void
add_oid(struct db_profile *p, const struct argos_oid *o)
{
	for (uint32_t i = 0; i < p->oids.n_oids; i++)
		if (argos_oid_cmp(p->oids.oids[i].sub, p->oids.oids[i].len, o->sub, o->len) == 0)
			return;
	if (p->oids.n_oids == ARGOS_PROFILE_MAX_OIDS) {
		p->too_many = 1;
		return;
	}
	p->oids.oids[p->oids.n_oids++] = *o;
}

int
db_load_profiles(struct cp_db *db, PGconn *c, char *msg, size_t len)
{
	static const char sql[] =
		"SELECT p.id, ms.name, ms.is_indexed, coalesce(ms.walk_oid, ''), mt.name, mt.oid,"
		"  mt.export_as_label, mt.index_pattern, array_to_string(mt.post_processors, ',')"
		" FROM profiles p"
		" LEFT JOIN profile_measures pm ON pm.profile_id = p.id"
		" LEFT JOIN measures ms ON ms.id = pm.measure_id"
		" LEFT JOIN measure_metrics mm ON mm.measure_id = ms.id"
		" LEFT JOIN metrics mt ON mt.id = mm.metric_id AND mt.active"
		" ORDER BY p.id, ms.id, mt.id";
	PGresult *r = PQexec(c, sql);
	struct db_profile *ps = NULL, *old;
	size_t n = 0, n_old;
	int rows;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(msg, len, "cannot read profiles: %s", PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	rows = PQntuples(r);
	ps = calloc((size_t)rows + 1, sizeof(*ps));
	if (!ps)
		goto oom;
	for (int i = 0; i < rows; i++) {
		int32_t id = atoi(PQgetvalue(r, i, 0));
		struct db_profile *p;
		struct cp_db_metric *m;
		struct argos_oid o;

		if (n == 0 || ps[n - 1].id != id) {
			int rows_of = 1;

			while (i + rows_of < rows && atoi(PQgetvalue(r, i + rows_of, 0)) == id)
				rows_of++;
			ps[n].id = id;
			ps[n].metrics = calloc((size_t)rows_of, sizeof(*ps[n].metrics));
			if (!ps[n].metrics)
				goto oom;
			n++;
		}
		p = &ps[n - 1];
		if (PQgetisnull(r, i, 5))
			continue;   /* a profile, or a measure, without metrics */
		if (argos_oid_parse(PQgetvalue(r, i, 5), &o) != 0)
			continue;   /* the table's CHECK makes this impossible */
		m = &p->metrics[p->n_metrics++];
		snprintf(m->name, sizeof(m->name), "%s", PQgetvalue(r, i, 4));
		snprintf(m->measure, sizeof(m->measure), "%s", PQgetvalue(r, i, 1));
		snprintf(m->index_pattern, sizeof(m->index_pattern), "%s", PQgetvalue(r, i, 7));
		snprintf(m->post_processors, sizeof(m->post_processors), "%s",
			 PQgetisnull(r, i, 8) ? "" : PQgetvalue(r, i, 8));
		m->oid = o;
		m->indexed = PQgetvalue(r, i, 2)[0] == 't';
		m->export_as_label = PQgetvalue(r, i, 6)[0] == 't';
		if (PQgetvalue(r, i, 3)[0] && argos_oid_parse(PQgetvalue(r, i, 3), &o) != 0)
			continue;
		add_oid(p, &o);
	}
	PQclear(r);
	for (size_t i = 0; i < n; i++)
		if (ps[i].too_many)
			db_log(db, "profile %d has more than %d OIDs to poll: its devices will "
			       "fail; give its measures a walk_oid", ps[i].id,
			       ARGOS_PROFILE_MAX_OIDS);
	pthread_rwlock_wrlock(&db->prof_lock);
	old = db->profiles;
	n_old = db->n_profiles;
	db->profiles = ps;
	db->n_profiles = n;
	pthread_rwlock_unlock(&db->prof_lock);
	db_free_profiles(old, n_old);
	return 0;
oom:
	PQclear(r);
	if (ps)
		db_free_profiles(ps, n);
	snprintf(msg, len, "out of memory loading profiles");
	return -1;
}

int
cp_db_profile_oids(struct cp_db *db, int32_t profile_id, struct argos_profile *out)
{
	struct db_profile *p;
	int ret = 0;

	pthread_rwlock_rdlock(&db->prof_lock);
	p = find(db->profiles, db->n_profiles, profile_id);
	if (!p)
		ret = -ENOENT;
	else if (p->too_many)
		ret = -E2BIG;
	else
		*out = p->oids;
	pthread_rwlock_unlock(&db->prof_lock);
	return ret;
}

int
cp_db_profile_metrics(struct cp_db *db, int32_t profile_id, struct cp_db_metric *out, size_t max)
{
	struct db_profile *p;
	int ret;

	pthread_rwlock_rdlock(&db->prof_lock);
	p = find(db->profiles, db->n_profiles, profile_id);
	if (!p) {
		ret = -ENOENT;
	} else {
		size_t n = p->n_metrics < max ? p->n_metrics : max;

		memcpy(out, p->metrics, n * sizeof(*out));
		ret = (int)p->n_metrics;
	}
	pthread_rwlock_unlock(&db->prof_lock);
	return ret;
}
