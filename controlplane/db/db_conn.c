/*
 * db_conn.c - sessions with Postgres: connecting, DSNs without their
 * passwords in any message, the schema version check and --migrate.
 *
 * Every message that may hold a DSN or a libpq error goes through
 * cp_redact (cp_redact.h) or db_scrub first, so a password never
 * reaches a log.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cp_redact.h"
#include "db_internal.h"

/* Different from any --lock-id an operator is likely to pick. */
#define DB_MIGRATE_LOCK_KEY 0x6172676f73L  /* "argos" */

uint64_t
db_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
db_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
db_log(struct cp_db *db, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	db_scrub(line, db->secret);
	if (db->o.log)
		db->o.log(db->o.log_arg, line);
	else
		fprintf(stderr, "argos: db: %s\n", line);
}

/* The password and sslpassword as libpq reads them, for db_scrub: a
 * libpq message might quote one (it never has, but it costs nothing). */
void
db_secrets_of(const char *dsn, char secret[2][256])
{
	PQconninfoOption *opts;

	secret[0][0] = secret[1][0] = '\0';
	if (!dsn || !(opts = PQconninfoParse(dsn, NULL)))
		return;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (o->val && (strcmp(o->keyword, "password") == 0 ||
			       strcmp(o->keyword, "sslpassword") == 0))
			snprintf(secret[o->keyword[0] == 's'], 256, "%s", o->val);
	PQconninfoFree(opts);
}

/*
 * Hide in msg, in place, the DSN's secrets by value (libpq may quote a
 * value it could not parse) and whatever cp_redact() finds (a URL or a
 * key=value string quoted in a message, even one libpq could not parse,
 * so that its password was never read).  The result never grows: a
 * message cut at its old length holds no part of a secret either.
 */
void
db_scrub(char *msg, char secret[2][256])
{
	size_t len = strlen(msg), cap = len * 4 + 16;
	char *a = malloc(cap), *b = malloc(cap);

	if (!a || !b) {
		memset(msg, '*', len);   /* no memory to be careful with: hide all */
		goto out;
	}
	memcpy(a, msg, len + 1);
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(secret[i]), used = 0;
		const char *p = a, *q;

		if (n == 0)
			continue;
		while ((q = strstr(p, secret[i])) != NULL) {
			used += (size_t)snprintf(b + used, cap - used, "%.*s***", (int)(q - p), p);
			p = q + n;
		}
		snprintf(b + used, cap - used, "%s", p);
		memcpy(a, b, strlen(b) + 1);
	}
	cp_redact(a, b, cap);
	snprintf(msg, len + 1, "%s", b);
out:
	free(a);
	free(b);
}

/* libpq ends its messages with a newline; a log line should not. */
static void
chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

PGconn *
db_connect(const char *dsn, const char *app, char *msg, size_t len)
{
	/* Defaults first: whatever the DSN says overrides them. */
	const char *keys[] = { "connect_timeout", "application_name", "keepalives_idle",
			       "keepalives_interval", "keepalives_count", "dbname", NULL };
	const char *vals[] = { "5", app, "10", "5", "3", dsn, NULL };
	char secret[2][256], safe[512], err[512];
	char *perr = NULL;
	PQconninfoOption *parsed;
	PGconn *c;

	db_secrets_of(dsn, secret);
	cp_redact(dsn, safe, sizeof(safe));
	parsed = PQconninfoParse(dsn, &perr);
	if (!parsed) {
		snprintf(err, sizeof(err), "%s", perr ? perr : "out of memory");
		PQfreemem(perr);
		chomp(err);
		db_scrub(err, secret);
		snprintf(msg, len, "--dsn '%s' is not a libpq URL or key=value string: %s", safe,
			 err);
		return NULL;
	}
	PQconninfoFree(parsed);
	c = PQconnectdbParams(keys, vals, 1);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		snprintf(err, sizeof(err), "%s", c ? PQerrorMessage(c) : "out of memory");
		chomp(err);
		db_scrub(err, secret);
		snprintf(msg, len, "cannot connect to the database '%s': %s", safe, err);
		PQfinish(c);
		return NULL;
	}
	return c;
}

int
db_conn_lost(PGconn *c)
{
	return !c || PQstatus(c) != CONNECTION_OK;
}

int
db_snmp_version(const char *v)
{
	return !strcmp(v, "1") ? 0 : !strcmp(v, "2c") ? 1 : !strcmp(v, "3") ? 3 : -1;
}

int
db_usm_row(const PGresult *r, int row, int col, struct cp_usm_conf *c, char *why, size_t len)
{
	memset(c, 0, sizeof(*c));
	for (int f = 0; f < CP_USM_FIELDS; f++)
		if (cp_usm_set_field(c, (enum cp_usm_field)f, PQgetvalue(r, row, col + f), why,
				     len) != 0)
			return -1;
	return 0;
}

int
db_check_schema(PGconn *c, char *msg, size_t len)
{
	PGresult *r = PQexec(c, "SELECT coalesce(max(version), 0), count(*) FROM schema_migrations");
	const char *state;
	long have, count;
	int ret = -1;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (state && strcmp(state, "42P01") == 0)
			snprintf(msg, len, "the database has no argos schema: run argos with "
				 "--dsn ... --migrate first");
		else
			snprintf(msg, len, "cannot read schema_migrations: %s",
				 PQresultErrorMessage(r));
		chomp(msg);
		goto out;
	}
	have = atol(PQgetvalue(r, 0, 0));
	count = atol(PQgetvalue(r, 0, 1));
	if (have > (long)cp_db_n_migrations)
		snprintf(msg, len, "the database schema is at version %ld, newer than this argos "
			 "(%u): upgrade argos (do not run an older --migrate)", have,
			 cp_db_n_migrations);
	else if (have < (long)cp_db_n_migrations || count != have)
		snprintf(msg, len, "the database schema is at version %ld, this argos needs %u: "
			 "run argos with --dsn ... --migrate", have, cp_db_n_migrations);
	else
		ret = 0;
out:
	PQclear(r);
	return ret;
}

/* Run one statement of the migration; 0, or -1 with msg. */
static int
exec_ok(PGconn *c, const char *sql, const char *what, char *msg, size_t len)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType s = PQresultStatus(r);
	int ret = 0;

	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		snprintf(msg, len, "%s: %s", what, PQresultErrorMessage(r));
		chomp(msg);
		ret = -1;
	}
	PQclear(r);
	return ret;
}

static int
apply_one(PGconn *c, const struct cp_db_migration *m, char *msg, size_t len)
{
	char what[128], ins[256];

	snprintf(what, sizeof(what), "migration %03u_%s failed (nothing of it was applied)",
		 m->version, m->name);
	snprintf(ins, sizeof(ins),
		 "INSERT INTO schema_migrations (version, name) VALUES (%u, '%s')", m->version,
		 m->name);
	if (exec_ok(c, "BEGIN", what, msg, len) || exec_ok(c, m->sql, what, msg, len) ||
	    exec_ok(c, ins, what, msg, len) || exec_ok(c, "COMMIT", what, msg, len)) {
		PQclear(PQexec(c, "ROLLBACK"));
		return -1;
	}
	return 0;
}

int
cp_db_migrate(const char *dsn, char *msg, size_t len)
{
	char lock[96], secret[2][256];
	PGconn *c;
	PGresult *r = NULL;
	long have;
	int ret = -1;

	if (!dsn || !*dsn) {
		snprintf(msg, len, "--migrate needs --dsn URL");
		return -1;
	}
	c = db_connect(dsn, "argos-migrate", msg, len);
	if (!c)
		return -1;
	db_secrets_of(dsn, secret);
	/* Session lock: held across the transactions, released by PQfinish. */
	snprintf(lock, sizeof(lock), "SELECT pg_advisory_lock(%ld)", DB_MIGRATE_LOCK_KEY);
	if (exec_ok(c, lock, "cannot take the migration lock", msg, len) ||
	    exec_ok(c, "SET client_min_messages = warning", "set", msg, len) ||
	    exec_ok(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
		       " version integer PRIMARY KEY, name text NOT NULL,"
		       " applied_at timestamptz NOT NULL DEFAULT now())",
		    "cannot create schema_migrations", msg, len))
		goto out;
	r = PQexec(c, "SELECT coalesce(max(version), 0) FROM schema_migrations");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		snprintf(msg, len, "cannot read schema_migrations: %s", PQresultErrorMessage(r));
		goto out;
	}
	have = atol(PQgetvalue(r, 0, 0));
	if (have > (long)cp_db_n_migrations) {
		snprintf(msg, len, "the database schema is at version %ld, newer than this argos "
			 "(%u): upgrade argos", have, cp_db_n_migrations);
		goto out;
	}
	for (unsigned i = (unsigned)have; i < cp_db_n_migrations; i++)
		if (apply_one(c, &cp_db_migrations[i], msg, len))
			goto out;
	snprintf(msg, len, "schema at version %u (%ld applied now)", cp_db_n_migrations,
		 (long)cp_db_n_migrations - have);
	ret = 0;
out:
	chomp(msg);
	db_scrub(msg, secret);
	PQclear(r);
	PQfinish(c);
	return ret;
}
