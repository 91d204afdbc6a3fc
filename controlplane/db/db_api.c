/*
 * db_api.c - the JSON device API (horus's /d/list, /d/create,
 * /d/update, /d/delete), called by the HTTP server's thread.
 *
 * Postgres does the JSON: a body goes in whole as a jsonb parameter
 * and jsonb_populate_record turns it into a devices row, so a bad value
 * comes back as Postgres's own message (400) and nothing is half
 * written.  Only the keys in editable[] may appear: the poll state
 * (is_polling, leases, due times) belongs to the appliances.  The API
 * has its own session, under api_lock, and never waits on the DB thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

static const char *const editable[] = {
	"active", "hostname", "ip_address", "profile_id", "tags", "snmp_version",
	"snmp_community", "snmp_alternate_community", "snmp_port", "snmp_timeout",
	"snmp_retries", "snmp_max_repetitions", "snmp_disable_bulk", "polling_frequency",
	"ping_frequency", "priority", "poller_group", "snmp_exporter_module",
	"snmp_exporter_auth", NULL,
};

#define DEVICE_JSON \
	"SELECT coalesce(json_agg(x ORDER BY x.id), '[]')::text FROM (SELECT id, active," \
	" hostname, host(ip_address) AS ip_address, profile_id, tags, snmp_version," \
	" snmp_community, snmp_alternate_community, snmp_port, snmp_timeout, snmp_retries," \
	" snmp_max_repetitions, snmp_disable_bulk, polling_frequency, ping_frequency, priority," \
	" poller_group, snmp_exporter_module, snmp_exporter_auth, is_polling, last_polled_at," \
	" last_poll_ok, is_pinging, last_pinged_at" \
	" FROM devices WHERE "

/* A JSON reply {"error": "..."} with the text escaped. */
static int
reply_error(int status, const char *text, char **resp, size_t *resp_len)
{
	size_t n = strlen(text), used = 0;
	char *p = malloc(n * 6 + 16);

	if (!p)
		return 500;
	used += (size_t)sprintf(p, "{\"error\":\"");
	for (const char *s = text; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			used += (size_t)sprintf(p + used, "\\%c", ch);
		else if (ch < 0x20)
			used += (size_t)sprintf(p + used, "\\u%04x", ch == '\n' ? ' ' : ch);
		else
			p[used++] = (char)ch;
	}
	used += (size_t)sprintf(p + used, "\"}");
	*resp = p;
	*resp_len = used;
	return status;
}

static int
reply_text(int status, const char *text, char **resp, size_t *resp_len)
{
	*resp = strdup(text);
	if (!*resp)
		return 500;
	*resp_len = strlen(text);
	return status;
}

/* Run sql with one text parameter; the first cell of the first row in *out. */
static int
query(struct cp_db *db, const char *sql, const char *param, PGresult **out, char **resp,
      size_t *resp_len)
{
	const char *params[1] = { param };
	char msg[768], app[96];
	PGresult *r;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (db_conn_lost(db->api_conn)) {
			PQfinish(db->api_conn);
			snprintf(app, sizeof(app), "argos-api %s", db->o.appliance);
			db->api_conn = db_connect(db->o.dsn, app, msg, sizeof(msg));
			if (!db->api_conn)
				return reply_error(503, msg, resp, resp_len);
		}
		r = PQexecParams(db->api_conn, sql, param ? 1 : 0, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			*out = r;
			return 0;
		}
		if (!db_conn_lost(db->api_conn)) {
			snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
			PQclear(r);
			msg[strcspn(msg, "\n")] = '\0';
			return reply_error(400, msg, resp, resp_len);
		}
		PQclear(r);
	}
	return reply_error(503, "the database is unreachable", resp, resp_len);
}

/* The body's keys, checked against editable[], as "k1, k2" and "r.k1..." lists. */
static int
body_columns(struct cp_db *db, const char *body, int want_id, char *cols, char *sets,
	     size_t size, char **resp, size_t *resp_len)
{
	PGresult *r;
	int st, n, have_id = 0;
	size_t cu = 0, su = 0;

	st = query(db, "SELECT k FROM jsonb_object_keys($1::jsonb) k", body, &r, resp, resp_len);
	if (st)
		return st;
	n = PQntuples(r);
	cols[0] = sets[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *k = PQgetvalue(r, i, 0);
		int ok = 0;

		if (strcmp(k, "id") == 0) {
			have_id = 1;
			continue;
		}
		for (int j = 0; editable[j]; j++)
			ok |= strcmp(k, editable[j]) == 0;
		if (!ok) {
			char m[160];

			snprintf(m, sizeof(m), "field '%.64s' cannot be set through the API", k);
			PQclear(r);
			return reply_error(400, m, resp, resp_len);
		}
		cu += (size_t)snprintf(cols + cu, size - cu, "%s%s", cu ? ", " : "", k);
		su += (size_t)snprintf(sets + su, size - su, "%s%s = r.%s", su ? ", " : "", k, k);
	}
	PQclear(r);
	if (want_id && !have_id)
		return reply_error(400, "the body needs the device's \"id\"", resp, resp_len);
	if (!want_id && have_id)
		return reply_error(400, "\"id\" is chosen by the database on create", resp, resp_len);
	if (cu == 0)
		return reply_error(400, "no field to set", resp, resp_len);
	return 0;
}

/* ?id=N in the path, or "id" in a JSON body: the id as text into buf. */
static int
id_of(struct cp_db *db, const char *path, const char *body, char *buf, size_t size,
      char **resp, size_t *resp_len)
{
	const char *q = strstr(path, "?id=");
	PGresult *r;
	int st;

	if (q) {
		snprintf(buf, size, "%.20s", q + 4);
		return buf[0] && strspn(buf, "0123456789") == strlen(buf) ? 0 :
		       reply_error(400, "?id= wants a device id", resp, resp_len);
	}
	if (!body || !*body)
		return reply_error(400, "give the device id as ?id=N or {\"id\": N}", resp,
				   resp_len);
	st = query(db, "SELECT (($1::jsonb)->>'id')::bigint::text", body, &r, resp, resp_len);
	if (st)
		return st;
	if (PQgetisnull(r, 0, 0)) {
		PQclear(r);
		return reply_error(400, "the body needs the device's \"id\"", resp, resp_len);
	}
	snprintf(buf, size, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

static int
route(struct cp_db *db, const char *method, const char *path, const char *body, char **resp,
      size_t *resp_len)
{
	char sql[4096], cols[1024], sets[1024], id[32];
	const char *param = NULL;
	int post = strcmp(method, "POST") == 0, created = 0, st;
	size_t plen = strcspn(path, "?");
	PGresult *r;

	if (plen == 7 && strncmp(path, "/d/list", 7) == 0) {
		if (strcmp(method, "GET") != 0)
			return reply_error(405, "use GET for /d/list", resp, resp_len);
		if (strstr(path, "?id=")) {
			if ((st = id_of(db, path, NULL, id, sizeof(id), resp, resp_len)))
				return st;
			param = id;
		}
		snprintf(sql, sizeof(sql), DEVICE_JSON "%s) x", param ? "id = $1::bigint" : "true");
	} else if (plen == 9 && strncmp(path, "/d/create", 9) == 0) {
		if (!post)
			return reply_error(405, "use POST for /d/create", resp, resp_len);
		if ((st = body_columns(db, body, 0, cols, sets, sizeof(cols), resp, resp_len)))
			return st;
		snprintf(sql, sizeof(sql),
			 "WITH n AS (INSERT INTO devices (%s) SELECT %s FROM"
			 " jsonb_populate_record(NULL::devices, $1::jsonb) RETURNING id) "
			 DEVICE_JSON "id IN (SELECT id FROM n)) x", cols, cols);
		param = body;
		created = 1;
	} else if (plen == 9 && strncmp(path, "/d/update", 9) == 0) {
		if (!post)
			return reply_error(405, "use POST for /d/update", resp, resp_len);
		if ((st = body_columns(db, body, 1, cols, sets, sizeof(sets), resp, resp_len)))
			return st;
		snprintf(sql, sizeof(sql),
			 "WITH u AS (UPDATE devices d SET %s FROM"
			 " jsonb_populate_record(NULL::devices, $1::jsonb) r WHERE d.id = r.id"
			 " RETURNING d.id) " DEVICE_JSON "id IN (SELECT id FROM u)) x", sets);
		param = body;
	} else if (plen == 9 && strncmp(path, "/d/delete", 9) == 0) {
		if (!post && strcmp(method, "DELETE") != 0)
			return reply_error(405, "use POST or DELETE for /d/delete", resp, resp_len);
		if ((st = id_of(db, path, body, id, sizeof(id), resp, resp_len)))
			return st;
		snprintf(sql, sizeof(sql),
			 "WITH g AS (DELETE FROM devices WHERE id = $1::bigint RETURNING id)"
			 " SELECT coalesce(json_agg(json_build_object('deleted', id)), '[]')::text"
			 " FROM g");
		param = id;
	} else {
		return reply_error(404, "unknown path: use /d/list, /d/create, /d/update or "
				   "/d/delete", resp, resp_len);
	}
	if ((st = query(db, sql, param, &r, resp, resp_len)))
		return st;
	if (strcmp(PQgetvalue(r, 0, 0), "[]") == 0 && (param == id || !created) &&
	    !(plen == 7 && param == NULL)) {
		PQclear(r);
		return reply_error(404, "no such device", resp, resp_len);
	}
	st = reply_text(created ? 201 : 200, PQgetvalue(r, 0, 0), resp, resp_len);
	PQclear(r);
	return st;
}

int
cp_db_api(struct cp_db *db, const char *method, const char *path, const char *body, size_t len,
	  char **resp, size_t *resp_len)
{
	char *copy = NULL;
	int st;

	*resp = NULL;
	*resp_len = 0;
	if (body) {
		/* The body is not NUL-terminated by the HTTP server. */
		copy = malloc(len + 1);
		if (!copy)
			return reply_error(500, "out of memory", resp, resp_len);
		memcpy(copy, body, len);
		copy[len] = '\0';
	}
	pthread_mutex_lock(&db->api_lock);
	st = route(db, method, path, copy, resp, resp_len);
	pthread_mutex_unlock(&db->api_lock);
	free(copy);
	return st;
}
