/*
 * db_queue.c - the hand-over between the main thread and the DB
 * thread: claims one way, results and capacity the other, events to the
 * main thread.  Every function here holds q_lock only for a copy; none
 * waits on Postgres.
 *
 * Why a mutex and not a lock-free ring: both sides are control-plane
 * threads that may block, the critical sections are copies of a few
 * records, and the result buffer must grow while Postgres is away.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_internal.h"

void
db_wake(int fd)
{
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0) {
		/* an eventfd at its maximum is already awake */
	}
}

void
db_push_event(struct cp_db *db, uint8_t kind, int64_t id)
{
	struct cp_db_event *e;

	pthread_mutex_lock(&db->q_lock);
	db->st.events++;
	if (db->ev_n == DB_EVENTS_MAX) {
		/* Full: the newest slot becomes one resync that stands for all lost. */
		db->st.events_dropped++;
		e = &db->events[(db->ev_head + db->ev_n - 1) % DB_EVENTS_MAX];
		kind = CP_DB_EV_DEVICES_RESYNC;
		id = 0;
	} else {
		e = &db->events[(db->ev_head + db->ev_n) % DB_EVENTS_MAX];
		db->ev_n++;
	}
	e->kind = kind;
	e->id = id;
	e->at_ms = (int64_t)db_now_ms();
	pthread_mutex_unlock(&db->q_lock);
}

void
db_push_claims(struct cp_db *db, const struct cp_db_claim *c, size_t n)
{
	pthread_mutex_lock(&db->q_lock);
	if (db->claims_head > 0 && db->claims_head + db->claims_n + n > db->claims_cap) {
		memmove(db->claims, db->claims + db->claims_head,
			db->claims_n * sizeof(*db->claims));
		db->claims_head = 0;
	}
	if (db->claims_n + n > db->claims_cap) {
		size_t cap = (db->claims_n + n) * 2;
		struct cp_db_claim *p = realloc(db->claims, cap * sizeof(*p));

		if (!p) {
			/* The leases expire and the unlocker frees the devices. */
			pthread_mutex_unlock(&db->q_lock);
			db_log(db, "out of memory queueing %zu claims; their leases will expire", n);
			return;
		}
		db->claims = p;
		db->claims_cap = cap;
	}
	memcpy(db->claims + db->claims_head + db->claims_n, c, n * sizeof(*c));
	db->claims_n += n;
	for (size_t i = 0; i < n; i++)
		db->queued[c[i].kind]++;
	db->st.claimed_rows += n;
	pthread_mutex_unlock(&db->q_lock);
}

size_t
db_drain_claims(struct cp_db *db, int64_t **snmp_ids, size_t *n_snmp, int64_t **ping_ids,
		size_t *n_ping)
{
	size_t n;

	*n_snmp = *n_ping = 0;
	pthread_mutex_lock(&db->q_lock);
	n = db->claims_n;
	*snmp_ids = malloc((n ? n : 1) * sizeof(int64_t));
	*ping_ids = malloc((n ? n : 1) * sizeof(int64_t));
	if (!*snmp_ids || !*ping_ids) {
		n = 0;
	} else {
		for (size_t i = 0; i < n; i++) {
			const struct cp_db_claim *c = &db->claims[db->claims_head + i];

			if (c->kind == CP_DB_SNMP)
				(*snmp_ids)[(*n_snmp)++] = c->device_id;
			else
				(*ping_ids)[(*n_ping)++] = c->device_id;
		}
		db->claims_head = db->claims_n = 0;
		db->queued[CP_DB_SNMP] = db->queued[CP_DB_PING] = 0;
	}
	pthread_mutex_unlock(&db->q_lock);
	return n;
}

void
cp_db_capacity(struct cp_db *db, uint32_t snmp_free, uint32_t ping_free)
{
	pthread_mutex_lock(&db->q_lock);
	db->snmp_free = snmp_free;
	db->ping_free = ping_free;
	pthread_mutex_unlock(&db->q_lock);
}

size_t
cp_db_take_claims(struct cp_db *db, struct cp_db_claim *out, size_t max)
{
	size_t n;

	/* Own mode's records flow even when passive: they give buckets back. */
	if (db->o.mode == CP_DB_MODE_CLAIM && !atomic_load_explicit(&db->active, memory_order_relaxed))
		return 0;
	pthread_mutex_lock(&db->q_lock);
	n = db->claims_n < max ? db->claims_n : max;
	if (n) {   /* claims is NULL until the first claim */
		memcpy(out, db->claims + db->claims_head, n * sizeof(*out));
		/* v3 claims carry passphrases: none stays behind in the queue */
		explicit_bzero(db->claims + db->claims_head, n * sizeof(*out));
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t *free_slots = out[i].kind == CP_DB_SNMP ? &db->snmp_free : &db->ping_free;

		db->queued[out[i].kind]--;
		/* Taken claims use the capacity up until the next report. */
		if (*free_slots)
			(*free_slots)--;
	}
	db->claims_head += n;
	db->claims_n -= n;
	if (db->claims_n == 0)
		db->claims_head = 0;
	if (db->o.mode == CP_DB_MODE_CLAIM)
		db->outstanding += n;
	pthread_mutex_unlock(&db->q_lock);
	if (db->o.mode == CP_DB_MODE_OWN && n)
		db_wake(db->wake_fd);   /* room in the queue: the loader goes on */
	return n;
}

const _Atomic uint8_t *
cp_db_buckets(const struct cp_db *db)
{
	return db->buckets;
}

uint64_t
cp_db_own_until(const struct cp_db *db)
{
	return atomic_load_explicit(&db->own_until, memory_order_acquire);
}

void
cp_db_bucket_jobs(struct cp_db *db, unsigned b, int delta)
{
	atomic_fetch_add_explicit(&db->bucket_jobs[b % CP_DB_BUCKETS], delta,
				  memory_order_relaxed);
}

int
cp_db_flush_wanted(struct cp_db *db, uint64_t now_ms)
{
	int want;

	pthread_mutex_lock(&db->q_lock);
	want = db->flush_asked > db->flush_done || now_ms >= db->next_flush_ms ||
	       atomic_load(&db->stopping);
	if (want)
		db->flush_serving = db->flush_asked;
	pthread_mutex_unlock(&db->q_lock);
	return want;
}

int
cp_db_states(struct cp_db *db, const struct cp_db_state *s, size_t n, int done)
{
	int ret = 0;

	pthread_mutex_lock(&db->q_lock);
	if (db->states_n + n > db->states_cap) {
		size_t cap = (db->states_n + n) * 2;
		struct cp_db_state *p = realloc(db->states, cap * sizeof(*p));

		if (p == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		db->states = p;
		db->states_cap = cap;
	}
	if (n)
		memcpy(db->states + db->states_n, s, n * sizeof(*s));
	db->states_n += n;
out:
	if (done) {
		uint32_t every = db->o.write_lag_ms * 3 / 4;

		db->flush_done = db->flush_serving;
		db->next_flush_ms = db_mono_ms() + (every < 1000 ? 1000 : every);
	}
	pthread_mutex_unlock(&db->q_lock);
	if (done)
		db_wake(db->wake_fd);
	return ret;
}

int
cp_db_result(struct cp_db *db, const struct cp_db_result *r)
{
	int wake = 0;

	if ((r->kind != CP_DB_SNMP && r->kind != CP_DB_PING) || r->err >= ARGOS_ERR_MAX)
		return -EINVAL;
	pthread_mutex_lock(&db->q_lock);
	if (db->results_n == db->results_cap) {
		size_t cap = db->results_cap ? db->results_cap * 2 : 4096;
		struct cp_db_result *p;

		if (cap > DB_RESULTS_MAX || !(p = realloc(db->results, cap * sizeof(*p)))) {
			pthread_mutex_unlock(&db->q_lock);
			return -ENOBUFS;
		}
		db->results = p;
		db->results_cap = cap;
	}
	db->results[db->results_n] = *r;
	db->results[db->results_n].error_text[CP_DB_ERROR_TEXT_MAX - 1] = '\0';
	db->results_n++;
	if (db->outstanding)
		db->outstanding--;
	/* One wake-up per full batch; the DB thread's timer writes the rest. */
	wake = db->results_n == db->o.batch_max;
	pthread_mutex_unlock(&db->q_lock);
	if (wake)
		db_wake(db->wake_fd);
	return 0;
}

size_t
cp_db_take_events(struct cp_db *db, struct cp_db_event *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&db->q_lock);
	while (n < max && db->ev_n) {
		out[n++] = db->events[db->ev_head];
		db->ev_head = (db->ev_head + 1) % DB_EVENTS_MAX;
		db->ev_n--;
	}
	pthread_mutex_unlock(&db->q_lock);
	return n;
}

int
cp_db_active(const struct cp_db *db)
{
	return atomic_load_explicit(&db->active, memory_order_relaxed) &&
	       !atomic_load_explicit(&db->stopping, memory_order_relaxed);
}

void
cp_db_get_stats(struct cp_db *db, struct cp_db_stats *out)
{
	pthread_mutex_lock(&db->q_lock);
	*out = db->st;
	out->results_pending = db->results_n;
	out->claims_pending = db->claims_n;
	pthread_mutex_unlock(&db->q_lock);
	out->active = (uint32_t)cp_db_active(db);
}

void
cp_db_keep_leases(struct cp_db *db, const int64_t *snmp, size_t n_snmp, const int64_t *ping,
		  size_t n_ping)
{
	const int64_t *ids[3] = { NULL, snmp, ping };
	size_t n[3] = { 0, n_snmp, n_ping };

	pthread_mutex_lock(&db->q_lock);
	for (int k = CP_DB_SNMP; k <= CP_DB_PING; k++) {
		free(db->keep[k]);
		db->keep[k] = malloc((n[k] ? n[k] : 1) * sizeof(int64_t));
		db->keep_n[k] = db->keep[k] ? n[k] : 0;
		if (db->keep[k] && n[k])
			memcpy(db->keep[k], ids[k], n[k] * sizeof(int64_t));
	}
	db->keep_ready = 1;
	pthread_mutex_unlock(&db->q_lock);
	db_wake(db->wake_fd);
}
