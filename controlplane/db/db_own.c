/*
 * db_own.c - own mode's side of the DB thread (--db-mode own): hold a
 * fair share of the poller group's buckets under leases, and stream
 * their devices to the main thread.
 *
 * Every OWN_ROUND_MS one statement writes this appliance's heartbeat
 * and its lease (appliances.lease_until: one lease for every bucket it
 * holds, one row written), lists its buckets, and counts the live
 * appliances of the group (those whose heartbeat is younger than
 * OWN_LIVE_S).  From that count comes the fair share: 1024 / n, the
 * first (1024 % n) appliances by name taking one more.  Below it, a
 * second statement takes free or expired buckets (FOR UPDATE SKIP
 * LOCKED: two appliances never take one bucket).  Above it, the highest
 * buckets are given away, but only once the main thread has no job of
 * theirs in flight and has handed its horus columns over, and they are
 * written: the next owner starts from the real last_polled_at.
 *
 * No two appliances poll one device at once.  The owner stops starting
 * jobs (PAUSED) OWN_MARGIN_MS before its lease could lapse, counted
 * from when it sent the renewal that last succeeded; another appliance
 * takes a bucket only once the database's clock is past its owner's
 * lease.  An appliance that dies is thus replaced within the lease plus
 * a round.
 *
 * The buckets taken are loaded in passes, OWN_LOAD_IDS ids a
 * statement in id order, as the main thread drains its queue:
 * SYNC_BEGIN, an UPSERT per device, SYNC_END (the main thread drops
 * what the bucket held and no longer has).
 * NOTIFY argos_devices changed:/deleted: ids of our buckets are read
 * again in one statement a round, and 'bulk' reloads every bucket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define OWN_ROUND_MS 1000
#define OWN_LIVE_S 3            /* a heartbeat older than this: the appliance is gone */
#define OWN_MARGIN_MS 1500      /* stop starting jobs this long before a lease may end */
#define OWN_QUEUE_MAX 16384     /* device records waiting for the main thread, at most */
#define OWN_LOAD_IDS 32768      /* device ids read per statement */
#define OWN_ROWS_CHUNK 512      /* records decoded, then queued, at a time */
#define OWN_CHANGES_MAX 8192    /* changed ids kept; more: reload everything */

struct db_own {
	uint8_t mine[CP_DB_BUCKETS];   /* held in device_buckets under our name */
	uint8_t load[CP_DB_BUCKETS];   /* its devices are to be (re)read */
	uint8_t drop[CP_DB_BUCKETS];   /* to give away */
	uint8_t pass[CP_DB_BUCKETS];   /* being loaded by the pass under way */
	uint8_t dead[CP_DB_BUCKETS];   /* taken from an appliance whose lease had lapsed */
	int in_pass;
	int64_t pass_after;            /* the pass has read every id up to this */
	int64_t pass_max;              /* the largest id when it began */
	struct cp_db_claim rows[OWN_ROWS_CHUNK];   /* read_rows' records, pushed a chunk at a time */
	unsigned n_mine;
	uint64_t next_round;           /* mono ms */
	uint64_t confirmed;            /* mono ms the last good renewal was sent */
	int rows_ready;                /* device_buckets has the group's 1024 rows */
	int64_t changed[OWN_CHANGES_MAX];
	size_t n_changed;
	uint64_t drop_flush;           /* flush asked before a give-away, 0: none */
	uint64_t quiet_until;          /* mono ms: after a reconnect, take nothing before */
	unsigned n_live, share;
};

static struct db_own *
own_of(struct cp_db *db)
{
	if (db->own == NULL)
		db->own = calloc(1, sizeof(*db->own));
	return db->own;
}

static void
confirm(struct cp_db *db, struct db_own *o, uint64_t sent)
{
	o->confirmed = sent;
	atomic_store_explicit(&db->own_until, sent + db->o.own_lease_ms - OWN_MARGIN_MS,
			      memory_order_release);
}

static void
set_state(struct cp_db *db, unsigned b, uint8_t s)
{
	atomic_store_explicit(&db->buckets[b], s, memory_order_release);
}

static void
push_op(struct cp_db *db, uint8_t op, unsigned bucket, int64_t id)
{
	struct cp_db_claim c;

	memset(&c, 0, sizeof(c));
	c.op = op;
	c.bucket = (uint16_t)bucket;
	c.device_id = id;
	db_push_claims(db, &c, 1);
}

static size_t
queued(struct cp_db *db)
{
	size_t n;

	pthread_mutex_lock(&db->q_lock);
	n = db->claims_n;
	pthread_mutex_unlock(&db->q_lock);
	return n;
}

static void
count_mine(struct cp_db *db, struct db_own *o)
{
	o->n_mine = 0;
	for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
		o->n_mine += o->mine[b];
	pthread_mutex_lock(&db->q_lock);
	db->st.buckets_owned = o->n_mine;
	pthread_mutex_unlock(&db->q_lock);
}

/* "1,5,9" -> marks in set. */
static void
parse_list(const char *s, uint8_t *set)
{
	while (*s) {
		char *end;
		long b = strtol(s, &end, 10);

		if (end == s)
			break;
		if (b >= 0 && b < CP_DB_BUCKETS)
			set[b] = 1;
		s = *end == ',' ? end + 1 : end;
	}
}

/* Heartbeat, renew, count the living.  0, or -1. */
static int
renew(struct cp_db *db, struct db_own *o)
{
	static const char sql[] =
		"WITH hb AS (INSERT INTO appliances (name, poller_group, active, last_seen, cores, load,"
		"   lease_until) VALUES ($2, $1, true, now(), $4::int, 0,"
		"   now() + $3::int * interval '1 ms') ON CONFLICT (name) DO UPDATE"
		"   SET poller_group = $1, active = true, last_seen = now(), cores = $4::int,"
		"   lease_until = now() + $3::int * interval '1 ms' RETURNING 1),"
		" mine AS (SELECT bucket FROM device_buckets WHERE poller_group = $1 AND owner = $2),"
		" live AS (SELECT name FROM appliances WHERE poller_group = $1 AND active AND name <> $2"
		"   AND last_seen > now() - $5::int * interval '1 second')"
		" SELECT coalesce((SELECT string_agg(bucket::text, ',') FROM mine), ''),"
		"   (SELECT count(*) FROM live) + 1, (SELECT count(*) FROM live WHERE name < $2),"
		"   (SELECT count(*) FROM hb)";
	char lease[16], cores[16], live[16];
	const char *params[5] = { db->o.poller_group, db->o.appliance, lease, cores, live };
	uint8_t now_mine[CP_DB_BUCKETS] = { 0 };
	uint64_t sent = db_mono_ms();
	unsigned rank, lost = 0;
	PGresult *r;

	snprintf(lease, sizeof(lease), "%u", db->o.own_lease_ms);
	snprintf(cores, sizeof(cores), "%u", db->o.cores);
	snprintf(live, sizeof(live), "%d", OWN_LIVE_S);
	r = db_run(db, "bucket renewal", sql, 5, params);
	if (!r)
		return -1;
	parse_list(PQgetvalue(r, 0, 0), now_mine);
	o->n_live = (unsigned)atoi(PQgetvalue(r, 0, 1));
	rank = (unsigned)atoi(PQgetvalue(r, 0, 2));
	PQclear(r);
	if (o->n_live == 0)
		o->n_live = 1;
	o->share = CP_DB_BUCKETS / o->n_live + (rank < CP_DB_BUCKETS % o->n_live);
	for (unsigned b = 0; b < CP_DB_BUCKETS; b++) {
		if (o->mine[b] && !now_mine[b]) {
			/* Taken by another while our lease had lapsed: we stopped
			 * starting its jobs at the margin already. */
			lost++;
			o->mine[b] = o->load[b] = o->drop[b] = 0;
			set_state(db, b, CP_DB_B_NONE);
			push_op(db, CP_DB_OP_BUCKET_GONE, b, 0);
		} else if (now_mine[b] && !o->mine[b]) {
			/* Ours from before (a restart under the same name): load it. */
			o->mine[b] = o->load[b] = 1;
		}
		if (o->mine[b])
			set_state(db, b, o->drop[b] ? CP_DB_B_DROPPING : CP_DB_B_OWNED);
	}
	if (lost)
		db_log(db, "%u bucket(s) were taken by other appliances while our lease had lapsed",
		       lost);
	/* Only now: a bucket lost meanwhile is NONE before jobs may start again. */
	confirm(db, o, sent);
	count_mine(db, o);
	return 0;
}

/* Take up to want free or expired buckets. */
static void
take(struct cp_db *db, struct db_own *o, unsigned want)
{
	static const char sql[] =
		"UPDATE device_buckets b SET owner = $2, taken_at = now()"
		" FROM (SELECT bucket, owner AS was FROM device_buckets x WHERE poller_group = $1"
		"   AND (owner IS NULL OR (owner <> $2 AND NOT EXISTS (SELECT 1 FROM appliances a"
		"     WHERE a.name = x.owner AND a.lease_until >= now())))"
		"   ORDER BY bucket LIMIT $3::int FOR UPDATE SKIP LOCKED) f"
		" WHERE b.poller_group = $1 AND b.bucket = f.bucket"
		" RETURNING b.bucket, f.was IS NOT NULL";
	char lim[16];
	const char *params[3] = { db->o.poller_group, db->o.appliance, lim };
	PGresult *r;
	int n;

	snprintf(lim, sizeof(lim), "%u", want);
	r = db_run(db, "bucket take", sql, 3, params);
	if (!r)
		return;
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		int b = atoi(PQgetvalue(r, i, 0));

		if (b < 0 || b >= CP_DB_BUCKETS || o->mine[b])
			continue;
		o->mine[b] = o->load[b] = 1;
		o->drop[b] = 0;
		/* Its owner died: what it polled since its last write-back is
		 * not in the table, so its devices are polled soon. */
		o->dead[b] = PQgetvalue(r, i, 1)[0] == 't';
		set_state(db, (unsigned)b, CP_DB_B_OWNED);
	}
	PQclear(r);
	if (n > 0) {
		pthread_mutex_lock(&db->q_lock);
		db->st.buckets_taken += (uint64_t)n;
		pthread_mutex_unlock(&db->q_lock);
		db_log(db, "took %d bucket(s) (fair share %u of %u live appliance(s))", n, o->share,
		       o->n_live);
	}
	count_mine(db, o);
}

/* Mark the highest buckets above the share for giving away. */
static void
choose_drops(struct cp_db *db, struct db_own *o)
{
	unsigned over = o->n_mine > o->share ? o->n_mine - o->share : 0;

	for (unsigned b = CP_DB_BUCKETS; b-- > 0 && over > 0;) {
		if (!o->mine[b] || o->drop[b])
			continue;
		o->drop[b] = 1;
		o->load[b] = 0;
		set_state(db, b, CP_DB_B_DROPPING);
		over--;
	}
}

/* Give away the buckets marked: once their jobs ended and their
 * columns are written.  With all, every bucket (at stop, or passive). */
static int
give_away(struct cp_db *db, struct db_own *o, int all)
{
	static const char sql[] =
		"UPDATE device_buckets SET owner = NULL, taken_at = NULL"
		" WHERE poller_group = $1 AND owner = $2 AND bucket = ANY($3::int[])";
	char list[CP_DB_BUCKETS * 6 + 4];
	size_t len = 0;
	const char *params[3] = { db->o.poller_group, db->o.appliance, list };
	unsigned n = 0;
	/* At stop the cores are done and the main thread handed everything. */
	int stopping = atomic_load(&db->stopping);
	PGresult *r;

	for (unsigned b = 0; b < CP_DB_BUCKETS; b++) {
		if (all && o->mine[b] && !o->drop[b]) {
			o->drop[b] = 1;
			set_state(db, b, CP_DB_B_DROPPING);
		}
		if (o->drop[b] && !stopping && atomic_load(&db->bucket_jobs[b]) > 0)
			return 0;   /* a job still runs: next time */
		n += o->drop[b];
	}
	if (n == 0)
		return 1;
	/* The main thread hands its columns over, then they are written. */
	pthread_mutex_lock(&db->q_lock);
	if (stopping) {
		/* nothing to wait for */
	} else if (o->drop_flush == 0) {
		o->drop_flush = ++db->flush_asked;
		pthread_mutex_unlock(&db->q_lock);
		return 0;
	}
	if (db->flush_done < o->drop_flush) {
		pthread_mutex_unlock(&db->q_lock);
		return 0;
	}
	pthread_mutex_unlock(&db->q_lock);
	db_write_states(db);
	pthread_mutex_lock(&db->q_lock);
	n = db->states_n == 0;
	pthread_mutex_unlock(&db->q_lock);
	if (!n)
		return 0;   /* not written (the database is away): next time */
	list[len++] = '{';
	for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
		if (o->drop[b])
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u",
						list[len - 1] == '{' ? "" : ",", b);
	list[len++] = '}';
	list[len] = '\0';
	r = db_run(db, "bucket give-away", sql, 3, params);
	if (!r)
		return 0;
	n = (unsigned)atoi(PQcmdTuples(r));
	PQclear(r);
	for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
		if (o->drop[b]) {
			o->mine[b] = o->drop[b] = o->load[b] = 0;
			set_state(db, b, CP_DB_B_NONE);
			push_op(db, CP_DB_OP_BUCKET_GONE, b, 0);
		}
	o->drop_flush = 0;
	pthread_mutex_lock(&db->q_lock);
	db->st.buckets_given += n;
	pthread_mutex_unlock(&db->q_lock);
	if (n)
		db_log(db, "gave away %u bucket(s)", n);
	count_mine(db, o);
	return 1;
}

/* Read device rows and queue them: UPSERT for ours, REMOVE for the rest.
 * where: the statement's WHERE clause on table d, $1 the group and $2
 * an array literal. */
static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* seen: for a read of o->changed (sorted), which ids came back.  after:
 * a load's range, ids in ($3, $4] = (*after, *after + OWN_LOAD_IDS]. */
static int
read_rows(struct cp_db *db, struct db_own *o, const char *what, const char *where,
	  const char *array, uint8_t *seen, const int64_t *after)
{
	char sql[2048], from[24], to[24];
	const char *params[4] = { db->o.poller_group, array, from, to };
	struct cp_db_claim *c;
	PGresult *r;
	int n, k = 0;

	snprintf(sql, sizeof(sql), "SELECT" DB_DEVICE_COLS DB_OWN_COLS " FROM devices d WHERE %s",
		 where);
	snprintf(from, sizeof(from), "%lld", after ? (long long)*after : 0LL);
	snprintf(to, sizeof(to), "%lld", after ? (long long)(*after + OWN_LOAD_IDS) : 0LL);
	r = db_run(db, what, sql, after ? 4 : 2, params);
	if (!r)
		return -1;
	n = PQntuples(r);
	c = o->rows;   /* OWN_ROWS_CHUNK records, made once: no fresh pages per statement */
	for (int i = 0; i < n; i++) {
		if (k == OWN_ROWS_CHUNK) {
			db_push_claims(db, c, (size_t)k);
			k = 0;
		}
		db_row_to_claim(r, i, 0, &c[k]);
		if (!seen && (!o->mine[c[k].bucket] || o->drop[c[k].bucket]))
			continue;   /* given away meanwhile: not ours to send */
		c[k].op = CP_DB_OP_UPSERT;
		c[k].taken_over = !seen && o->dead[c[k].bucket];
		k++;
		if (seen) {
			const int64_t *at = bsearch(&c[k - 1].device_id, o->changed, o->n_changed,
						    sizeof(int64_t), cmp_id);

			if (at)
				seen[at - o->changed] = 1;
		}
		if (seen && (strcmp(PQgetvalue(r, i, DB_OWN_COL + 4), db->o.poller_group) != 0 ||
				PQgetvalue(r, i, DB_OWN_COL + 5)[0] != 't' ||
				!o->mine[c[k - 1].bucket])) {
			struct cp_db_claim *x = &c[k - 1];
			int64_t id = x->device_id;
			unsigned b = x->bucket;

			memset(x, 0, sizeof(*x));
			x->op = CP_DB_OP_REMOVE;
			x->device_id = id;
			x->bucket = (uint16_t)b;
		}
	}
	PQclear(r);
	if (k)
		db_push_claims(db, c, (size_t)k);
	explicit_bzero(c, sizeof(*c) * (size_t)(n < OWN_ROWS_CHUNK ? n : OWN_ROWS_CHUNK));   /* v3 */
	pthread_mutex_lock(&db->q_lock);
	db->st.devices_loaded += (uint64_t)n;
	pthread_mutex_unlock(&db->q_lock);
	return n;
}

/* The largest device id, or -1. */
static int64_t
max_id(struct cp_db *db)
{
	PGresult *r = db_run(db, "bucket load", "SELECT coalesce(max(id), 0) FROM devices", 0, NULL);
	int64_t v;

	if (!r)
		return -1;
	v = atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

/*
 * Load the buckets marked load, in passes: a pass takes every bucket
 * marked, then reads their devices by ranges of OWN_LOAD_IDS ids, in
 * order, as the main thread makes room: the primary key's range scan
 * reads each heap page once whatever the number of buckets (a bucket
 * alone is every 1024th row: read bucket by bucket through an index,
 * a page is read once for each of its rows).  The bucket test is kept
 * off the devices_bucket index ("id + 0"), whose plan would sort the
 * whole pass for each range.
 */
static void
load_some(struct cp_db *db, struct db_own *o)
{
	static char list[CP_DB_BUCKETS * 6 + 4];
	char where[256];
	unsigned n;
	size_t len;
	int rows;

	while (queued(db) < OWN_QUEUE_MAX) {
		if (!o->in_pass) {
			n = 0;
			for (unsigned b = 0; b < CP_DB_BUCKETS; b++) {
				o->pass[b] = o->load[b] && o->mine[b] && !o->drop[b];
				if (o->pass[b]) {
					o->load[b] = 0;
					push_op(db, CP_DB_OP_SYNC_BEGIN, b, 0);
					n++;
				}
			}
			if (n == 0)
				return;
			o->in_pass = 1;
			o->pass_after = 0;
			o->pass_max = max_id(db);
			if (o->pass_max < 0) {   /* the database is away: start over later */
				for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
					o->load[b] |= o->pass[b];
				o->in_pass = 0;
				return;
			}
		}
		len = 0;
		list[len++] = '{';
		for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
			if (o->pass[b] && o->mine[b] && !o->drop[b])
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%u",
							len > 1 ? "," : "", b);
		list[len++] = '}';
		list[len] = '\0';
		snprintf(where, sizeof(where), "d.poller_group = $1 AND d.active"
			 " AND ((d.id + 0) %% 1024)::int = ANY($2::int[])"
			 " AND d.id > $3::bigint AND d.id <= $4::bigint");
		rows = len > 2 ? read_rows(db, o, "bucket load", where, list, NULL,
					  &o->pass_after) : 0;
		if (rows < 0) {
			/* No SYNC_END: nothing is dropped; the pass starts over. */
			for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
				o->load[b] |= o->pass[b];
			o->in_pass = 0;
			return;
		}
		o->pass_after += OWN_LOAD_IDS;
		if (len <= 2 || o->pass_after >= o->pass_max) {   /* the pass is done */
			for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
				if (o->pass[b]) {
					if (o->mine[b] && !o->drop[b])
						push_op(db, CP_DB_OP_SYNC_END, b, 0);
					o->pass[b] = o->dead[b] = 0;
				}
			o->in_pass = 0;
		}
	}
}

/* The rows NOTIFY said changed, those of our buckets, in one statement. */
static void
read_changes(struct cp_db *db, struct db_own *o)
{
	char *list;
	size_t len = 0, cap = o->n_changed * 21 + 4;
	uint8_t *seen;
	int n;

	if (o->n_changed == 0 || queued(db) >= OWN_QUEUE_MAX)
		return;
	qsort(o->changed, o->n_changed, sizeof(int64_t), cmp_id);
	list = malloc(cap);
	seen = calloc(o->n_changed, 1);
	if (list == NULL || seen == NULL) {
		free(list);
		free(seen);
		return;
	}
	list[len++] = '{';
	for (size_t i = 0; i < o->n_changed; i++)
		len += (size_t)snprintf(list + len, cap - len, "%s%lld", i ? "," : "",
					(long long)o->changed[i]);
	list[len++] = '}';
	list[len] = '\0';
	n = read_rows(db, o, "changed devices", "d.id = ANY($2::bigint[]) AND $1::text <> ''",
		      list, seen, NULL);
	free(list);
	if (n < 0) {
		free(seen);
		return;
	}
	/* Ids the statement did not return were deleted meanwhile. */
	for (size_t i = 0; i < o->n_changed; i++)
		if (!seen[i])
			push_op(db, CP_DB_OP_REMOVE, (unsigned)(o->changed[i] % CP_DB_BUCKETS),
				o->changed[i]);
	free(seen);
	o->n_changed = 0;
}

void
db_own_changed(struct cp_db *db, int64_t id)
{
	struct db_own *o = own_of(db);

	if (o == NULL || id <= 0 || !o->mine[id % CP_DB_BUCKETS])
		return;
	for (size_t i = 0; i < o->n_changed; i++)
		if (o->changed[i] == id)
			return;
	if (o->n_changed == OWN_CHANGES_MAX) {
		db_own_resync(db);
		return;
	}
	o->changed[o->n_changed++] = id;
}

void
db_own_resync(struct cp_db *db)
{
	struct db_own *o = own_of(db);

	if (o == NULL)
		return;
	for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
		o->load[b] = o->mine[b] && !o->drop[b];
	o->n_changed = 0;
}

/* After a reconnect the others reconnect too: give them time to show
 * they are alive before their buckets, whose leases lapsed while the
 * database was away, look free. */
void
db_own_reconnected(struct cp_db *db)
{
	struct db_own *o = own_of(db);

	if (o != NULL)
		o->quiet_until = db_mono_ms() + (OWN_LIVE_S + 1) * 1000u;
}

int
db_own_poll_now(struct cp_db *db, int64_t id)
{
	struct db_own *o = own_of(db);

	if (o == NULL || id <= 0 || !o->mine[id % CP_DB_BUCKETS])
		return 0;
	push_op(db, CP_DB_OP_POLL_NOW, (unsigned)(id % CP_DB_BUCKETS), id);
	return 1;
}

uint64_t
db_own_next(const struct cp_db *db)
{
	return db->own ? db->own->next_round : 0;
}

void
db_own_tick(struct cp_db *db, uint64_t now, int active)
{
	struct db_own *o = own_of(db);

	if (o == NULL)
		return;
	if (!active) {
		/* Passive (HA): what we hold goes to whoever is active. */
		if (o->n_mine)
			give_away(db, o, 1);
		return;
	}
	if (!o->rows_ready) {
		static const char sql[] =
			"INSERT INTO device_buckets (poller_group, bucket)"
			" SELECT $1, generate_series(0, 1023) ON CONFLICT DO NOTHING";
		const char *params[1] = { db->o.poller_group };
		PGresult *r = db_run(db, "bucket rows", sql, 1, params);

		if (!r)
			return;
		PQclear(r);
		o->rows_ready = 1;
	}
	if (now >= o->next_round) {
		o->next_round = now + OWN_ROUND_MS;
		if (renew(db, o) == 0) {
			if (o->n_mine < o->share && now >= o->quiet_until)
				take(db, o, o->share - o->n_mine);
			else if (o->n_mine > o->share)
				choose_drops(db, o);
		}
	}
	/* The lease may lapse before we can renew it: start nothing more
	 * (the main thread also checks cp_db_own_until at each job, for
	 * when this thread is stuck in a connect). */
	if (o->n_mine && db_mono_ms() + OWN_MARGIN_MS > o->confirmed + db->o.own_lease_ms)
		for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
			if (o->mine[b] && atomic_load(&db->buckets[b]) == CP_DB_B_OWNED)
				set_state(db, b, CP_DB_B_PAUSED);
	for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
		if (o->drop[b]) {
			give_away(db, o, 0);
			break;
		}
	read_changes(db, o);
	load_some(db, o);
}

int
db_own_finish(struct cp_db *db)
{
	struct db_own *o = db->own;

	if (o == NULL || o->n_mine == 0)
		return 1;
	return give_away(db, o, 1);
}

/* Write the columns the main thread handed over, batch_max rows a statement. */
void
db_write_states(struct cp_db *db)
{
	struct cp_db_state *s;
	size_t n, off = 0;

	pthread_mutex_lock(&db->q_lock);
	s = db->states;
	n = db->states_n;
	db->states = NULL;
	db->states_n = db->states_cap = 0;
	pthread_mutex_unlock(&db->q_lock);
	while (off < n && !db_conn_lost(db->conn)) {
		size_t k = n - off < db->o.batch_max ? n - off : db->o.batch_max;

		if (db_write_state_rows(db, s + off, k) != 0)
			break;
		off += k;
	}
	if (off < n) {
		/* Kept for the next try, before anything handed over since. */
		pthread_mutex_lock(&db->q_lock);
		if (db->states_n) {
			struct cp_db_state *p = realloc(s, (n + db->states_n) * sizeof(*p));

			if (p) {
				memcpy(p + n, db->states, db->states_n * sizeof(*p));
				free(db->states);
				s = p;
				n += db->states_n;
			} else {
				db_log(db, "out of memory: %zu devices' columns not written",
				       db->states_n);
				free(db->states);
			}
		}
		memmove(s, s + off, (n - off) * sizeof(*s));
		db->states = s;
		db->states_n = db->states_cap = n - off;
		pthread_mutex_unlock(&db->q_lock);
		return;
	}
	free(s);
}
