/*
 * db_claim.c - the DB thread's statements: claim the due devices,
 * write results back, release leases, prune reports, heartbeat.
 *
 * Every round trip is one statement whatever the number of devices:
 * a claim is one UPDATE ... WHERE id = ANY(ARRAY(SELECT ... FOR UPDATE
 * SKIP LOCKED LIMIT n)) (the array makes the update a primary-key
 * lookup per row, where a join would hash the whole table); a
 * write-back is one statement over unnest()ed arrays that updates the
 * devices and inserts the error reports in CTEs.  Arrays go as text
 * literals ('{1,2,3}'), which libpq sends without any per-row round
 * trip.
 *
 * Why a claim is cheap (migration 004): it sets only is_polling and the
 * lease columns, which no index covers, on pages kept 60% empty, so
 * each claimed row is a HOT update (no index touched), and it returns
 * the tags already joined as labels.  The write-back moves the due time,
 * an indexed key, so it is the one full update of each poll.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db_internal.h"
#include "device_check.h"

#define CLAIM_USM_COL 22   /* the first of DB_USM_COLS in a claim's RETURNING */

/* The columns of each kind of claim: SNMP polls and pings lease apart. */
struct kind_cols {
	const char *flag, *owner, *until, *due, *freq;
};

static const struct kind_cols snmp_cols = {
	"is_polling", "claim_owner", "claim_until", "snmp_due_at", "polling_frequency" };
static const struct kind_cols ping_cols = {
	"is_pinging", "ping_claim_owner", "ping_claim_until", "ping_due_at", "ping_frequency" };

/* A growable string for array literals. */
struct sbuf {
	char *p;
	size_t n, cap;
	int oom;
};

static void
sb_put(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void
sb_num(struct sbuf *b, long long v)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%s%lld", b->n > 1 ? "," : "", v);

	sb_put(b, t, (size_t)n);
}

/* An array element in double quotes, with " and \ escaped. */
static void
sb_text(struct sbuf *b, const char *s)
{
	sb_put(b, b->n > 1 ? ",\"" : "\"", b->n > 1 ? 2 : 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_put(b, "\\", 1);
		sb_put(b, s, 1);
	}
	sb_put(b, "\"", 1);
}

static void
sb_free(struct sbuf *b)
{
	free(b->p);
}

/*
 * Run one statement on the DB thread's session.  Returns the result
 * when it succeeded, else NULL after logging (and PQclear).
 */
PGresult *
db_run(struct cp_db *db, const char *what, const char *sql, int n, const char *const *params)
{
	PGresult *r = PQexecParams(db->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType s = PQresultStatus(r);

	pthread_mutex_lock(&db->q_lock);
	db->st.statements++;
	pthread_mutex_unlock(&db->q_lock);
	if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
		return r;
	if (!db_conn_lost(db->conn))
		db_log(db, "%s failed: %s", what, PQresultErrorMessage(r));
	PQclear(r);
	return NULL;
}

/* Split "k\x1fv\x1ek\x1fv" into the claim's NUL-separated label pairs. */
static void
set_labels(struct cp_db_claim *c, const char *s)
{
	size_t used = 0;

	c->n_labels = 0;
	while (*s) {
		size_t k = strcspn(s, "\x1f\x1e");
		const char *v = s + k + (s[k] == '\x1f');
		size_t vl = s[k] == '\x1f' ? strcspn(v, "\x1e") : 0;

		if (used + k + vl + 2 > sizeof(c->labels) || c->n_labels == UINT8_MAX)
			break;   /* cannot happen: tags are at most 400 bytes */
		memcpy(c->labels + used, s, k);
		used += k;
		c->labels[used++] = '\0';
		memcpy(c->labels + used, v, vl);
		used += vl;
		c->labels[used++] = '\0';
		c->n_labels++;
		s = v + vl;
		if (*s == '\x1e')
			s++;
	}
}

/* The row against the rules every device source shares (device_check.h). */
static void
check_claim(PGresult *r, int i, struct cp_db_claim *c)
{
	struct cp_device_check d = {
		.hostname = PQgetvalue(r, i, 2),
		.ip = c->ip,
		.community = PQgetvalue(r, i, 4),
		.alt_community = PQgetvalue(r, i, 5),
		.snmp_version = db_snmp_version(PQgetvalue(r, i, 3)),
		.usm = &c->usm,
		.snmp_port = atoll(PQgetvalue(r, i, 6)),
		.snmp_timeout_ms = atoll(PQgetvalue(r, i, 7)) * 1000,
		.snmp_retries = atoll(PQgetvalue(r, i, 8)),
		.snmp_max_repetitions = atoll(PQgetvalue(r, i, 9)),
	};

	if (db_usm_row(r, i, CLAIM_USM_COL, &c->usm, c->refused, sizeof(c->refused)) == 0)
		cp_device_check(&d, c->refused, sizeof(c->refused));
	if (c->snmp_version != 3 || c->refused[0])
		memset(&c->usm, 0, sizeof(c->usm));   /* no passphrase travels further */
}

void
db_row_to_claim(PGresult *r, int i, uint8_t kind, struct cp_db_claim *c)
{
	struct in_addr a = { 0 };

	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->device_id = atoll(PQgetvalue(r, i, 0));
	inet_pton(AF_INET, PQgetvalue(r, i, 1), &a);
	c->ip = a.s_addr;
	snprintf(c->hostname, sizeof(c->hostname), "%s", PQgetvalue(r, i, 2));
	c->snmp_version = (uint8_t)db_snmp_version(PQgetvalue(r, i, 3));
	snprintf(c->community, sizeof(c->community), "%s", PQgetvalue(r, i, 4));
	snprintf(c->alt_community, sizeof(c->alt_community), "%s", PQgetvalue(r, i, 5));
	c->port = (uint16_t)atoi(PQgetvalue(r, i, 6));
	c->timeout_ms = (uint32_t)atoi(PQgetvalue(r, i, 7)) * 1000;
	c->retries = (uint8_t)atoi(PQgetvalue(r, i, 8));
	c->max_repetitions = (uint16_t)atoi(PQgetvalue(r, i, 9));
	c->snmp_flags = (uint16_t)((PQgetvalue(r, i, 10)[0] == 't' ? ARGOS_JOB_GETNEXT : 0) |
				   (PQgetvalue(r, i, 15)[0] == 't' ? ARGOS_JOB_ANY_SOURCE : 0) |
				   (PQgetvalue(r, i, 16)[0] == 't' ? ARGOS_JOB_NONINCREASING : 0) |
				   (PQgetvalue(r, i, 17)[0] == 't' ? ARGOS_JOB_PAST_EXCEPTIONS : 0));
	c->profile_id = atoi(PQgetvalue(r, i, 11));
	c->priority = atoi(PQgetvalue(r, i, 12));
	set_labels(c, PQgetvalue(r, i, 13));
	c->claimed_at_ms = atoll(PQgetvalue(r, i, 14));
	c->learnt_max_repetitions = PQgetisnull(r, i, 18) ? 0 :
				    (uint16_t)atoi(PQgetvalue(r, i, 18));
	c->alt_in_use = PQgetvalue(r, i, 19)[0] == 't';
	snprintf(c->sx_modules, sizeof(c->sx_modules), "%s", PQgetvalue(r, i, 20));
	snprintf(c->sx_auth, sizeof(c->sx_auth), "%s", PQgetvalue(r, i, 21));
	c->bucket = (uint16_t)(c->device_id % CP_DB_BUCKETS);
	if (PQnfields(r) > DB_OWN_COL + 3) {   /* own mode's load */
		c->snmp_every_s = (uint32_t)atol(PQgetvalue(r, i, DB_OWN_COL));
		c->ping_every_s = (uint32_t)atol(PQgetvalue(r, i, DB_OWN_COL + 1));
		c->last_polled_ms = atoll(PQgetvalue(r, i, DB_OWN_COL + 2));   /* "" -> 0 */
		c->last_pinged_ms = atoll(PQgetvalue(r, i, DB_OWN_COL + 3));
	}
	check_claim(r, i, c);
}

/*
 * Claim due devices of one kind, at most limit, or exactly the devices
 * in ids (argos_poll_now) when n_ids > 0.  Claims are queued for the
 * main thread.  Returns the number claimed, or -1.
 */
int
db_claim(struct cp_db *db, uint8_t kind, uint32_t limit, const int64_t *ids, size_t n_ids)
{
	const struct kind_cols *k = kind == CP_DB_SNMP ? &snmp_cols : &ping_cols;
	char sql[4096], where[768], lim[16], lease[16];
	const char *params[4];
	struct sbuf idarr = { 0 };
	struct cp_db_claim *claims;
	struct timespec t_start, t_end;
	uint64_t us;
	PGresult *r;
	int n;

	if (n_ids) {
		sb_put(&idarr, "{", 1);
		for (size_t i = 0; i < n_ids; i++)
			sb_num(&idarr, ids[i]);
		sb_put(&idarr, "}", 1);
		if (idarr.oom)
			return -1;
		snprintf(where, sizeof(where),
			 "id = ANY($4::bigint[]) AND poller_group = $1::text AND active AND NOT %s",
			 k->flag);
	} else {
		/* The rank bound is implied by the due test (priority >= 0); it
		 * stops the index scan at the last device due. */
		snprintf(where, sizeof(where),
			 "poller_group = $1::text AND active AND NOT %s AND %s > 0"
			 " AND argos_rank(%s, priority) <= now() AND %s <= now()"
			 " ORDER BY argos_rank(%s, priority) LIMIT $2::int",
			 k->flag, k->freq, k->due, k->due, k->due);
	}
	snprintf(sql, sizeof(sql),
		 "UPDATE devices d SET %s = true, %s = $3,"
		 " %s = now() + %s::int * interval '1 second'"
		 " WHERE d.id = ANY(ARRAY(SELECT id FROM devices WHERE %s FOR UPDATE SKIP LOCKED))"
		 " RETURNING" DB_DEVICE_COLS,
		 k->flag, k->owner, k->until, n_ids ? "$2" : "$4", where);
	snprintf(lim, sizeof(lim), "%u", limit);
	snprintf(lease, sizeof(lease), "%u", db->o.lease_s);
	params[0] = db->o.poller_group;
	params[1] = n_ids ? lease : lim;
	params[2] = db->o.appliance;
	params[3] = n_ids ? idarr.p : lease;
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	r = db_run(db, "claim", sql, 4, params);
	clock_gettime(CLOCK_MONOTONIC, &t_end);
	us = (uint64_t)(t_end.tv_sec - t_start.tv_sec) * 1000000 +
	     (uint64_t)((t_end.tv_nsec - t_start.tv_nsec) / 1000);
	sb_free(&idarr);
	if (!r)
		return -1;
	n = PQntuples(r);
	claims = n ? malloc((size_t)n * sizeof(*claims)) : NULL;
	if (n && !claims) {
		PQclear(r);
		db_log(db, "out of memory for %d claims; their leases will expire", n);
		return -1;
	}
	for (int i = 0; i < n; i++)
		db_row_to_claim(r, i, kind, &claims[i]);
	PQclear(r);
	pthread_mutex_lock(&db->q_lock);
	db->st.claim_rounds++;
	db->st.claim_round_us_last = us;
	db->st.claim_round_us_sum += us;
	pthread_mutex_unlock(&db->q_lock);
	if (n)
		db_push_claims(db, claims, (size_t)n);
	free(claims);
	return n;
}

/*
 * Write n results in one statement: the devices' poll state and lease,
 * and the failed ones into reports.  A result only touches a device
 * this appliance still holds (or nobody holds: its lease expired while
 * Postgres was away), never one another appliance claimed since.
 * Returns 0, or -1 (the caller keeps the batch and retries).
 */
int
db_write_back(struct cp_db *db, const struct cp_db_result *res, size_t n)
{
	static const char sql[] =
		"WITH r AS (SELECT * FROM unnest($1::bigint[], $2::int2[], $3::int2[],"
		"   $4::bigint[], $5::int4[], $6::text[], $7::text[], $10::int4[], $11::int2[])"
		"   AS r (id, kind, err, req_ms, dur, ename, detail, maxrep, alt)),"
		" s AS (UPDATE devices d SET is_polling = false, claim_owner = NULL,"
		"   claim_until = NULL, last_polled_at = to_timestamp(r.req_ms / 1000.0),"
		"   last_poll_ok = r.err = 0,"
		"   snmp_learnt_max_repetitions = CASE WHEN r.maxrep > 0"
		"     THEN least(r.maxrep, d.snmp_max_repetitions)"
		"     ELSE d.snmp_learnt_max_repetitions END,"
		"   snmp_alternate_in_use = CASE WHEN r.alt < 0 THEN d.snmp_alternate_in_use"
		"     ELSE r.alt = 1 END,"
		"   snmp_due_at = to_timestamp(r.req_ms / 1000.0) + interval '1 second' *"
		"     CASE WHEN r.err = 0 OR $9::int = 0 THEN d.polling_frequency"
		"          ELSE least(d.polling_frequency, $9::int) END"
		"   FROM r WHERE r.kind = 1 AND d.id = r.id"
		"     AND (d.claim_owner = $8 OR d.claim_owner IS NULL) RETURNING 1),"
		" p AS (UPDATE devices d SET is_pinging = false, ping_claim_owner = NULL,"
		"   ping_claim_until = NULL, last_pinged_at = to_timestamp(r.req_ms / 1000.0),"
		"   ping_due_at = to_timestamp(r.req_ms / 1000.0) +"
		"     d.ping_frequency * interval '1 second'"
		"   FROM r WHERE r.kind = 2 AND d.id = r.id"
		"     AND (d.ping_claim_owner = $8 OR d.ping_claim_owner IS NULL) RETURNING 1),"
		" e AS (INSERT INTO reports (device_id, kind, appliance, requested_at,"
		"   report_received_at, poll_duration_ms, poll_error, poll_error_detail)"
		"   SELECT r.id, CASE r.kind WHEN 1 THEN 'snmp' ELSE 'ping' END, $8,"
		"     to_timestamp(r.req_ms / 1000.0), now(), r.dur, r.ename, r.detail"
		"   FROM r WHERE r.err <> 0 AND EXISTS (SELECT 1 FROM devices x WHERE x.id = r.id)"
		"   ON CONFLICT DO NOTHING RETURNING 1)"
		" SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM p), (SELECT count(*) FROM e)";
	struct sbuf a[9] = { { 0 } };
	const char *params[11];
	char retry[16];
	PGresult *r;
	int ret = -1;

	for (int j = 0; j < 9; j++)
		sb_put(&a[j], "{", 1);
	for (size_t i = 0; i < n; i++) {
		const struct cp_db_result *x = &res[i];

		sb_num(&a[0], x->device_id);
		sb_num(&a[1], x->kind);
		sb_num(&a[2], x->err);
		sb_num(&a[3], x->requested_at_ms);
		sb_num(&a[4], x->duration_ms > INT32_MAX ? INT32_MAX : x->duration_ms);
		sb_text(&a[5], argos_err_names[x->err]);
		sb_text(&a[6], x->error_text);
		sb_num(&a[7], x->kind == CP_DB_SNMP ? x->max_repetitions : 0);
		sb_num(&a[8], x->kind == CP_DB_SNMP ? x->alt_in_use : -1);
	}
	for (int j = 0; j < 9; j++) {
		sb_put(&a[j], "}", 1);
		if (a[j].oom)
			goto out;
	}
	for (int j = 0; j < 7; j++)
		params[j] = a[j].p;
	snprintf(retry, sizeof(retry), "%u", db->o.down_retry_s);
	params[7] = db->o.appliance;
	params[8] = retry;
	params[9] = a[7].p;
	params[10] = a[8].p;
	r = db_run(db, "write-back", sql, 11, params);
	if (!r)
		goto out;
	pthread_mutex_lock(&db->q_lock);
	db->st.writeback_statements++;
	db->st.written_rows += (uint64_t)atoll(PQgetvalue(r, 0, 0));
	db->st.report_rows += (uint64_t)atoll(PQgetvalue(r, 0, 1));
	pthread_mutex_unlock(&db->q_lock);
	PQclear(r);
	ret = 0;
out:
	for (int j = 0; j < 9; j++)
		sb_free(&a[j]);
	return ret;
}

/*
 * Own mode: the failed polls of n results into reports, in one
 * statement (the devices' columns go by db_write_states).
 * Returns 0, or -1 (the caller keeps the batch and retries).
 */
int
db_write_reports(struct cp_db *db, const struct cp_db_result *res, size_t n)
{
	static const char sql[] =
		"WITH r AS (SELECT * FROM unnest($1::bigint[], $2::int2[], $3::int2[],"
		"   $4::bigint[], $5::int4[], $6::text[], $7::text[])"
		"   AS r (id, kind, err, req_ms, dur, ename, detail)),"
		" e AS (INSERT INTO reports (device_id, kind, appliance, requested_at,"
		"   report_received_at, poll_duration_ms, poll_error, poll_error_detail)"
		"   SELECT r.id, CASE r.kind WHEN 1 THEN 'snmp' ELSE 'ping' END, $8,"
		"     to_timestamp(r.req_ms / 1000.0), now(), r.dur, r.ename, r.detail"
		"   FROM r WHERE r.err <> 0 AND EXISTS (SELECT 1 FROM devices x WHERE x.id = r.id)"
		"   ON CONFLICT DO NOTHING RETURNING 1)"
		" SELECT (SELECT count(*) FROM e)";
	struct sbuf a[7] = { { 0 } };
	const char *params[8];
	PGresult *r;
	int ret = -1;

	for (int j = 0; j < 7; j++)
		sb_put(&a[j], "{", 1);
	for (size_t i = 0; i < n; i++) {
		const struct cp_db_result *x = &res[i];

		if (x->err == ARGOS_ERR_NONE)
			continue;
		sb_num(&a[0], x->device_id);
		sb_num(&a[1], x->kind);
		sb_num(&a[2], x->err);
		sb_num(&a[3], x->requested_at_ms);
		sb_num(&a[4], x->duration_ms > INT32_MAX ? INT32_MAX : x->duration_ms);
		sb_text(&a[5], argos_err_names[x->err]);
		sb_text(&a[6], x->error_text);
	}
	for (int j = 0; j < 7; j++) {
		sb_put(&a[j], "}", 1);
		if (a[j].oom)
			goto out;
		params[j] = a[j].p;
	}
	params[7] = db->o.appliance;
	if (a[0].n <= 2) {   /* "{}": nothing failed */
		ret = 0;
		goto out;
	}
	r = db_run(db, "reports", sql, 8, params);
	if (!r)
		goto out;
	pthread_mutex_lock(&db->q_lock);
	db->st.writeback_statements++;
	db->st.report_rows += (uint64_t)atoll(PQgetvalue(r, 0, 0));
	pthread_mutex_unlock(&db->q_lock);
	PQclear(r);
	ret = 0;
out:
	for (int j = 0; j < 7; j++)
		sb_free(&a[j]);
	return ret;
}

/*
 * Own mode: n devices' horus columns in one statement, a row each (a
 * HOT update: none of these columns is indexed).  A device another
 * appliance owns by now is written all the same: its columns lag, and
 * the newer of the two writes wins.  Returns 0, or -1.
 */
int
db_write_state_rows(struct cp_db *db, const struct cp_db_state *st, size_t n)
{
	static const char sql[] =
		"UPDATE devices d SET"
		" last_polled_at = CASE WHEN r.p > 0 AND (d.last_polled_at IS NULL"
		"   OR d.last_polled_at < to_timestamp(r.p / 1000.0))"
		"   THEN to_timestamp(r.p / 1000.0) ELSE d.last_polled_at END,"
		" last_poll_ok = CASE WHEN r.p > 0 THEN r.ok ELSE d.last_poll_ok END,"
		" last_pinged_at = CASE WHEN r.g > 0 AND (d.last_pinged_at IS NULL"
		"   OR d.last_pinged_at < to_timestamp(r.g / 1000.0))"
		"   THEN to_timestamp(r.g / 1000.0) ELSE d.last_pinged_at END,"
		" snmp_learnt_max_repetitions = CASE WHEN r.maxrep > 0"
		"   THEN least(r.maxrep, d.snmp_max_repetitions) ELSE d.snmp_learnt_max_repetitions END,"
		" snmp_alternate_in_use = CASE WHEN r.alt < 0 THEN d.snmp_alternate_in_use"
		"   ELSE r.alt = 1 END"
		" FROM unnest($1::bigint[], $2::bigint[], $3::bool[], $4::bigint[], $5::int4[],"
		"   $6::int2[]) AS r (id, p, ok, g, maxrep, alt)"
		" WHERE d.id = r.id";
	struct sbuf a[6] = { { 0 } };
	const char *params[6];
	PGresult *r;
	int ret = -1;

	for (int j = 0; j < 6; j++)
		sb_put(&a[j], "{", 1);
	for (size_t i = 0; i < n; i++) {
		sb_num(&a[0], st[i].device_id);
		sb_num(&a[1], st[i].polled_ms);
		sb_put(&a[2], a[2].n > 1 ? (st[i].poll_ok ? ",t" : ",f") : (st[i].poll_ok ? "t" : "f"),
		       a[2].n > 1 ? 2 : 1);
		sb_num(&a[3], st[i].pinged_ms);
		sb_num(&a[4], st[i].max_repetitions);
		sb_num(&a[5], st[i].alt_in_use);
	}
	for (int j = 0; j < 6; j++) {
		sb_put(&a[j], "}", 1);
		if (a[j].oom)
			goto out;
		params[j] = a[j].p;
	}
	r = db_run(db, "state write-back", sql, 6, params);
	if (!r)
		goto out;
	pthread_mutex_lock(&db->q_lock);
	db->st.writeback_statements++;
	db->st.state_rows += (uint64_t)atoll(PQcmdTuples(r));
	pthread_mutex_unlock(&db->q_lock);
	PQclear(r);
	ret = 0;
out:
	for (int j = 0; j < 6; j++)
		sb_free(&a[j]);
	return ret;
}

/* "{1,2,3}": ids as a Postgres array literal. */
static void
sb_ids(struct sbuf *b, const int64_t *ids, size_t n)
{
	sb_put(b, "{", 1);
	for (size_t i = 0; i < n; i++)
		sb_num(b, ids[i]);
	sb_put(b, "}", 1);
}

/*
 * After a reconnect: give back every lease this appliance holds but
 * the given devices' (polls in flight, claims queued, results not yet
 * written).  @return the leases given back, or -1.
 */
int
db_release_except(struct cp_db *db, const int64_t *snmp, size_t n_snmp, const int64_t *ping,
		  size_t n_ping)
{
	static const char sql[] =
		"WITH s AS (UPDATE devices SET is_polling = false, claim_owner = NULL,"
		"   claim_until = NULL WHERE claim_owner = $1::text AND NOT (id = ANY($2::bigint[]))"
		"   RETURNING 1),"
		" p AS (UPDATE devices SET is_pinging = false, ping_claim_owner = NULL,"
		"   ping_claim_until = NULL WHERE ping_claim_owner = $1"
		"   AND NOT (id = ANY($3::bigint[])) RETURNING 1)"
		" SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM p)";
	struct sbuf s = { 0 }, p = { 0 };
	const char *params[3];
	PGresult *r;
	int ret = -1;

	sb_ids(&s, snmp, n_snmp);
	sb_ids(&p, ping, n_ping);
	if (s.oom || p.oom)
		goto out;
	params[0] = db->o.appliance;
	params[1] = s.p;
	params[2] = p.p;
	r = db_run(db, "lease give-back after a reconnect", sql, 3, params);
	if (r) {
		ret = atoi(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
out:
	sb_free(&s);
	sb_free(&p);
	return ret;
}

/*
 * Give back leases without a poll: the given devices (claimed, never
 * handed to a core), or with all_mine every lease this appliance holds
 * (at start, of a previous run; at stop).  The devices stay due.
 */
int
db_release(struct cp_db *db, const int64_t *snmp, size_t n_snmp, const int64_t *ping,
	   size_t n_ping, int all_mine)
{
	static const char sql[] =
		"WITH s AS (UPDATE devices SET is_polling = false, claim_owner = NULL,"
		"   claim_until = NULL WHERE claim_owner = $1::text AND ($2::bool OR id = ANY($3::bigint[]))"
		"   RETURNING 1),"
		" p AS (UPDATE devices SET is_pinging = false, ping_claim_owner = NULL,"
		"   ping_claim_until = NULL WHERE ping_claim_owner = $1"
		"   AND ($2 OR id = ANY($4::bigint[])) RETURNING 1)"
		" SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM p)";
	struct sbuf s = { 0 }, p = { 0 };
	const char *params[4];
	PGresult *r;
	int ret = -1;

	sb_put(&s, "{", 1);
	for (size_t i = 0; i < n_snmp; i++)
		sb_num(&s, snmp[i]);
	sb_put(&s, "}", 1);
	sb_put(&p, "{", 1);
	for (size_t i = 0; i < n_ping; i++)
		sb_num(&p, ping[i]);
	sb_put(&p, "}", 1);
	if (s.oom || p.oom)
		goto out;
	params[0] = db->o.appliance;
	params[1] = all_mine ? "true" : "false";
	params[2] = s.p;
	params[3] = p.p;
	r = db_run(db, "lease release", sql, 4, params);
	if (r) {
		ret = atoi(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
out:
	sb_free(&s);
	sb_free(&p);
	return ret;
}

/*
 * The unlocker: leases past their end belong to an appliance that died
 * (or lost its database for longer than --lease).  Free the devices and
 * note each in reports with no report_received_at, as horus does.
 */
int
db_unlock_expired(struct cp_db *db)
{
	static const char sql[] =
		"WITH xs AS (SELECT id, claim_owner AS owner, claim_until AS until FROM devices"
		"   WHERE is_polling AND claim_until < now() FOR UPDATE SKIP LOCKED),"
		" us AS (UPDATE devices d SET is_polling = false, claim_owner = NULL,"
		"   claim_until = NULL FROM xs WHERE d.id = xs.id RETURNING 1),"
		" xp AS (SELECT id, ping_claim_owner AS owner, ping_claim_until AS until FROM devices"
		"   WHERE is_pinging AND ping_claim_until < now() FOR UPDATE SKIP LOCKED),"
		" up AS (UPDATE devices d SET is_pinging = false, ping_claim_owner = NULL,"
		"   ping_claim_until = NULL FROM xp WHERE d.id = xp.id RETURNING 1),"
		" rep AS (INSERT INTO reports (device_id, kind, appliance, requested_at, poll_error,"
		"   poll_error_detail)"
		"   SELECT id, 'snmp', coalesce(owner, ''), until, 'lease-expired',"
		"     'no result before the lease ended' FROM xs"
		"   UNION ALL SELECT id, 'ping', coalesce(owner, ''), until, 'lease-expired',"
		"     'no result before the lease ended' FROM xp"
		"   ON CONFLICT DO NOTHING)"
		" SELECT (SELECT count(*) FROM us) + (SELECT count(*) FROM up)";
	PGresult *r = db_run(db, "unlocker", sql, 0, NULL);
	int n;

	if (!r)
		return -1;
	n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (n > 0) {
		db_log(db, "released %d expired leases", n);
		pthread_mutex_lock(&db->q_lock);
		db->st.released_leases += (uint64_t)n;
		pthread_mutex_unlock(&db->q_lock);
	}
	return n;
}

/* --error-flush-freq and --report-flush-freq: prune old reports. */
int
db_flush_reports(struct cp_db *db)
{
	static const char sql[] =
		"DELETE FROM reports WHERE"
		" ($1::int > 0 AND report_received_at IS NOT NULL"
		"   AND requested_at < now() - $1::int * interval '1 hour')"
		" OR (report_received_at IS NULL AND requested_at < now() - $2::int * interval '1 hour')";
	char e[16], f[16];
	const char *params[2] = { e, f };
	PGresult *r;

	snprintf(e, sizeof(e), "%u", db->o.error_flush_h);
	snprintf(f, sizeof(f), "%u", db->o.report_flush_h);
	r = db_run(db, "report flush", sql, 2, params);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

/* The appliances row: who is alive, active, how big and how busy. */
int
db_heartbeat(struct cp_db *db)
{
	static const char sql[] =
		"INSERT INTO appliances (name, poller_group, active, last_seen, cores, load)"
		" VALUES ($1, $2, $3::bool, now(), $4::int, $5::real)"
		" ON CONFLICT (name) DO UPDATE SET poller_group = $2, active = $3,"
		"   last_seen = now(), cores = $4, load = $5";
	char cores[16], load[32];
	const char *params[5] = { db->o.appliance, db->o.poller_group,
				  cp_db_active(db) ? "true" : "false", cores, load };
	uint64_t out, free_slots;
	PGresult *r;

	pthread_mutex_lock(&db->q_lock);
	out = db->outstanding + db->claims_n;
	free_slots = (uint64_t)db->snmp_free + db->ping_free;
	pthread_mutex_unlock(&db->q_lock);
	snprintf(cores, sizeof(cores), "%u", db->o.cores);
	snprintf(load, sizeof(load), "%.4f",
		 out + free_slots ? (double)out / (double)(out + free_slots) : 0.0);
	r = db_run(db, "heartbeat", sql, 5, params);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}
