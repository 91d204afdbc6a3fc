/*
 * reload.c - SIGHUP: the devices file reloaded into stable slots, the
 * log and the --output file reopened (see cp_reload.h for the slot
 * rules and why they are what they are).
 *
 * A reload, in order:
 *   1. load the file with the loader argos starts with (devices.c); on
 *      any error keep the old table and log FILE:LINE: reason;
 *   2. match the file's devices to the slots by id (a hash made for the
 *      reload), and refuse the file when the new ids need more free
 *      slots than there are;
 *   3. a known id: revive it if it was removed, apply a changed record
 *      now or when the device's jobs end; a new id: take a free slot,
 *      due at once;
 *   4. every live slot the file no longer names is removed: its queued
 *      entries leave the schedule, and the slot is freed when its last
 *      job in flight ends;
 *   5. the longest job, and the XDP program's list of agent ports, are
 *      computed again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cp_app.h"
#include "cp_reload.h"
#include "cp_usm_table.h"
#include "cp_xdp.h"
#include "sx_app.h"

#define GROWTH_MIN 65536    /* free slots at start, at least */

/* Per-slot flags.  A slot is free when neither LIVE nor GONE is set. */
#define S_LIVE 0x01         /* named by the devices file */
#define S_GONE 0x02         /* removed; freed once nothing refers to it */
#define Q(kind) ((uint8_t)((kind) << 2))   /* queued in the schedule */
#define I(kind) ((uint8_t)((kind) << 4))   /* a job in flight */
#define H(kind) ((uint8_t)((kind) << 6))   /* due, held for a changed record */
#define ALL(bit) ((uint8_t)(bit(ARGOS_JOB_SNMP) | bit(ARGOS_JOB_PING)))

struct cp_reload {
	uint8_t *flags;               /* cap_devs */
	struct cp_device **pending;   /* cap_devs: the record to apply, or NULL */
	uint32_t *free_slots;         /* a stack; the top is reused first */
	uint32_t n_free;
};

static const uint8_t kinds[2] = { ARGOS_JOB_SNMP, ARGOS_JOB_PING };

int
cp_reload_wants(const struct cp_config *c, const struct cp_device *d, uint8_t kind)
{
	if (kind == ARGOS_JOB_SNMP)   /* polling_frequency 0: never polled */
		return !c->ping_only &&
		       (c->once || c->devices_cidr != NULL || d->polling_frequency > 0);
	return c->ping_count > 0 && !c->snmp_only &&
	       (c->once || c->devices_cidr != NULL || d->ping_frequency > 0);
}

int
cp_reload_open(struct cp_app *app, char *msg, size_t len)
{
	size_t n = app->n_devs, cap = n > GROWTH_MIN ? 2 * n : n + GROWTH_MIN;
	struct cp_reload *rl = calloc(1, sizeof(*rl));
	struct cp_device *devs;

	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	/* calloc: the slots never used cost address space, not memory. */
	devs = calloc(cap, sizeof(*devs));
	if (rl == NULL || devs == NULL ||
	    (rl->flags = calloc(cap, sizeof(*rl->flags))) == NULL ||
	    (rl->pending = calloc(cap, sizeof(*rl->pending))) == NULL ||
	    (rl->free_slots = malloc((cap - n + 1) * sizeof(*rl->free_slots))) == NULL) {
		if (rl != NULL) {
			free(rl->flags);
			free(rl->pending);
		}
		free(rl);
		free(devs);
		snprintf(msg, len, "out of memory for %zu device slots", cap);
		return -ENOMEM;
	}
	memcpy(devs, app->devs, n * sizeof(*devs));
	free(app->devs);
	app->devs = devs;
	for (size_t i = 0; i < n; i++)
		rl->flags[i] = S_LIVE;
	for (size_t i = cap; i-- > n;)          /* slot n on top */
		rl->free_slots[rl->n_free++] = (uint32_t)i;
	app->cap_devs = cap;
	app->rl = rl;
	return 0;
}

size_t
cp_reload_live(const struct cp_app *app)
{
	size_t n = 0;

	if (app->rl == NULL)
		return app->n_devs;
	for (size_t i = 0; i < app->n_devs; i++)
		n += (app->rl->flags[i] & S_LIVE) != 0;
	return n;
}

void
cp_reload_close(struct cp_app *app)
{
	struct cp_reload *rl = app->rl;

	if (rl == NULL)
		return;
	for (size_t i = 0; i < app->cap_devs; i++)
		free(rl->pending[i]);
	free(rl->pending);
	free(rl->flags);
	free(rl->free_slots);
	free(rl);
	app->rl = NULL;
}

static uint64_t *
next_due(struct cp_app *app, uint32_t slot, uint8_t kind)
{
	return &app->next_due[slot * 2 + (kind == ARGOS_JOB_PING)];
}

void
cp_reload_push(struct cp_app *app, uint64_t at_ms, uint32_t slot, uint8_t kind)
{
	if (cp_sched_push(&app->sched, at_ms, slot, kind) != 0)
		return;    /* cannot happen: one entry per slot and kind at most */
	if (app->rl != NULL)
		app->rl->flags[slot] |= Q(kind);
}

/* When a device that (again) wants a kind is due: on its old grid when
 * that is less than a period away, at once otherwise. */
static uint64_t
resume_at(struct cp_app *app, uint32_t slot, uint8_t kind, uint64_t now)
{
	const struct cp_device *d = &app->devs[slot];
	uint64_t period = (uint64_t)(kind == ARGOS_JOB_SNMP ? d->polling_frequency :
							     d->ping_frequency) * 1000;
	uint64_t at = *next_due(app, slot, kind);

	return at != 0 && at + period > now ? at : now;
}

/* Queue every kind the device wants and has neither queued, in flight
 * nor held. */
static void
ensure_scheduled(struct cp_app *app, uint32_t slot, uint64_t now)
{
	uint8_t f = app->rl->flags[slot];

	for (int k = 0; k < 2; k++)
		if (cp_reload_wants(&app->cfg, &app->devs[slot], kinds[k]) &&
		    !(f & (Q(kinds[k]) | I(kinds[k]) | H(kinds[k]))))
			cp_reload_push(app, resume_at(app, slot, kinds[k], now), slot, kinds[k]);
}

/* Make rec the device's record; what it held waits no longer. */
static void
apply(struct cp_app *app, uint32_t slot, const struct cp_device *rec, uint64_t now)
{
	struct cp_reload *rl = app->rl;
	const struct cp_device *d = &app->devs[slot];

	/* Another agent or other modules: what argos kept of the old one
	 * (lookup cache, restart mark) is not this one's. */
	if (d->ip != rec->ip || d->snmp_port != rec->snmp_port || d->sx_set != rec->sx_set)
		cp_sx_forget(app, slot);
	memcpy(&app->devs[slot], rec, sizeof(*rec));
	free(rl->pending[slot]);
	rl->pending[slot] = NULL;
	rl->flags[slot] &= (uint8_t)~ALL(H);
	ensure_scheduled(app, slot, now);
}

/* Free a removed slot once no job and no schedule entry names it. */
static void
maybe_free(struct cp_app *app, uint32_t slot)
{
	struct cp_reload *rl = app->rl;
	uint8_t f = rl->flags[slot];

	if ((f & S_LIVE) || (f & (ALL(Q) | ALL(I))))
		return;
	if (!(f & S_GONE))
		return;         /* free already */
	memset(&app->devs[slot], 0, sizeof(app->devs[slot]));
	memset(&app->state[slot], 0, sizeof(app->state[slot]));
	cp_sx_forget(app, slot);
	app->core_of[slot] = CP_ASSIGN_NONE;
	app->next_due[slot * 2] = app->next_due[slot * 2 + 1] = 0;
	free(rl->pending[slot]);
	rl->pending[slot] = NULL;
	rl->flags[slot] = 0;
	rl->free_slots[rl->n_free++] = slot;
}

int
cp_reload_may_send(struct cp_app *app, uint32_t slot, uint8_t kind)
{
	struct cp_reload *rl = app->rl;
	uint8_t f;

	if (rl == NULL)
		return 1;
	f = rl->flags[slot];
	if (!(f & S_LIVE) || !cp_reload_wants(&app->cfg, &app->devs[slot], kind)) {
		rl->flags[slot] &= (uint8_t)~Q(kind);
		maybe_free(app, slot);
		return 0;
	}
	if (rl->pending[slot] != NULL && (f & ALL(I))) {
		rl->flags[slot] = (uint8_t)((f & ~Q(kind)) | H(kind));
		return 0;
	}
	return 1;
}

void
cp_reload_sent(struct cp_app *app, uint32_t slot, uint8_t kind)
{
	if (app->rl != NULL)
		app->rl->flags[slot] = (uint8_t)((app->rl->flags[slot] & ~Q(kind)) | I(kind));
}

int
cp_reload_ended(struct cp_app *app, uint32_t slot, uint8_t kind, uint64_t now)
{
	struct cp_reload *rl = app->rl;
	uint8_t f;

	if (rl == NULL)
		return 1;
	f = rl->flags[slot] &= (uint8_t)~I(kind);
	if (!(f & S_LIVE)) {
		maybe_free(app, slot);
		return 0;
	}
	if (rl->pending[slot] != NULL && !(f & ALL(I)))
		apply(app, slot, rl->pending[slot], now);
	return cp_reload_wants(&app->cfg, &app->devs[slot], kind) &&
	       !(rl->flags[slot] & (Q(kind) | H(kind)));
}

/* Records are compared byte for byte, so that a column added to struct
 * cp_device is compared too.  That holds because every record is made
 * by the loader (zeroed, then filled) and only ever copied whole. */
static int
same_device(const struct cp_device *a, const struct cp_device *b)
{
	struct cp_device x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	x.line = y.line = 0;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* The reload's id -> slot hash, open addressing. */
struct id_map {
	uint32_t *slot;     /* UINT32_MAX: empty */
	size_t mask;
};

static size_t
hash_id(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;   /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 29));
}

static int
map_build(struct id_map *m, const struct cp_app *app)
{
	size_t size = 64;

	while (size < 2 * app->n_devs + 1)
		size *= 2;
	m->slot = malloc(size * sizeof(*m->slot));
	if (m->slot == NULL)
		return -ENOMEM;
	memset(m->slot, 0xff, size * sizeof(*m->slot));
	m->mask = size - 1;
	for (uint32_t s = 0; s < app->n_devs; s++) {
		size_t h;

		if (!(app->rl->flags[s] & (S_LIVE | S_GONE)))
			continue;
		for (h = hash_id(app->devs[s].id) & m->mask; m->slot[h] != UINT32_MAX;
		     h = (h + 1) & m->mask)
			;
		m->slot[h] = s;
	}
	return 0;
}

static uint32_t
map_find(const struct id_map *m, const struct cp_app *app, const char *id)
{
	for (size_t h = hash_id(id) & m->mask; m->slot[h] != UINT32_MAX; h = (h + 1) & m->mask)
		if (strcmp(app->devs[m->slot[h]].id, id) == 0)
			return m->slot[h];
	return UINT32_MAX;
}

struct reload_counts {
	size_t added, changed, deferred, removed, kept;
};

/* A device of the new file whose id has slot s. */
static int
reload_known(struct cp_app *app, uint32_t s, const struct cp_device *rec, uint64_t now,
	     struct reload_counts *n)
{
	struct cp_reload *rl = app->rl;
	int revived = (rl->flags[s] & S_GONE) != 0;

	rl->flags[s] = (uint8_t)((rl->flags[s] & ~S_GONE) | S_LIVE);
	if (same_device(&app->devs[s], rec)) {
		free(rl->pending[s]);        /* a change taken back before it applied */
		rl->pending[s] = NULL;
		app->devs[s].line = rec->line;
		n->kept += !revived;
	} else if (rl->flags[s] & ALL(I)) {
		/* Its jobs in flight keep the record they were made from. */
		if (rl->pending[s] == NULL && (rl->pending[s] = malloc(sizeof(*rec))) == NULL)
			return -ENOMEM;
		memcpy(rl->pending[s], rec, sizeof(*rec));
		n->changed += !revived;
		n->deferred++;
	} else {
		apply(app, s, rec, now);
		n->changed += !revived;
	}
	if (revived) {       /* removed by an earlier reload, back before its slot was freed */
		n->added++;
		ensure_scheduled(app, s, now);
	}
	return 0;
}

static int
keep_entry(const struct cp_due *e, void *arg)
{
	struct cp_app *app = arg;
	uint8_t *f = &app->rl->flags[e->device];

	if ((*f & S_LIVE) && cp_reload_wants(&app->cfg, &app->devs[e->device], e->kind))
		return 1;
	*f &= (uint8_t)~Q(e->kind);
	return 0;
}

/* The longest SNMP job of the table: the drain waits that long. */
static void
longest_job(struct cp_app *app)
{
	uint64_t max = 0;

	for (uint32_t s = 0; s < app->n_devs; s++) {
		const struct cp_device *d = &app->devs[s];
		uint64_t t = (uint64_t)d->snmp_timeout_ms * (d->snmp_retries + 1);

		if ((app->rl->flags[s] & (S_LIVE | S_GONE)) && t > max)
			max = t;
	}
	app->max_job_ms = max;
}

/* Give the XDP steering program the agent ports of the new table. */
static void
xdp_ports(struct cp_app *app)
{
	char msg[512];

	if (cp_xdp_set_agent_ports(app->devs, app->n_devs) == 0)
		return;            /* the same ports */
	if (cp_xdp_configure(&app->port, app->cfg.ip, app->cfg.src_port,
			     (uint16_t)(app->cfg.src_port + app->n_lanes - 1), msg, sizeof(msg)) != 0)
		fprintf(stderr, "argos: reload: %s: replies from the new agent ports may not "
			"reach argos\n", msg);
}

/* Steps 2 to 5 of the head comment, with the file's devices v[n]. */
static int
reload_table(struct cp_app *app, const struct cp_device *v, size_t n, uint64_t now,
	     struct reload_counts *cnt, char *msg, size_t len)
{
	struct cp_reload *rl = app->rl;
	struct id_map map;
	uint8_t *seen;
	size_t fresh = 0;
	int rc = 0;

	if (map_build(&map, app) != 0) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		fresh += map_find(&map, app, v[i].id) == UINT32_MAX;
	if (fresh > rl->n_free) {
		snprintf(msg, len, "%zu new devices, and only %u free slots (argos sizes its "
			 "table at start, and removed devices keep theirs until their polls in "
			 "flight end): restart argos to load this file", fresh, rl->n_free);
		free(map.slot);
		return -ENOSPC;
	}
	seen = calloc(app->n_devs + fresh + 1, 1);
	if (seen == NULL) {
		free(map.slot);
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		uint32_t s = map_find(&map, app, v[i].id);

		if (s != UINT32_MAX) {
			rc = reload_known(app, s, &v[i], now, cnt);
		} else {
			s = rl->free_slots[--rl->n_free];
			memcpy(&app->devs[s], &v[i], sizeof(v[i]));
			rl->flags[s] = S_LIVE;
			if (s >= app->n_devs)
				app->n_devs = s + 1;
			ensure_scheduled(app, s, now);
			cnt->added++;
		}
		seen[s] = 1;
	}
	if (rc != 0) {
		/* Out of memory half way: the table is consistent, but only
		 * part of the file is in it.  Say so rather than pretend. */
		snprintf(msg, len, "out of memory half way through: part of the file applies; "
			 "send SIGHUP again");
		free(seen);
		free(map.slot);
		return rc;
	}
	for (uint32_t s = 0; s < app->n_devs; s++)
		if ((rl->flags[s] & S_LIVE) && !seen[s]) {
			rl->flags[s] = (uint8_t)((rl->flags[s] & ~(S_LIVE | ALL(H))) | S_GONE);
			free(rl->pending[s]);
			rl->pending[s] = NULL;
			cnt->removed++;
		}
	cp_sched_filter(&app->sched, keep_entry, app);
	for (uint32_t s = 0; s < app->n_devs; s++)
		if (rl->flags[s] & S_GONE)
			maybe_free(app, s);
	free(seen);
	free(map.slot);
	longest_job(app);
	xdp_ports(app);
	return 0;
}

static void
reload_devices(struct cp_app *app, uint64_t now)
{
	const char *path = app->cfg.devices_path;
	struct reload_counts cnt = { 0 };
	struct cp_device *v;
	char msg[512];
	size_t n;

	if (cp_devices_load(path, &v, &n, msg, sizeof(msg)) != 0) {
		app->reload_failures++;
		fprintf(stderr, "argos: reload: %s; the devices loaded before are kept\n", msg);
		return;
	}
	/* snmp_exporter modules: records with their set, compared as values */
	if (cp_sx_bind_table(app, v, n, msg, sizeof(msg)) != 0) {
		app->reload_failures++;
		fprintf(stderr, "argos: reload: %s; the devices loaded before are kept\n", msg);
		free(v);
		return;
	}
	if (cp_usm_need(app, v, n, msg, sizeof(msg)) != 0 ||
	    reload_table(app, v, n, now, &cnt, msg, sizeof(msg)) != 0) {
		app->reload_failures++;
		fprintf(stderr, "argos: reload: %s: %s; the devices loaded before are kept\n",
			path, msg);
	} else {
		app->reloads++;
		fprintf(stderr, "argos: reload: %s: %zu devices: %zu added, %zu changed (%zu of "
			"them once their poll in flight ends), %zu removed, %zu unchanged\n", path,
			n, cnt.added, cnt.changed, cnt.deferred, cnt.removed, cnt.kept);
	}
	free(v);
}

int
cp_reload_log(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/argos.log", dir);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	fflush(stderr);
	/* dup2 swaps the file under fd 2 at once: the other threads' next
	 * line goes to the new file, and no FILE is closed under them. */
	if (dup2(fd, STDERR_FILENO) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	close(fd);
	return 0;
}

/* Reopen --output FILE (appending: logrotate moved the old one away). */
static void
reopen_output(struct cp_app *app)
{
	FILE *f;

	if (app->out == NULL || app->out == stdout)
		return;
	f = fopen(app->cfg.output_path, "a");
	if (f == NULL) {
		fprintf(stderr, "argos: reload: --output %s cannot be reopened: %s; results go "
			"on to the file open before\n", app->cfg.output_path, strerror(errno));
		return;
	}
	if (fclose(app->out) != 0)
		fprintf(stderr, "argos: reload: --output: the file closed had a write error: %s\n",
			strerror(errno));
	app->out = f;
	setvbuf(app->out, NULL, _IOFBF, 1 << 20);
}

void
cp_reload_hup(struct cp_app *app, uint64_t now)
{
	int file = app->out != NULL && app->out != stdout;

	if (app->cfg.log_dir != NULL) {
		int rc = cp_reload_log(app->cfg.log_dir);

		if (rc < 0)
			fprintf(stderr, "argos: reload: --log %s/argos.log cannot be reopened: %s; "
				"the log goes on to the file open before\n", app->cfg.log_dir,
				strerror(-rc));
	}
	fprintf(stderr, "argos: SIGHUP:%s%s%s\n", app->cfg.log_dir ? " log reopened;" : "",
		file ? " --output reopened;" : "",
		app->rl == NULL ? " no devices file to reload" :
		app->cfg.once ? " the devices file is not reloaded with --once" :
		" reloading the devices file");
	if (file)
		reopen_output(app);
	if (app->rl != NULL && !app->cfg.once)
		reload_devices(app, now);
}
