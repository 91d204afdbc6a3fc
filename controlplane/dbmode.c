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
 * Profiles.  The cores read a table of profiles that the control plane
 * fills before it sends the first job that names an entry; the job
 * ring's enqueue publishes the entry.  An entry is never rewritten
 * while a job may use it: a changed profile takes a new entry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_atomic.h>

#include "cp_app.h"
#include "cp_db.h"
#include "cp_dbmode.h"
#include "sx_app.h"

#define HASH_SIZE (2 * CP_DB_SLOTS)   /* power of two, half full at most */
#define KEY_EMPTY (-1)
#define KEY_GONE (-2)
#define CLAIMS_PER_TICK 1024

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
	return m->vals[h];
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

static void
take_claim(struct cp_app *app, const struct cp_db_claim *c, uint64_t now)
{
	struct cp_dbmode *m = app->dbm;
	uint32_t s;
	struct cp_device *d;
	struct cp_db_result r;
	char msg[CP_DB_ERROR_TEXT_MAX];

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
	if (c->kind == CP_DB_SNMP) {
		/* The table holds what the last poll learnt, by this appliance
		 * or another; the ceiling and counters of argos_maxrep_memo
		 * stay in memory. */
		app->state[s].maxrep.cur = c->learnt_max_repetitions;
		app->state[s].alt_in_use = c->alt_in_use;
	}
	d->profile = c->kind == CP_DB_SNMP ? profile_entry(app, c->profile_id) : d->profile;
	if (c->kind == CP_DB_SNMP &&
	    cp_sx_bind(app, s, c->sx_modules, c->sx_auth, msg, sizeof(msg)) < 0) {
		/* its snmp_exporter modules cannot run: reported, not polled */
		memset(&r, 0, sizeof(r));
		r.device_id = c->device_id;
		r.kind = c->kind;
		r.err = ARGOS_ERR_AGENT_ERROR;
		snprintf(r.error_text, sizeof(r.error_text), "%s", msg);
		d->sx_set = 0;
		cp_db_result(m->db, &r);
		return;
	}
	m->info[s].n_labels = c->n_labels;
	memcpy(m->info[s].labels, c->labels, sizeof(c->labels));
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

void
cp_dbmode_tick(struct cp_app *app, uint64_t now)
{
	struct cp_dbmode *m = app->dbm;
	struct cp_db_event ev[64];
	uint32_t cap = 0, free_snmp, free_ping;
	size_t n;

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

	while ((n = cp_db_take_events(m->db, ev, 64)) > 0)
		for (size_t i = 0; i < n; i++) {
			uint32_t h;

			switch (ev[i].kind) {
			case CP_DB_EV_DEVICE_DELETED:
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
				keep_leases(app);
				break;
			case CP_DB_EV_PROFILES_CHANGED:
				/* New entries at next use; jobs in flight keep theirs. */
				m->n_profile_refs = 0;
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
	cp_db_result(m->db, &r);
	m->outstanding[d->job_kind]--;
	si->busy &= (uint8_t)~d->job_kind;
	if (si->busy == 0 && si->deleted)
		slot_free(app, dev->db_id);
}

void
cp_dbmode_close(struct cp_app *app)
{
	if (app->dbm == NULL)
		return;
	if (cp_db_stop(app->dbm->db, 5000) != 0)
		fprintf(stderr, "argos: db: some results could not be written; their devices "
			"are released when their leases expire\n");
	app->dbm->db = NULL;
}
