/*
 * db_api.c - the JSON device API, horus's: GET /d/list[?id=N],
 * POST /d/create, /d/update, /d/upsert, POST|DELETE /d/delete, called
 * by the HTTP server's threads (docs/argos-db.md, "Device API").
 *
 * Postgres does the JSON: a body goes in whole as a jsonb parameter and
 * jsonb_populate_record turns it into a devices row.  Before that, its
 * keys are checked here: only those of fields[], each with its JSON
 * type; the poll state (is_polling, leases, due times) belongs to the
 * appliances.  A write is one transaction: the INSERT or UPDATE returns
 * the row as stored, cp_device_check() judges it by the devices file's
 * rules, and only a row that passes is committed.  The reply is that
 * row.
 *
 * A reply never holds a community, a key or a password: rows are
 * written out by PUBLIC_JSON, column by column, so a secret column
 * added to the table stays out of every reply until someone lists it
 * there (and nobody should).  Postgres's messages go out with their
 * primary text only, scrubbed and redacted (db_api_session.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_input.h"
#include "db_api_internal.h"
#include "device_check.h"

/* The fields a client may set, with the JSON types each accepts. */
static const struct field {
	const char *name;
	const char *types;
} fields[] = {
	{ "active", "boolean" }, { "hostname", "string" }, { "ip_address", "string" },
	{ "profile_id", "number" }, { "tags", "object" }, { "snmp_version", "string number" },
	{ "snmp_community", "string" }, { "snmp_alternate_community", "string" },
	{ "snmp_port", "number" }, { "snmp_timeout", "number" }, { "snmp_retries", "number" },
	{ "snmp_max_repetitions", "number" }, { "snmp_disable_bulk", "boolean" },
	{ "snmp_allow_other_source", "boolean" }, { "snmp_allow_nonincreasing_oids", "boolean" },
	{ "snmp_walk_past_exceptions", "boolean" }, { "polling_frequency", "number" }, { "ping_frequency", "number" },
	{ "priority", "number" }, { "poller_group", "string" },
	{ "snmp_exporter_module", "string" }, { "snmp_exporter_auth", "string" },
	{ "snmpv3_security_level", "string" }, { "snmpv3_auth_user", "string" },
	{ "snmpv3_auth_proto", "string" }, { "snmpv3_auth_passwd", "string" },
	{ "snmpv3_privacy_proto", "string" }, { "snmpv3_privacy_passwd", "string" },
	{ "snmpv3_context_name", "string" }, { "snmpv3_context_engine_id", "string" },
};
#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* A device row as a reply shows it: no community, no passphrase. */
#define PUBLIC_JSON \
	"json_build_object('id', d.id, 'active', d.active, 'hostname', d.hostname," \
	" 'ip_address', host(d.ip_address), 'profile_id', d.profile_id, 'tags', d.tags," \
	" 'snmp_version', d.snmp_version, 'snmp_port', d.snmp_port," \
	" 'snmp_timeout', d.snmp_timeout, 'snmp_retries', d.snmp_retries," \
	" 'snmp_max_repetitions', d.snmp_max_repetitions," \
	" 'snmp_disable_bulk', d.snmp_disable_bulk," \
	" 'snmp_allow_other_source', d.snmp_allow_other_source," \
	" 'snmp_allow_nonincreasing_oids', d.snmp_allow_nonincreasing_oids," \
	" 'snmp_walk_past_exceptions', d.snmp_walk_past_exceptions," \
	" 'polling_frequency', d.polling_frequency," \
	" 'ping_frequency', d.ping_frequency, 'priority', d.priority," \
	" 'poller_group', d.poller_group," \
	" 'snmp_exporter_module', d.snmp_exporter_module," \
	" 'snmp_exporter_auth', d.snmp_exporter_auth," \
	" 'snmpv3_security_level', d.snmpv3_security_level," \
	" 'snmpv3_auth_user', d.snmpv3_auth_user, 'snmpv3_auth_proto', d.snmpv3_auth_proto," \
	" 'snmpv3_privacy_proto', d.snmpv3_privacy_proto," \
	" 'snmpv3_context_name', d.snmpv3_context_name," \
	" 'snmpv3_context_engine_id', d.snmpv3_context_engine_id, 'is_polling', d.is_polling," \
	" 'last_polled_at', d.last_polled_at, 'last_poll_ok', d.last_poll_ok," \
	" 'snmp_learnt_max_repetitions', d.snmp_learnt_max_repetitions," \
	" 'snmp_alternate_in_use', d.snmp_alternate_in_use," \
	" 'is_pinging', d.is_pinging, 'last_pinged_at', d.last_pinged_at)"

/* What a write returns: the columns cp_device_check() judges, the
 * reply (column 11), then the snmpv3_* columns (RETURNING_USM). */
#define RETURNING \
	" RETURNING d.hostname, host(d.ip_address), d.snmp_community," \
	" d.snmp_alternate_community, d.snmp_version, d.snmp_port, d.snmp_timeout," \
	" d.snmp_retries, d.snmp_max_repetitions, d.polling_frequency, d.ping_frequency, " \
	PUBLIC_JSON "::text," DB_USM_COLS
#define RETURNING_USM 12

/* A request's body, its keys checked. */
struct body {
	char id[24];                  /* "id", as digits; "" when absent */
	char cols[2048];              /* "k1, k2" */
	char sets[4096];              /* "k1 = r.k1, k2 = r.k2" (r: the given row) */
	unsigned n;                   /* keys besides "id" */
};

/* The body's bytes, before Postgres parses them (api_input.c). */
static int
body_sane(const char *p, size_t len, struct db_api_reply *out)
{
	const char *why = cp_api_body_refused(p, len);

	return why ? db_api_error(out, 400, why) : 0;
}

static int
add(char *buf, size_t size, const char *fmt, const char *k)
{
	size_t used = strlen(buf);
	int n = snprintf(buf + used, size - used, fmt, used ? ", " : "", k, k);

	return n < 0 || (size_t)n >= size - used ? -1 : 0;
}

/* Parse the body's keys into b: every key known, of its type, not null. */
static int
body_keys(struct cp_db *db, const char *json, size_t len, struct body *b,
	  struct db_api_reply *out)
{
	static const char sql[] =
		"SELECT jsonb_typeof(x.b), e.k, jsonb_typeof(e.v), e.v #>> '{}'"
		" FROM (SELECT $1::jsonb AS b) x LEFT JOIN LATERAL jsonb_each(CASE WHEN"
		" jsonb_typeof(x.b) = 'object' THEN x.b END) e(k, v) ON true";
	const char *params[1] = { json };
	char m[160];
	PGresult *r;
	int st;

	memset(b, 0, sizeof(*b));
	if (!json || !*json)
		return db_api_error(out, 400, "the request needs a JSON object as its body");
	if ((st = body_sane(json, len, out)) != 0)
		return st;
	if ((st = db_api_query(db, 1, sql, 1, params, &r, out)) != 0)
		return st;
	if (strcmp(PQgetvalue(r, 0, 0), "object") != 0) {
		PQclear(r);
		return db_api_error(out, 400, "the body must be a JSON object");
	}
	for (int i = 0; i < PQntuples(r) && !PQgetisnull(r, i, 1); i++) {
		const char *k = PQgetvalue(r, i, 1), *type = PQgetvalue(r, i, 2);
		const struct field *f = NULL;
		char want[24], have[40];

		if (strcmp(k, "id") == 0) {
			if (strcmp(type, "number") != 0 || !cp_api_id_ok(PQgetvalue(r, i, 3))) {
				PQclear(r);
				return db_api_error(out, 400, "\"id\" must be a device id (a whole number)");
			}
			snprintf(b->id, sizeof(b->id), "%s", PQgetvalue(r, i, 3));
			continue;
		}
		for (size_t j = 0; j < N_FIELDS && !f; j++)
			if (strcmp(k, fields[j].name) == 0)
				f = &fields[j];
		snprintf(want, sizeof(want), " %s ", type);
		snprintf(have, sizeof(have), " %s ", f ? f->types : "");
		if (!f)
			snprintf(m, sizeof(m), "field '%.64s' cannot be set through the API", k);
		else if (strcmp(type, "null") == 0)
			snprintf(m, sizeof(m), "%s cannot be null", k);
		else if (!strstr(have, want))
			snprintf(m, sizeof(m), "%s: want a JSON %s, got %s", k, f->types, type);
		else
			m[0] = '\0';
		if (m[0]) {
			PQclear(r);
			return db_api_error(out, 400, m);
		}
		if (add(b->cols, sizeof(b->cols), "%s%s", k) || add(b->sets, sizeof(b->sets),
		    "%s%s = r.%s", k)) {
			PQclear(r);
			return db_api_error(out, 400, "too many fields");
		}
		b->n++;
	}
	PQclear(r);
	return 0;
}

/* The written row (a RETURNING row) against the devices file's rules. */
static int
row_ok(PGresult *r, char *why, size_t len)
{
	struct cp_usm_conf usm;
	struct cp_device_check d = {
		.hostname = PQgetvalue(r, 0, 0),
		.community = PQgetvalue(r, 0, 2),
		.alt_community = PQgetvalue(r, 0, 3),
		.snmp_version = db_snmp_version(PQgetvalue(r, 0, 4)),
		.usm = &usm,
		.snmp_port = atoll(PQgetvalue(r, 0, 5)),
		.snmp_timeout_ms = atoll(PQgetvalue(r, 0, 6)) * 1000,
		.snmp_retries = atoll(PQgetvalue(r, 0, 7)),
		.snmp_max_repetitions = atoll(PQgetvalue(r, 0, 8)),
		.polling_frequency = atoll(PQgetvalue(r, 0, 9)),
		.ping_frequency = atoll(PQgetvalue(r, 0, 10)),
	};
	struct in_addr a = { 0 };
	int ok;

	if (inet_pton(AF_INET, PQgetvalue(r, 0, 1), &a) != 1) {
		snprintf(why, len, "ip_address: want an IPv4 address");
		return 0;
	}
	d.ip = a.s_addr;
	/* The snmpv3_* values are judged whatever the version: a row must
	 * not keep a typo that would bite once it becomes v3. */
	ok = db_usm_row(r, 0, RETURNING_USM, &usm, why, len) == 0 &&
	     cp_device_check(&d, why, len) == 0;
	explicit_bzero(&usm, sizeof(usm));
	return ok;
}

/* What a write is. */
enum op { OP_CREATE, OP_UPDATE, OP_UPSERT };

/*
 * One write in its own transaction: sql RETURNING the row (an upsert:
 * the UPDATE, then insert when it found no row), the row checked,
 * committed only when it passes.  The reply is the row: 201 for a row
 * created, 200 for one changed.
 */
static int
write_row(struct cp_db *db, enum op op, const char *sql, const char *insert, int n,
	  const char *const *params, struct db_api_reply *out)
{
	char why[192];
	PGresult *r = NULL;
	int st, created = op == OP_CREATE;

	if ((st = db_api_exec(db, "BEGIN", out)) != 0)
		return st;
	st = db_api_query(db, 0, sql, n, params, &r, out);
	if (st == 0 && insert && PQntuples(r) == 0) {
		PQclear(r);
		r = NULL;
		created = 1;
		st = db_api_query(db, 0, insert, n, params, &r, out);
	}
	if (st != 0) {
		db_api_rollback(db);
		return st;
	}
	if (PQntuples(r) == 0)
		st = db_api_error(out, 404, "no such device");
	else if (!row_ok(r, why, sizeof(why)))
		st = db_api_error(out, 400, why);
	if (st) {
		PQclear(r);
		db_api_rollback(db);
		return st;
	}
	/* A row inserted with its own id leaves the id sequence behind it:
	 * move the sequence past it, or a later create would collide. */
	if (op == OP_UPSERT && created)
		st = db_api_exec(db, "SELECT setval('devices_id_seq', max(id)) FROM devices"
				 " HAVING max(id) > (SELECT last_value FROM devices_id_seq)", out);
	if (st == 0 && (st = db_api_exec(db, "COMMIT", out)) == 0)
		st = db_api_text(out, created ? 201 : 200, PQgetvalue(r, 0, 11));
	else
		db_api_rollback(db);
	PQclear(r);
	return st;
}

/* The device id of a request: ?id=N, or "id" of the body; both must agree. */
static int
request_id(const char *query_id, const struct body *b, char *id, size_t size,
	   struct db_api_reply *out)
{
	if (query_id && !cp_api_id_ok(query_id))
		return db_api_error(out, 400, "?id= wants a device id (a whole number)");
	if (query_id && b && b->id[0] && strcmp(query_id, b->id) != 0)
		return db_api_error(out, 400, "?id= and the body's \"id\" differ");
	snprintf(id, size, "%s", query_id ? query_id : b ? b->id : "");
	if (!id[0])
		return db_api_error(out, 400, "give the device id as ?id=N or {\"id\": N}");
	return 0;
}

static int
list_devices(struct cp_db *db, const char *query_id, struct db_api_reply *out)
{
	const char *params[1] = { query_id };
	PGresult *r;
	int st;

	if (query_id && !cp_api_id_ok(query_id))
		return db_api_error(out, 400, "?id= wants a device id (a whole number)");
	if (query_id)
		st = db_api_query(db, 1, "SELECT " PUBLIC_JSON "::text FROM devices d"
				  " WHERE d.id = $1::bigint", 1, params, &r, out);
	else
		st = db_api_query(db, 1, "SELECT coalesce(json_agg(" PUBLIC_JSON " ORDER BY d.id),"
				  " '[]')::text FROM devices d", 0, NULL, &r, out);
	if (st)
		return st;
	st = PQntuples(r) ? db_api_text(out, 200, PQgetvalue(r, 0, 0)) :
	     db_api_error(out, 404, "no such device");
	PQclear(r);
	return st;
}

static int
delete_device(struct cp_db *db, const char *query_id, const char *body, size_t len,
	      struct db_api_reply *out)
{
	static const char sql[] = "DELETE FROM devices WHERE id = $1::bigint RETURNING id";
	struct body b;
	char id[24];
	const char *params[1] = { id };
	PGresult *r;
	int st, have_body = body && *body;

	if (have_body && (st = body_keys(db, body, len, &b, out)) != 0)
		return st;
	if (have_body && b.n)
		return db_api_error(out, 400, "/d/delete takes only {\"id\": N}");
	if ((st = request_id(query_id, have_body ? &b : NULL, id, sizeof(id), out)) != 0)
		return st;
	if ((st = db_api_query(db, !have_body, sql, 1, params, &r, out)) != 0)
		return st;
	if (PQntuples(r) == 0) {
		st = db_api_error(out, 404, "no such device");
	} else {
		char text[48];

		snprintf(text, sizeof(text), "{\"deleted\":%s}", PQgetvalue(r, 0, 0));
		st = db_api_text(out, 200, text);
	}
	PQclear(r);
	return st;
}

static int
write_device(struct cp_db *db, enum op op, const char *query_id, const char *body, size_t len,
	     struct db_api_reply *out)
{
	struct body b;
	char sql[8192], insert[8192], id[24];
	const char *params[2] = { body, NULL };
	int st;

	if ((st = body_keys(db, body, len, &b, out)) != 0)
		return st;
	if (b.n == 0)
		return db_api_error(out, 400, "no field to set");
	if (op == OP_CREATE) {
		if (b.id[0] || query_id)
			return db_api_error(out, 400, "the database chooses the id of a new device "
					    "(use /d/upsert to give one)");
		snprintf(sql, sizeof(sql), "INSERT INTO devices AS d (%s) SELECT %s FROM"
			 " jsonb_populate_record(NULL::devices, $1::jsonb)" RETURNING, b.cols, b.cols);
		return write_row(db, op, sql, NULL, 1, params, out);
	}
	if ((st = request_id(query_id, &b, id, sizeof(id), out)) != 0)
		return st;
	params[1] = id;
	/* An upsert is an UPDATE, or an INSERT when no row has the id: an
	 * INSERT ... ON CONFLICT would check NOT NULL on the proposed row
	 * first, and refuse a change of a few fields of an existing device.
	 * Two clients upserting one new id at once: the second gets 409. */
	snprintf(sql, sizeof(sql), "UPDATE devices d SET %s FROM"
		 " jsonb_populate_record(NULL::devices, $1::jsonb) r WHERE d.id = $2::bigint"
		 RETURNING, b.sets);
	snprintf(insert, sizeof(insert), "INSERT INTO devices AS d (id, %s) SELECT $2::bigint, %s"
		 " FROM jsonb_populate_record(NULL::devices, $1::jsonb)" RETURNING, b.cols, b.cols);
	return write_row(db, op, sql, op == OP_UPSERT ? insert : NULL, 2, params, out);
}

static int
route(struct cp_db *db, const char *method, const char *path, const char *query_id,
      const char *body, size_t len, struct db_api_reply *out)
{
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int post = !strcmp(method, "POST");
	enum op op;

	if (!strcmp(path, "/d/list"))
		return get ? list_devices(db, query_id, out) :
		       db_api_error(out, 405, "use GET for /d/list");
	if (!strcmp(path, "/d/delete"))
		return post || !strcmp(method, "DELETE") ?
		       delete_device(db, query_id, body, len, out) :
		       db_api_error(out, 405, "use POST or DELETE for /d/delete");
	if (!strcmp(path, "/d/create"))
		op = OP_CREATE;
	else if (!strcmp(path, "/d/update"))
		op = OP_UPDATE;
	else if (!strcmp(path, "/d/upsert"))
		op = OP_UPSERT;
	else
		return db_api_error(out, 404, "unknown path: use /d/list, /d/create, /d/update, "
				    "/d/upsert or /d/delete");
	return post ? write_device(db, op, query_id, body, len, out) :
	       db_api_error(out, 405, "use POST with a JSON body");
}

int
cp_db_api(struct cp_db *db, const char *method, const char *path, const char *query_id,
	  const char *body, size_t len, char **resp, size_t *resp_len)
{
	struct db_api_reply out = { 0 };
	char *copy = NULL;

	if (body) {
		/* NUL-terminated here whatever the caller did. */
		copy = malloc(len + 1);
		if (!copy) {
			db_api_error(&out, 500, "out of memory");
			goto done;
		}
		memcpy(copy, body, len);
		copy[len] = '\0';
	}
	if (db_api_lock(db) != 0) {
		db_api_error(&out, 503, "the device API is busy: try again");
		goto done;
	}
	route(db, method, path, query_id, copy, len, &out);
	db_api_unlock(db);
done:
	free(copy);
	*resp = out.body;
	*resp_len = out.len;
	return out.status;
}
