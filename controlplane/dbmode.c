/*
 * dbmode.c - claims in, results out: the main lcore's side of DB mode
 * (see cp_dbmode.h).
 *
 * Device slots.  A claim names a device by its devices.id.  A hash from
 * id to slot gives each device one slot in app->devs for as long as it
 * exists, so the slot's core assignment is sticky and /argos/device
 * finds it.  A deleted device's slot is freed once no job of it is in
 * flight.  The slot table is allocated once (calloc: untouched slots
 * cost no memory) and never moves, because the telemetry thread reads it.
 *
 * Own mode (--db-mode own, the default).  The DB thread streams the
 * devices of the buckets this appliance holds (db/db_own.c); each gets
 * a slot, chained in its bucket's list, and its SNMP polls and pings
 * are scheduled here on the due-time heap, each on its own grid: the
 * first due time keeps the phase of the last poll the database knows
 * (spread over the period when there is none), every next one is one
 * period after the last was due.  A heap entry is live while its time
 * equals the slot's due[kind]; a re-scheduled device leaves a stale
 * entry behind, dropped when popped.  No job starts in a bucket that
 * is not OWNED, nor once the lease may have lapsed (cp_db_own_until).
 * Failed polls are reported at once; the horus columns of each device
 * are kept here and handed over in bulk when the DB thread asks.
 *
 * Profiles.  The cores read a table of profiles that the control plane
 * fills before it sends the first job that names an entry; the job
 * ring's enqueue publishes the entry.  An entry is never rewritten
 * while a job may use it: a changed profile takes a new entry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <time.h>

#include <rte_atomic.h>

#include "cp_app.h"
#include "cp_db.h"
#include "cp_dbmode.h"
#include "sx_app.h"

#define HASH_SIZE (2 * CP_DB_SLOTS)   /* power of two, half full at most */
#define KEY_EMPTY (-1)
#define KEY_GONE (-2)
#define CLAIMS_PER_TICK 1024
#define NIL UINT32_MAX
#define PAUSE_RETRY_MS 250      /* a paused bucket's device is looked at again */
#define OVERDUE_SPREAD_MS 1000  /* due already (or new): polled within this */
#define STATES_PER_CALL 65536
#define REBASE_MS 1000          /* a job later than this moves its device's grid */
#define CROWD_MAX 200           /* new devices a second polled soon; more: spread */
#define CROWD_SPREAD_MS 60000   /* over the period, or this if shorter */
#define TAKEOVER_SPREAD_MS 4000 /* a dead appliance's devices: polled within this */

/* Lateness buckets (seconds) of argos_db_lateness_seconds. */
static const double late_le[CP_DBMODE_LATE_N] = { 0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5,
						  1, 2.5, 5, 10, 30, 60 };

/* Own mode's per-slot state. */
struct own_slot {
	uint64_t due[3];              /* by kind: the live heap entry's time, 0: none */
	uint64_t base[3];             /* by kind: when the poll was due (the grid) */
	int64_t polled_ms, pinged_ms; /* unix ms of the last ones, not yet handed over */
	uint32_t bnext, bprev;        /* the bucket's list */
	uint16_t maxrep;
	int8_t alt;
	uint8_t poll_ok, dirty, stale, poll_now, listed;
	uint8_t again;                /* v3: the next send goes on with the same poll */
	uint16_t pgen;                /* the profiles' generation its entry was taken in */
	int32_t profile_id;           /* devices.profile_id */
};

_Static_assert(sizeof(((struct cp_device *)0)->hostname) >= CP_DB_HOSTNAME_MAX,
	       "a claim's hostname fits a device slot");

struct slot_info {
	uint8_t busy;                 /* jobs of this device in flight */
	uint8_t deleted;              /* free the slot when busy drops to 0 */
	uint8_t err[3];               /* first error of the job in flight, by kind */
	uint8_t n_labels;             /* the device's tags, as label pairs */
	char labels[CP_DB_LABELS_MAX];
};

struct profile_ref {
	int32_t db_id;
	uint16_t entry;
};

struct cp_dbmode {
	struct cp_db *db;
	int64_t *keys;                /* HASH_SIZE: device id, or KEY_* */
	uint32_t *vals;               /* HASH_SIZE: slot */
	uint32_t *free_slots;         /* stack */
	uint32_t n_free;
	uint32_t slots_hwm;           /* no slot at or above was ever taken */
	struct slot_info *info;       /* per slot */
	struct profile_ref profiles[ARGOS_MAX_PROFILES];
	unsigned n_profile_refs;
	uint32_t outstanding[3];      /* jobs claimed and not ended, by kind */
	struct cp_db_claim claims[CLAIMS_PER_TICK];
	int was_active;
	/* own mode */
	int own;
	struct own_slot *os;          /* per slot */
	uint32_t bhead[CP_DB_BUCKETS];
	uint32_t *dirty;              /* slots whose columns changed */
	uint32_t n_dirty;
	struct cp_db_state *states;   /* STATES_PER_CALL, for the hand-over */
	struct cp_dbmode_late late[3];
	uint16_t pgen;                /* bumped when the profiles change */
	uint64_t crowd_s;             /* first_due: the second counted, and how many */
	uint32_t crowd_n;
	uint64_t devices_now, sched_full, refused;
};

static uint32_t
hash_id(int64_t id)
{
	uint64_t x = (uint64_t)id * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(x >> 40) & (HASH_SIZE - 1);
}

/* The slot of device id, taking a free one when it has none.
 * @return the slot, or UINT32_MAX when every slot is taken. */
static uint32_t
slot_of(struct cp_dbmode *m, int64_t id)
{
	uint32_t h = hash_id(id), gone = UINT32_MAX;

	for (;; h = (h + 1) & (HASH_SIZE - 1)) {
		if (m->keys[h] == id)
			return m->vals[h];
		if (m->keys[h] == KEY_GONE && gone == UINT32_MAX)
			gone = h;
		if (m->keys[h] == KEY_EMPTY)
			break;
	}
	if (m->n_free == 0)
		return UINT32_MAX;
	if (gone != UINT32_MAX)
		h = gone;
	m->keys[h] = id;
	m->vals[h] = m->free_slots[--m->n_free];
	if (m->vals[h] >= m->slots_hwm)
		m->slots_hwm = m->vals[h] + 1;
	if (m->own) {
		uint32_t s = m->vals[h], b = (uint32_t)(id % CP_DB_BUCKETS);
		struct own_slot *o = &m->os[s];

		memset(o, 0, sizeof(*o));
		o->bprev = NIL;
		o->bnext = m->bhead[b];
		if (o->bnext != NIL)
			m->os[o->bnext].bprev = s;
		m->bhead[b] = s;
		o->listed = 1;
		o->alt = -1;
		m->devices_now++;
	}
	return m->vals[h];
}

/* The slot of device id, or NIL when it has none. */
static uint32_t
slot_find(const struct cp_dbmode *m, int64_t id)
{
	for (uint32_t h = hash_id(id); m->keys[h] != KEY_EMPTY; h = (h + 1) & (HASH_SIZE - 1))
		if (m->keys[h] == id)
			return m->vals[h];
	return NIL;
}

static void
slot_free(struct cp_app *app, int64_t id)
{
	struct cp_dbmode *m = app->dbm;
	uint32_t h = hash_id(id);

	for (; m->keys[h] != KEY_EMPTY; h = (h + 1) & (HASH_SIZE - 1))
		if (m->keys[h] == id) {
			uint32_t s = m->vals[h];

			m->keys[h] = KEY_GONE;
			if (m->own && m->os[s].listed) {
				struct own_slot *o = &m->os[s];
				uint32_t b = (uint32_t)(id % CP_DB_BUCKETS);

				if (o->bprev != NIL)
					m->os[o->bprev].bnext = o->bnext;
				else
					m->bhead[b] = o->bnext;
				if (o->bnext != NIL)
					m->os[o->bnext].bprev = o->bprev;
				memset(o, 0, sizeof(*o));
				m->devices_now--;
			}
			explicit_bzero(&app->devs[s].usm, sizeof(app->devs[s].usm));
			memset(&app->devs[s], 0, sizeof(app->devs[s]));
			memset(&app->state[s], 0, sizeof(app->state[s]));
			memset(&m->info[s], 0, sizeof(m->info[s]));
			app->core_of[s] = CP_ASSIGN_NONE;
			cp_sx_forget(app, s);
			m->free_slots[m->n_free++] = s;
			return;
		}
}

/* The cores' profile-table entry of a DB profile, loading it on first
 * use.  Entry 0 (the built-in if-mib) stands in when the profile cannot
 * be loaded. */
static uint16_t
profile_entry(struct cp_app *app, int32_t db_id)
{
	struct cp_dbmode *m = app->dbm;
	struct argos_profile p;
	unsigned e;

	for (unsigned i = 0; i < m->n_profile_refs; i++)
		if (m->profiles[i].db_id == db_id)
			return m->profiles[i].entry;
	if (cp_db_profile_oids(m->db, db_id, &p) != 0 || p.n_oids == 0) {
		fprintf(stderr, "argos: db: profile %d cannot be loaded: its devices are polled "
			"with the built-in if-mib profile\n", (int)db_id);
		return 0;
	}
	e = app->n_profiles;
	if (e >= ARGOS_MAX_PROFILES || m->n_profile_refs >= ARGOS_MAX_PROFILES) {
		fprintf(stderr, "argos: db: more than %d profiles or profile changes: "
			"restart argos to reload them\n", ARGOS_MAX_PROFILES);
		return 0;
	}
	app->profiles[e] = p;
	app->n_profiles++;
	m->profiles[m->n_profile_refs++] = (struct profile_ref){ db_id, (uint16_t)e };
	if (app->rw != NULL)
		cp_export_profile_names(app, db_id);
	return (uint16_t)e;
}

int
cp_dbmode_open(struct cp_app *app, char *msg, size_t len)
{
	struct cp_dbmode *m = calloc(1, sizeof(*m));

	if (m == NULL)
		goto nomem;
	app->dbm = m;
	m->keys = malloc(HASH_SIZE * sizeof(*m->keys));
	m->vals = malloc(HASH_SIZE * sizeof(*m->vals));
	m->free_slots = malloc(CP_DB_SLOTS * sizeof(*m->free_slots));
	m->info = calloc(CP_DB_SLOTS, sizeof(*m->info));
	app->devs = calloc(CP_DB_SLOTS, sizeof(*app->devs));
	if (!m->keys || !m->vals || !m->free_slots || !m->info || !app->devs)
		goto nomem;
	for (uint32_t i = 0; i < HASH_SIZE; i++)
		m->keys[i] = KEY_EMPTY;
	for (uint32_t i = 0; i < CP_DB_SLOTS; i++)
		m->free_slots[i] = CP_DB_SLOTS - 1 - i;
	m->n_free = CP_DB_SLOTS;
	app->n_devs = CP_DB_SLOTS;
	app->cfg.db.cores = app->n_lanes;
	m->own = app->cfg.db.mode == CP_DB_MODE_OWN;
	if (m->own) {
		m->os = calloc(CP_DB_SLOTS, sizeof(*m->os));
		m->dirty = malloc(CP_DB_SLOTS * sizeof(*m->dirty));
		m->states = malloc(STATES_PER_CALL * sizeof(*m->states));
		if (!m->os || !m->dirty || !m->states)
			goto nomem;
		for (unsigned b = 0; b < CP_DB_BUCKETS; b++)
			m->bhead[b] = NIL;
	}
	if (cp_db_open(&app->cfg.db, &m->db, msg, len) != 0)
		return -1;
	if (cp_db_start(m->db) != 0) {
		snprintf(msg, len, "db: cannot start the DB thread");
		return -1;
	}
	return 0;
nomem:
	snprintf(msg, len, "out of memory for %u device slots", CP_DB_SLOTS);
	return -1;
}

struct cp_db *
cp_dbmode_db(const struct cp_app *app)
{
	return app->dbm ? app->dbm->db : NULL;
}

const char *
cp_dbmode_labels(const struct cp_app *app, uint32_t slot, unsigned *n)
{
	*n = app->dbm->info[slot].n_labels;
	return app->dbm->info[slot].labels;
}

int
cp_dbmode_active(const struct cp_app *app)
{
	return cp_db_active(app->dbm->db);
}

/* Copy a device record into slot s.  kind: the kinds whose learnt
 * state the record brings (CP_DB_SNMP for an SNMP claim; both in own
 * mode).  @return 0, or -1 when its snmp_exporter modules cannot run
 * (reported as the device's error). */
static int
fill_slot(struct cp_app *app, uint32_t s, const struct cp_db_claim *c, uint8_t kind)
{
	struct cp_dbmode *m = app->dbm;
	struct cp_device *d;
	struct cp_db_result r;
	char msg[CP_DB_ERROR_TEXT_MAX];

	d = &app->devs[s];
	snprintf(d->id, sizeof(d->id), "%lld", (long long)c->device_id);
	snprintf(d->hostname, sizeof(d->hostname), "%s", c->hostname);
	d->db_id = c->device_id;
	d->ip = c->ip;
	memcpy(d->community, c->community, sizeof(c->community));
	d->community[ARGOS_COMMUNITY_MAX] = '\0';
	memcpy(d->alt_community, c->alt_community, sizeof(c->alt_community));
	d->alt_community[ARGOS_COMMUNITY_MAX] = '\0';
	d->snmp_flags = c->snmp_flags;
	d->snmp_version = c->snmp_version;
	/* v3: usm_table.c derives the keys at the job, and starts over
	 * (a discovery) when these settings changed since the last claim. */
	if (c->snmp_version == 3)
		d->usm = c->usm;
	else
		memset(&d->usm, 0, sizeof(d->usm));
	d->snmp_port = c->port;
	d->snmp_timeout_ms = c->timeout_ms;
	d->snmp_retries = c->retries;
	d->snmp_max_repetitions = c->max_repetitions;
	if (kind & CP_DB_SNMP) {
		/* The table holds what the last poll learnt, by this appliance
		 * or another; the ceiling and counters of argos_maxrep_memo
		 * stay in memory. */
		app->state[s].maxrep.cur = c->learnt_max_repetitions;
		app->state[s].alt_in_use = c->alt_in_use;
	}
	d->profile = (kind & CP_DB_SNMP) ? profile_entry(app, c->profile_id) : d->profile;
	if ((kind & CP_DB_SNMP) &&
	    cp_sx_bind(app, s, c->sx_modules, c->sx_auth, msg, sizeof(msg)) < 0) {
		/* its snmp_exporter modules cannot run: reported, not polled */
		memset(&r, 0, sizeof(r));
		r.device_id = c->device_id;
		r.kind = CP_DB_SNMP;
		r.alt_in_use = -1;
		r.requested_at_ms = c->claimed_at_ms;
		r.err = ARGOS_ERR_AGENT_ERROR;
		snprintf(r.error_text, sizeof(r.error_text), "%s", msg);
		d->sx_set = 0;
		cp_db_result(m->db, &r);
		return -1;
	}
	m->info[s].n_labels = c->n_labels;
	memcpy(m->info[s].labels, c->labels, sizeof(c->labels));
	return 0;
}

static void
take_claim(struct cp_app *app, const struct cp_db_claim *c, uint64_t now)
{
	struct cp_dbmode *m = app->dbm;
	uint32_t s;
	struct cp_db_result r;

	if (c->refused[0]) {
		/* A row that breaks the devices file's rules (written by hand
		 * in SQL): reported, never polled with a cut community. */
		memset(&r, 0, sizeof(r));
		r.device_id = c->device_id;
		r.kind = c->kind;
		r.requested_at_ms = c->claimed_at_ms;   /* due again one period later */
		r.err = ARGOS_ERR_BAD_DEVICE;
		snprintf(r.error_text, sizeof(r.error_text), "%s", c->refused);
		cp_db_result(m->db, &r);
		return;
	}
	s = slot_of(m, c->device_id);
	if (s == UINT32_MAX || (m->info[s].busy & c->kind)) {
		/* No slot, or the same poll already in flight (a claim that
		 * outlived its lease): give it back at once as an error. */
		memset(&r, 0, sizeof(r));
		r.device_id = c->device_id;
		r.kind = c->kind;
		r.alt_in_use = -1;   /* nothing learnt: leave the columns be */
		r.err = ARGOS_ERR_AGENT_ERROR;
		snprintf(r.error_text, sizeof(r.error_text), s == UINT32_MAX ?
			 "appliance full: %u device slots in use" : "poll already in flight",
			 CP_DB_SLOTS);
		cp_db_result(m->db, &r);
		return;
	}
	if (fill_slot(app, s, c, c->kind) != 0)
		return;
	m->info[s].busy |= c->kind;
	m->info[s].deleted = 0;
	m->info[s].err[c->kind] = ARGOS_ERR_NONE;
	m->outstanding[c->kind]++;
	cp_sched_push(&app->sched, now, s, c->kind);
}

/* After a reconnect: tell the DB thread the devices whose claims this
 * appliance still holds (taken, not yet ended), so that it gives back
 * every other lease under its name. */
static void
keep_leases(struct cp_app *app)
{
	struct cp_dbmode *m = app->dbm;
	int64_t *ids[3] = { NULL };
	size_t n[3] = { 0 };

	for (int k = CP_DB_SNMP; k <= CP_DB_PING; k++)
		ids[k] = malloc((m->outstanding[k] ? m->outstanding[k] : 1) * sizeof(int64_t));
	if (ids[CP_DB_SNMP] == NULL || ids[CP_DB_PING] == NULL) {
		free(ids[CP_DB_SNMP]);
		free(ids[CP_DB_PING]);
		return;   /* the DB thread stops waiting and the leases lapse as before */
	}
	/* Up to the high-water mark only: the table is 1 Mi slots of
	 * 424 bytes, and touching all of it stalled this loop for seconds. */
	for (uint32_t s = 0; s < m->slots_hwm; s++)
		for (int k = CP_DB_SNMP; k <= CP_DB_PING; k++)
			if ((m->info[s].busy & k) && n[k] < m->outstanding[k])
				ids[k][n[k]++] = app->devs[s].db_id;
	cp_db_keep_leases(m->db, ids[CP_DB_SNMP], n[CP_DB_SNMP], ids[CP_DB_PING], n[CP_DB_PING]);
	free(ids[CP_DB_SNMP]);
	free(ids[CP_DB_PING]);
}

/* --- own mode --- */

static uint64_t
unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Does this appliance poll (ping) the device at all? */
static uint32_t
period_ms(const struct cp_app *app, const struct cp_device *d, uint8_t kind)
{
	if (kind == CP_DB_SNMP)
		return app->cfg.db.snmp_freq_ms ? d->polling_frequency * 1000u : 0;
	return app->cfg.db.ping_freq_ms ? d->ping_frequency * 1000u : 0;
}

static void
own_push(struct cp_app *app, uint32_t s, uint8_t kind, uint64_t at, uint64_t base)
{
	struct own_slot *o = &app->dbm->os[s];

	o->due[kind] = at ? at : 1;
	o->base[kind] = base;
	if (cp_sched_push(&app->sched, o->due[kind], s, kind) != 0) {
		o->due[kind] = 0;
		app->dbm->sched_full++;   /* cannot happen: the heap holds 2 entries a slot */
	}
}

/* A device's first due time.  Due one period after the last poll the
 * database knows, if that is still ahead; just missed (by less than a
 * period: a hand-over, a short outage), within OVERDUE_SPREAD_MS, spread
 * by id.  Never polled, or not for longer than a period: within
 * OVERDUE_SPREAD_MS too while they come one by one (a device just
 * added), but spread over the period (a minute at most) once more
 * than CROWD_MAX come in a second (a cold start, a restart after a long
 * stop): a crowd polled at once would come back together every period. */
static uint64_t
first_due(struct cp_dbmode *m, int64_t id, int64_t last_ms, uint32_t period, uint64_t now,
	  uint64_t now_unix, int taken_over)
{
	uint64_t spread = (uint64_t)id * 0x9e3779b97f4a7c15ull >> 20;
	uint32_t soon = period < OVERDUE_SPREAD_MS ? period : OVERDUE_SPREAD_MS;
	int64_t late = (int64_t)now_unix - (last_ms + (int64_t)period);

	/* A dead appliance's device: the table's time may be older than its
	 * last poll, or missing; poll it within TAKEOVER_SPREAD_MS. */
	if (taken_over && (last_ms <= 0 || -late > TAKEOVER_SPREAD_MS))
		return now + spread % (period < TAKEOVER_SPREAD_MS ? period : TAKEOVER_SPREAD_MS);

	if (last_ms > 0 && late <= 0)
		return now + (uint64_t)-late;
	if (last_ms > 0 && late <= (int64_t)period)
		return now + spread % soon;
	if (now / 1000 != m->crowd_s) {
		m->crowd_s = now / 1000;
		m->crowd_n = 0;
	}
	return now + spread % (++m->crowd_n <= CROWD_MAX ? soon :
			       period < CROWD_SPREAD_MS ? period : CROWD_SPREAD_MS);
}

static void
mark_dirty(struct cp_dbmode *m, uint32_t s)
{
	if (!m->os[s].dirty) {
		m->os[s].dirty = 1;
		m->dirty[m->n_dirty++] = s;
	}
}

/* Drop a device: now, or when its jobs end. */
static void
own_remove(struct cp_app *app, uint32_t s)
{
	struct cp_dbmode *m = app->dbm;

	m->os[s].due[CP_DB_SNMP] = m->os[s].due[CP_DB_PING] = 0;
	if (m->info[s].busy)
		m->info[s].deleted = 1;
	else
		slot_free(app, app->devs[s].db_id);
}

static void
own_upsert(struct cp_app *app, const struct cp_db_claim *c, uint64_t now, uint64_t now_unix)
{
	struct cp_dbmode *m = app->dbm;
	uint32_t s = slot_find(m, c->device_id);
	int fresh = s == NIL;
	struct argos_maxrep_memo memo;
	uint8_t alt = 0;
	struct cp_db_result r;

	if (c->refused[0]) {
		/* Reported once as it is read, never polled. */
		memset(&r, 0, sizeof(r));
		r.device_id = c->device_id;
		r.kind = CP_DB_SNMP;
		r.alt_in_use = -1;
		r.requested_at_ms = (int64_t)now_unix;
		r.err = ARGOS_ERR_BAD_DEVICE;
		snprintf(r.error_text, sizeof(r.error_text), "%s", c->refused);
		cp_db_result(m->db, &r);
		m->refused++;
		if (!fresh)
			own_remove(app, s);
		return;
	}
	if (fresh && atomic_load_explicit(&cp_db_buckets(m->db)[c->bucket % CP_DB_BUCKETS],
					  memory_order_acquire) == CP_DB_B_NONE)
		return;   /* its bucket went meanwhile: not ours */
	if (fresh && (s = slot_of(m, c->device_id)) == UINT32_MAX) {
		m->sched_full++;
		return;   /* every slot taken (CP_DB_SLOTS devices): counted in sched_full */
	}
	/* What this appliance learnt stays, unless the ceiling changed (the
	 * table's trigger then reset the learnt column too). */
	if (!fresh && app->devs[s].snmp_max_repetitions != c->max_repetitions)
		fresh = 1;
	if (!fresh) {
		memo = app->state[s].maxrep;
		alt = app->state[s].alt_in_use;
	}
	m->os[s].stale = 0;
	m->info[s].deleted = 0;
	if (fill_slot(app, s, c, CP_DB_SNMP) != 0) {
		own_remove(app, s);
		return;
	}
	if (!fresh) {
		app->state[s].maxrep = memo;
		app->state[s].alt_in_use = alt;
	}
	app->devs[s].polling_frequency = c->snmp_every_s;
	app->devs[s].ping_frequency = c->ping_every_s;
	m->os[s].profile_id = c->profile_id;
	m->os[s].pgen = m->pgen;
	/* A new device is scheduled; a known one keeps its next due time
	 * and takes the change at that poll. */
	for (uint8_t k = CP_DB_SNMP; k <= CP_DB_PING; k++) {
		uint32_t period = period_ms(app, &app->devs[s], k);

		if (period == 0)
			m->os[s].due[k] = 0;
		else if (m->os[s].due[k] == 0 && !(m->info[s].busy & k)) {
			uint64_t at = first_due(m, c->device_id, k == CP_DB_SNMP ?
						c->last_polled_ms : c->last_pinged_ms, period, now,
						now_unix, c->taken_over);

			own_push(app, s, k, at, at);
		}
	}
}

static void
own_poll_now(struct cp_app *app, int64_t id, uint64_t now)
{
	struct cp_dbmode *m = app->dbm;
	uint32_t s = slot_find(m, id);

	if (s == NIL || period_ms(app, &app->devs[s], CP_DB_SNMP) == 0)
		return;
	if (m->info[s].busy & CP_DB_SNMP)
		m->os[s].poll_now = 1;   /* at the end of the poll in flight */
	else
		own_push(app, s, CP_DB_SNMP, now, now);
}

/* Every device of bucket b: mark stale (begin), drop the stale (end),
 * or drop all (gone). */
static void
own_bucket(struct cp_app *app, unsigned b, uint8_t op)
{
	struct cp_dbmode *m = app->dbm;
	uint32_t s = m->bhead[b % CP_DB_BUCKETS];

	while (s != NIL) {
		uint32_t next = m->os[s].bnext;

		if (op == CP_DB_OP_SYNC_BEGIN)
			m->os[s].stale = 1;
		else if (op == CP_DB_OP_BUCKET_GONE || m->os[s].stale)
			own_remove(app, s);
		s = next;
	}
}

static void
own_record(struct cp_app *app, const struct cp_db_claim *c, uint64_t now, uint64_t now_unix)
{
	struct cp_dbmode *m = app->dbm;
	uint32_t s;

	switch (c->op) {
	case CP_DB_OP_UPSERT:
		own_upsert(app, c, now, now_unix);
		break;
	case CP_DB_OP_REMOVE:
		if ((s = slot_find(m, c->device_id)) != NIL)
			own_remove(app, s);
		break;
	case CP_DB_OP_POLL_NOW:
		own_poll_now(app, c->device_id, now);
		break;
	case CP_DB_OP_SYNC_BEGIN:
	case CP_DB_OP_SYNC_END:
	case CP_DB_OP_BUCKET_GONE:
		own_bucket(app, c->bucket, c->op);
		break;
	default:
		break;
	}
}

/* The horus columns of every device that changed, to the DB thread. */
static void
own_hand_over(struct cp_app *app)
{
	struct cp_dbmode *m = app->dbm;
	uint32_t i = 0;

	do {
		size_t n = 0;

		for (; i < m->n_dirty && n < STATES_PER_CALL; i++) {
			uint32_t s = m->dirty[i];
			struct own_slot *o = &m->os[s];

			if (!o->dirty)
				continue;   /* freed since */
			m->states[n++] = (struct cp_db_state){
				.device_id = app->devs[s].db_id, .polled_ms = o->polled_ms,
				.pinged_ms = o->pinged_ms, .max_repetitions = o->maxrep,
				.alt_in_use = o->alt, .poll_ok = o->poll_ok };
			o->dirty = 0;
			o->polled_ms = o->pinged_ms = 0;
			o->maxrep = 0;
			o->alt = -1;
		}
		cp_db_states(m->db, m->states, n, i >= m->n_dirty);
	} while (i < m->n_dirty);
	m->n_dirty = 0;
}

int
cp_dbmode_may_send(struct cp_app *app, const struct cp_due *e, uint64_t now)
{
	struct cp_dbmode *m = app->dbm;
	struct own_slot *o;
	uint8_t st;

	if (m == NULL || !m->own)
		return 1;
	o = &m->os[e->device];
	if (e->kind > CP_DB_PING || o->due[e->kind] != e->at_ms || (m->info[e->device].busy & e->kind))
		return 0;   /* stale: re-scheduled, removed, or running */
	st = atomic_load_explicit(&cp_db_buckets(m->db)[app->devs[e->device].db_id % CP_DB_BUCKETS],
				  memory_order_acquire);
	if (st == CP_DB_B_NONE || st == CP_DB_B_DROPPING) {
		o->due[e->kind] = 0;   /* not ours (any more) */
		return 0;
	}
	if (st == CP_DB_B_PAUSED || now >= cp_db_own_until(m->db)) {
		uint64_t base = o->base[e->kind];   /* lateness counts from the real due time */

		own_push(app, e->device, e->kind, now + PAUSE_RETRY_MS, base);
		return 0;
	}
	if (e->kind == CP_DB_SNMP && o->pgen != m->pgen) {
		/* The profiles changed since its entry was taken: a new one. */
		app->devs[e->device].profile = profile_entry(app, o->profile_id);
		o->pgen = m->pgen;
	}
	return 1;
}

void
cp_dbmode_sent(struct cp_app *app, uint32_t dev, uint8_t kind, uint64_t now)
{
	struct cp_dbmode *m = app->dbm;
	struct own_slot *o;
	double late;
	unsigned i;

	if (m == NULL || !m->own || kind > CP_DB_PING)
		return;
	o = &m->os[dev];
	o->due[kind] = 0;
	m->info[dev].busy |= kind;
	m->outstanding[kind]++;
	cp_db_bucket_jobs(m->db, (unsigned)(app->devs[dev].db_id % CP_DB_BUCKETS), 1);
	if (o->again) {   /* the same poll, its lateness counted already */
		o->again = 0;
		return;
	}
	m->info[dev].err[kind] = ARGOS_ERR_NONE;
	late = now > o->base[kind] ? (double)(now - o->base[kind]) / 1000.0 : 0.0;
	for (i = 0; i < CP_DBMODE_LATE_N && late > late_le[i]; i++)
		;
	m->late[kind].bucket[i]++;
	m->late[kind].count++;
	m->late[kind].sum += late;
	/* Late by more than REBASE_MS (a crowd, a pause): the grid moves to
	 * now, so the crowd does not come back together next period. */
	if (late * 1000.0 > REBASE_MS)
		o->base[kind] = now;
}

/* Own mode's end of a job: keep the columns, report a failure, and
 * schedule the next one on the grid. */
static void
own_done(struct cp_app *app, const struct argos_rec_done *d, const struct cp_db_result *r)
{
	struct cp_dbmode *m = app->dbm;
	uint32_t s = d->h.device;
	struct own_slot *o = &m->os[s];
	uint8_t k = d->job_kind;
	uint64_t now = cp_mono_ms(), next;
	uint32_t period;

	cp_db_bucket_jobs(m->db, (unsigned)(app->devs[s].db_id % CP_DB_BUCKETS), -1);
	if (r->err != ARGOS_ERR_NONE)
		cp_db_result(m->db, r);
	if (k == CP_DB_SNMP) {
		o->polled_ms = r->requested_at_ms;
		o->poll_ok = r->err == ARGOS_ERR_NONE;
		o->maxrep = r->max_repetitions;
		o->alt = r->alt_in_use;
	} else {
		o->pinged_ms = r->requested_at_ms;
	}
	mark_dirty(m, s);
	if (m->info[s].deleted)
		return;   /* freed by the caller */
	period = period_ms(app, &app->devs[s], k);
	if (period == 0 || o->due[k] != 0)
		return;
	if (k == CP_DB_SNMP && o->poll_now) {
		o->poll_now = 0;
		own_push(app, s, k, now, now);
		return;
	}
	/* On the grid; a poll that overran its period starts again at once. */
	next = o->base[k] + period;
	if (k == CP_DB_SNMP && r->err != ARGOS_ERR_NONE && app->cfg.db.down_retry_s &&
	    app->cfg.db.down_retry_s * 1000u < period)
		next = o->base[k] + app->cfg.db.down_retry_s * 1000u;
	own_push(app, s, k, next > now ? next : now, next);
}

void
cp_dbmode_again(struct cp_app *app, uint32_t dev, uint64_t now)
{
	struct cp_dbmode *m = app->dbm;

	if (!m->own) {   /* claim mode: the claim is still held */
		cp_sched_push(&app->sched, now, dev, CP_DB_SNMP);
		return;
	}
	/* As if it ended and was due now; cp_dbmode_sent takes it again. */
	m->info[dev].busy &= (uint8_t)~CP_DB_SNMP;
	m->outstanding[CP_DB_SNMP]--;
	cp_db_bucket_jobs(m->db, (unsigned)(app->devs[dev].db_id % CP_DB_BUCKETS), -1);
	if (m->info[dev].deleted) {
		if (m->info[dev].busy == 0)
			slot_free(app, app->devs[dev].db_id);
		return;
	}
	m->os[dev].again = 1;
	own_push(app, dev, CP_DB_SNMP, now, m->os[dev].base[CP_DB_SNMP]);
}

void
cp_dbmode_late(const struct cp_app *app, uint8_t kind, struct cp_dbmode_late *out)
{
	memset(out, 0, sizeof(*out));
	if (app->dbm && app->dbm->own && kind <= CP_DB_PING)
		*out = app->dbm->late[kind];
}

uint64_t
cp_dbmode_devices(const struct cp_app *app)
{
	return app->dbm && app->dbm->own ? app->dbm->devices_now : 0;
}

void
cp_dbmode_tick(struct cp_app *app, uint64_t now)
{
	struct cp_dbmode *m = app->dbm;
	struct cp_db_event ev[64];
	uint32_t cap = 0, free_snmp, free_ping;
	size_t n;

	if (m->own) {
		uint64_t now_unix = unix_ms();

		/* Bounded per turn, so a load of a million devices never
		 * holds the loop: the queue waits in the DB thread. */
		for (int turn = 0; turn < 8 &&
		     (n = cp_db_take_claims(m->db, m->claims, CLAIMS_PER_TICK)) > 0; turn++) {
			for (size_t i = 0; i < n; i++)
				own_record(app, &m->claims[i], now, now_unix);
			explicit_bzero(m->claims, n * sizeof(m->claims[0]));   /* v3 passphrases */
		}
		if (cp_db_flush_wanted(m->db, now))
			own_hand_over(app);
		goto events;
	}

	/* Capacity: what the cores can hold in flight, less what is
	 * claimed and not ended; never more slots than are free. */
	for (unsigned w = 0; w < app->n_lanes; w++)
		cap += app->lanes[w]->max_sessions;
	free_snmp = cap > m->outstanding[CP_DB_SNMP] ? cap - m->outstanding[CP_DB_SNMP] : 0;
	free_ping = cap > m->outstanding[CP_DB_PING] ? cap - m->outstanding[CP_DB_PING] : 0;
	if (free_snmp > m->n_free)
		free_snmp = m->n_free;
	if (free_ping > m->n_free)
		free_ping = m->n_free;
	cp_db_capacity(m->db, free_snmp, free_ping);

	while ((n = cp_db_take_claims(m->db, m->claims, CLAIMS_PER_TICK)) > 0) {
		if (__atomic_load_n(&app->cfg.debug, __ATOMIC_RELAXED) >= 2)
			fprintf(stderr, "argos: db: %zu claim(s) taken\n", n);
		for (size_t i = 0; i < n; i++)
			take_claim(app, &m->claims[i], now);
		explicit_bzero(m->claims, n * sizeof(m->claims[0]));   /* v3 passphrases */
	}

events:
	while ((n = cp_db_take_events(m->db, ev, 64)) > 0)
		for (size_t i = 0; i < n; i++) {
			uint32_t h;

			switch (ev[i].kind) {
			case CP_DB_EV_DEVICE_DELETED:
				if (m->own)
					break;   /* own mode: a REMOVE record */
				h = hash_id(ev[i].id);
				for (; m->keys[h] != KEY_EMPTY; h = (h + 1) & (HASH_SIZE - 1))
					if (m->keys[h] == ev[i].id)
						break;
				if (m->keys[h] != ev[i].id)
					break;
				if (m->info[m->vals[h]].busy)
					m->info[m->vals[h]].deleted = 1;
				else
					slot_free(app, ev[i].id);
				break;
			case CP_DB_EV_RECONNECTED:
				if (!m->own)
					keep_leases(app);
				break;
			case CP_DB_EV_PROFILES_CHANGED:
				/* New entries at next use; jobs in flight keep theirs. */
				m->n_profile_refs = 0;
				m->pgen++;
				break;
			case CP_DB_EV_ACTIVE:
				fprintf(stderr, "argos: db: this appliance is active: polling\n");
				break;
			case CP_DB_EV_PASSIVE:
				fprintf(stderr, "argos: db: this appliance is passive: no new poll "
					"starts\n");
				break;
			default:     /* changed rows are read again at their next claim */
				break;
			}
		}
}

void
cp_dbmode_error(struct cp_app *app, const struct argos_rec_error *e)
{
	struct slot_info *si = &app->dbm->info[e->h.device];

	if (e->job_kind <= CP_DB_PING && si->err[e->job_kind] == ARGOS_ERR_NONE)
		si->err[e->job_kind] = (uint8_t)e->error;
}

void
cp_dbmode_done(struct cp_app *app, const struct argos_rec_done *d)
{
	struct cp_dbmode *m = app->dbm;
	const struct cp_device *dev = &app->devs[d->h.device];
	struct slot_info *si = &m->info[d->h.device];
	struct cp_db_result r;

	if (d->job_kind > CP_DB_PING || !(si->busy & d->job_kind))
		return;
	memset(&r, 0, sizeof(r));
	r.device_id = dev->db_id;
	r.kind = d->job_kind;
	r.requested_at_ms = cp_clock_ms(&app->clk, d->start_tsc);
	r.duration_ms = (uint32_t)((d->h.tsc - d->start_tsc) * 1000 / app->clk.hz);
	r.err = si->err[d->job_kind];
	r.alt_in_use = -1;
	if (d->job_kind == CP_DB_SNMP) {   /* learnt by cp_learn_poll_end() already */
		r.max_repetitions = app->state[d->h.device].maxrep.cur;   /* 0: not learnt */
		r.alt_in_use = (int8_t)app->state[d->h.device].alt_in_use;
	}
	/* Loss is a ping's measure, not an error: a ping job is reported
	 * only when it could not run (ARP).  A failed SNMP poll always is. */
	if (r.err == ARGOS_ERR_NONE && !d->ok && d->job_kind == CP_DB_SNMP)
		r.err = ARGOS_ERR_TIMEOUT;
	if (r.err != ARGOS_ERR_NONE)
		snprintf(r.error_text, sizeof(r.error_text), "%s%s", argos_err_names[r.err],
			 d->errors > 1 ? " (and more)" : "");
	m->outstanding[d->job_kind]--;
	si->busy &= (uint8_t)~d->job_kind;
	if (m->own)
		own_done(app, d, &r);
	else
		cp_db_result(m->db, &r);
	if (si->busy == 0 && si->deleted)
		slot_free(app, dev->db_id);
}

void
cp_dbmode_close(struct cp_app *app)
{
	if (app->dbm == NULL)
		return;
	if (app->dbm->own && app->dbm->db != NULL)
		own_hand_over(app);   /* the last columns, written before the buckets go */
	if (cp_db_stop(app->dbm->db, 5000) != 0)
		fprintf(stderr, "argos: db: some results could not be written; their devices "
			"are released when their leases expire\n");
	app->dbm->db = NULL;
}
