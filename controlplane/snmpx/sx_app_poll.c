/*
 * sx_app_poll.c - from the records of one poll of a module device to
 * the series of its modules (sx_app.h), and the lookup cache.
 *
 * Varbinds of a module device are kept until its job's DONE.  Then:
 * every module takes its share (sx_scope: its own walks and gets, as
 * if snmp_exporter had scraped it alone), sx_collect() makes its series
 * and each goes to the remote-write batch once (a series two modules
 * make, or one a module makes twice, is written once: Prometheus
 * refuses a whole request that holds two values of one series at one
 * time).  A poll that failed as a whole (timeout) writes no module
 * series, as a failed scrape serves none; a module with an error in
 * one of its walks or gets writes none either.  Each module also gets
 * snmp_exporter's snmp_scrape_duration_seconds,
 * snmp_scrape_walk_duration_seconds and snmp_scrape_pdus_returned (with
 * a module label when the device runs several).
 *
 * The lookup cache.  Label tables (lookup columns that no metric
 * reads, such as ifDescr, ifName, ifAlias for if_mib) change seldom.
 * A full poll walks them and keeps their varbinds; a light poll walks
 * only what the metrics need and takes the labels from the cache.  A
 * device is polled light only when its last full poll shows that the
 * light plan costs fewer requests (a light plan walks columns one by
 * one, which pays on tables with many rows), and full again when
 * --lookup-refresh seconds passed, or a light poll saw the agent
 * restart (sysUpTime) or its interface table change
 * (ifTableLastChange).  A renamed interface (ifAlias) shows its new
 * name at the latest after --lookup-refresh.
 *
 * Restarts.  The sysUpTime.0 of every device argos polls (module or
 * not) goes through sx_uptime; argos_agent_resets_total and
 * argos_agent_last_reset_timestamp_seconds are written at each SNMP
 * poll's end.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "argos_snmp.h"
#include "rw.h"
#include "sx_app_internal.h"

static const uint32_t sysuptime_oid[] = SX_SYSUPTIME_OID;
static const uint32_t lastchange_oid[] = { 1, 3, 6, 1, 2, 1, 31, 1, 5, 0 };
static const uint32_t ifnumber_oid[] = { 1, 3, 6, 1, 2, 1, 2, 1, 0 };

int
sx_app_dev_reserve(struct cp_sx *s, size_t n)
{
	/* doubling: DB mode takes slots one by one */
	if (n > s->n_dev && n < 2 * s->n_dev)
		n = 2 * s->n_dev;
	if (n > s->n_dev) {
		struct sx_dev **d = realloc(s->dev, n * sizeof(*d));

		if (d == NULL)
			return -ENOMEM;
		memset(d + s->n_dev, 0, (n - s->n_dev) * sizeof(*d));
		s->dev = d;
		s->n_dev = n;
	}
	if (n > s->n_uptime) {
		struct sx_uptime *u = realloc(s->uptime, n * sizeof(*u));

		if (u == NULL)
			return -ENOMEM;
		memset(u + s->n_uptime, 0, (n - s->n_uptime) * sizeof(*u));
		s->uptime = u;
		s->n_uptime = n;
	}
	return 0;
}

void
sx_app_dev_free(struct sx_dev *d)
{
	if (d == NULL)
		return;
	free(d->recs);
	free(d->arena.p);
	free(d->cache);
	free(d->cache_arena.p);
	free(d);
}

static int
buf_put(struct sx_buf *b, const void *p, size_t len, uint32_t *off)
{
	size_t need = (b->len + 3) & ~(size_t)3;   /* sub-ids stay 4-byte aligned */

	if (need + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *q;

		while (cap < need + len)
			cap *= 2;
		q = realloc(b->p, cap);
		if (q == NULL)
			return -ENOMEM;
		b->p = q;
		b->cap = cap;
	}
	*off = (uint32_t)need;
	if (len)
		memcpy(b->p + need, p, len);
	b->len = need + len;
	return 0;
}

static int
recs_grow(struct sx_rec **v, size_t n, size_t *cap)
{
	if (n < *cap)
		return 0;
	{
		size_t c = *cap ? *cap * 2 : 256;
		struct sx_rec *p = realloc(*v, c * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	return 0;
}

static int64_t
unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
cp_sx_job(struct cp_app *app, uint32_t dev, struct argos_job *j)
{
	const struct cp_device *d = &app->devs[dev];
	struct cp_sx *s = app->sx;
	const struct sx_set *set;
	struct sx_dev *st;

	if (s == NULL || d->sx_set == 0)
		return;
	set = &s->sets[d->sx_set - 1];
	st = dev < s->n_dev ? s->dev[dev] : NULL;
	j->profile = set->entry_full;
	if (st == NULL)
		return;
	st->light = set->entry_light != SX_ENTRY_NONE && app->rw != NULL && st->cache_ms &&
		    !st->force_full && st->light_ok &&
		    unix_ms() - st->cache_ms < (int64_t)app->cfg.lookup_refresh_s * 1000;
	if (st->light) {
		j->profile = set->entry_light;
		/* the size that ends the columns best, unless the agent was
		 * found to want smaller (learn.c: cp_learn_job set that) */
		if (st->light_maxrep < j->max_repetitions)
			j->max_repetitions = st->light_maxrep;
	}
}

/* --- records ------------------------------------------------------------------------ */

static struct sx_dev *
dev_state(struct cp_sx *s, uint32_t dev)
{
	if (dev >= s->n_dev && sx_app_dev_reserve(s, dev + 1) < 0)
		return NULL;
	if (s->dev[dev] == NULL)
		s->dev[dev] = calloc(1, sizeof(struct sx_dev));
	return s->dev[dev];
}

static int
keep_varbind(struct sx_dev *st, const struct argos_rec_varbind *v, int64_t ts)
{
	struct sx_rec *r;
	uint32_t val_bytes = 0;

	switch (v->type) {
	case SNMP_T_OCTETSTR:
	case SNMP_T_OPAQUE:
	case SNMP_T_IPADDRESS:
		val_bytes = v->val_len;
		break;
	case SNMP_T_OID:
		val_bytes = v->val_len * 4u;
		break;
	}
	if (argos_rec_size(&v->h) < sizeof(*v) + v->oid_len * 4u + val_bytes)
		return -EINVAL;
	if (recs_grow(&st->recs, st->n_recs, &st->cap_recs) < 0)
		return -ENOMEM;
	r = &st->recs[st->n_recs];
	memset(r, 0, sizeof(*r));
	if (buf_put(&st->arena, v->data, v->oid_len * 4u, &r->oid_off) < 0 ||
	    buf_put(&st->arena, v->data + v->oid_len, val_bytes, &r->val_off) < 0)
		return -ENOMEM;
	r->oid_len = v->oid_len;
	r->len = v->val_len;
	r->type = v->type;
	r->i = v->num.i;
	r->u = v->num.u;
	r->ts_ms = ts;
	st->n_recs++;
	return 0;
}

static int
oid_eq(const uint32_t *a, uint32_t alen, const uint32_t *b, uint32_t blen)
{
	return alen == blen && memcmp(a, b, alen * 4) == 0;
}

/* Modules of a set whose walks or gets cover oid. */
static uint32_t
modules_of(const struct cp_sx *s, const struct sx_set *set, const uint32_t *oid, uint32_t len)
{
	uint32_t mask = 0;

	for (uint32_t i = 0; i < set->n; i++) {
		const struct sx_module *m = &s->cfg->modules[set->mods[i]];

		for (uint32_t k = 0; k < m->n_get; k++)
			if (oid_eq(m->get[k].sub, m->get[k].len, oid, len))
				mask |= 1u << i;
		for (uint32_t k = 0; k < m->n_walk; k++)
			if (argos_oid_in_subtree(oid, len, &m->walk[k]) ||
			    oid_eq(m->walk[k].sub, m->walk[k].len, oid, len))
				mask |= 1u << i;
	}
	return mask;
}

static void
take_error(struct cp_sx *s, const struct sx_set *set, struct sx_dev *st,
	   const struct argos_rec_error *e)
{
	if (argos_rec_size(&e->h) < sizeof(*e) + e->oid_len * 4u)
		return;
	switch (e->error) {
	case ARGOS_ERR_NO_SUCH_OBJECT:
	case ARGOS_ERR_NO_SUCH_INSTANCE:
	case ARGOS_ERR_NO_SUCH_NAME:
		return;   /* snmp_exporter skips what the agent does not have */
	}
	if (e->oid_len == 0)
		st->failed = ~0u;
	else
		st->failed |= modules_of(s, set, e->oid, e->oid_len);
}

/* --- series --------------------------------------------------------------------------- */

struct emit_ctx {
	struct cp_app *app;
	struct cp_sx *s;
};

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

/* 1 when this series was already written in this device's poll. */
static int
seen_before(struct cp_sx *s, uint64_t h)
{
	if (2 * (s->seen_n + 1) > s->seen_size) {
		uint32_t size = s->seen_size ? s->seen_size * 2 : 1024;
		uint64_t *k = calloc(size, sizeof(*k));
		uint32_t *g = calloc(size, sizeof(*g));

		if (k == NULL || g == NULL) {
			free(k);
			free(g);
			return 0;   /* no room to check: write it */
		}
		for (uint32_t i = 0; i < s->seen_size; i++)
			if (s->seen_gen[i] == s->gen)
				for (uint32_t j = (uint32_t)s->seen[i];; j++)
					if (g[j & (size - 1)] != s->gen) {
						k[j & (size - 1)] = s->seen[i];
						g[j & (size - 1)] = s->gen;
						break;
					}
		free(s->seen);
		free(s->seen_gen);
		s->seen = k;
		s->seen_gen = g;
		s->seen_size = size;
	}
	for (uint32_t j = (uint32_t)h;; j++) {
		uint32_t i = j & (s->seen_size - 1);

		if (s->seen_gen[i] != s->gen) {
			s->seen[i] = h;
			s->seen_gen[i] = s->gen;
			s->seen_n++;
			return 0;
		}
		if (s->seen[i] == h)
			return 1;
	}
}

static void
seen_reset(struct cp_sx *s)
{
	s->seen_n = 0;
	if (++s->gen == 0) {   /* generations wrapped: forget for real */
		if (s->seen_gen)
			memset(s->seen_gen, 0, s->seen_size * sizeof(*s->seen_gen));
		s->gen = 1;
	}
}

static int
emit(void *ctx, const char *name, const struct sx_label *l, size_t n, double value, int64_t ts)
{
	struct emit_ctx *c = ctx;
	struct rw_label_v v[SX_LABELS_MAX + 2];
	uint64_t h = fnv(0xcbf29ce484222325ull, name, strlen(name) + 1);

	if (n > SX_LABELS_MAX + 2)
		n = SX_LABELS_MAX + 2;
	for (size_t i = 0; i < n; i++) {   /* sorted by name: one hash per label set */
		size_t j = i;

		v[i] = (struct rw_label_v){ l[i].name, l[i].value, l[i].vlen };
		while (j > 0 && strcmp(v[j - 1].name, v[j].name) > 0) {
			struct rw_label_v t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
			j--;
		}
	}
	for (size_t i = 0; i < n; i++) {
		h = fnv(h, v[i].name, strlen(v[i].name) + 1);
		h = fnv(h, &v[i].vlen, sizeof(v[i].vlen));
		h = fnv(h, v[i].value, v[i].vlen);
	}
	if (seen_before(c->s, h)) {
		c->s->duplicates++;
		return 0;
	}
	c->s->samples++;
	rw_sample(c->app->rw, name, v, n, value, ts);
	return 0;
}

static void
meta(struct emit_ctx *c, const char *name, const char *module, double v, int64_t ts)
{
	struct sx_label l = { "module", module, module ? (uint32_t)strlen(module) : 0 };

	emit(c, name, &l, module ? 1 : 0, v, ts);
}

/*
 * The lookup cache's cost model: the bytes a walk of the subtrees under
 * roots takes on the wire, with max-repetitions m, given what the last
 * full poll brought back (all).  A walk of c varbinds takes c / m + 1
 * requests, each answered with m varbinds (the last one's overshoot
 * belongs to the next subtree but costs as much); a request and its
 * response cost SX_PAIR_BYTES of headers besides their varbinds.
 */
#define SX_PAIR_BYTES 135

struct walk_cost {
	uint64_t count;     /* varbinds under the root */
	double bytes;       /* their mean size on the wire */
};

/* Bytes of a varbind on the wire, close enough: OID arcs, value, headers. */
static double
vb_bytes(const struct sx_pdu *p)
{
	double b = 6;

	for (uint32_t i = 0; i < p->oid_len; i++)
		b += p->oid[i] < 128 ? 1 : p->oid[i] < 16384 ? 2 : p->oid[i] < 2097152 ? 3 : 5;
	switch (p->type) {
	case SNMP_T_OCTETSTR:
	case SNMP_T_OPAQUE:
	case SNMP_T_IPADDRESS:
		return b + p->len + (p->len > 127 ? 2 : 0);
	case SNMP_T_OID:
		return b + p->len * 1.5;
	case SNMP_T_COUNTER64:
		return b + 8;
	default:
		return b + 4;
	}
}

static void
walk_costs(const struct sx_pdus *all, const struct argos_oid *roots, uint32_t n,
	   struct walk_cost *out)
{
	for (uint32_t w = 0; w < n; w++) {
		double sum = 0;

		out[w].count = 0;
		for (size_t i = 0; i < all->n; i++)
			if (argos_oid_in_subtree(all->v[i].oid, all->v[i].oid_len, &roots[w])) {
				out[w].count++;
				sum += vb_bytes(&all->v[i]);
			}
		out[w].bytes = out[w].count ? sum / (double)out[w].count : 20;
	}
}

static double
plan_bytes(const struct walk_cost *wc, uint32_t n, uint32_t m)
{
	double total = 0;

	for (uint32_t w = 0; w < n; w++) {
		uint64_t req = wc[w].count / m + 1;

		total += (double)req * (SX_PAIR_BYTES + (double)m * wc[w].bytes);
	}
	return total;
}

static int
in_labels(const struct sx_set *set, const uint32_t *oid, uint32_t len)
{
	for (uint32_t i = 0; i < set->n_labels; i++)
		if (argos_oid_in_subtree(oid, len, &set->labels[i]))
			return 1;
	return 0;
}

static struct sx_pdu
pdu_of(const struct sx_rec *r, const uint8_t *arena)
{
	return (struct sx_pdu){
		.oid = (const uint32_t *)(arena + r->oid_off), .oid_len = r->oid_len,
		.type = r->type, .len = r->len, .val = arena + r->val_off,
		.i = r->i, .u = r->u, .ts_ms = r->ts_ms,
	};
}

static int
pdus_fill(struct sx_pdus *p, const struct sx_dev *st, int with_cache)
{
	size_t n = st->n_recs + (with_cache ? st->n_cache : 0);

	if (n > p->cap) {
		struct sx_pdu *v = realloc(p->v, n * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		p->v = v;
		p->cap = n;
	}
	p->n = 0;
	if (with_cache)   /* first: a varbind of this poll with the same OID wins */
		for (size_t i = 0; i < st->n_cache; i++)
			p->v[p->n++] = pdu_of(&st->cache[i], st->cache_arena.p);
	for (size_t i = 0; i < st->n_recs; i++)
		p->v[p->n++] = pdu_of(&st->recs[i], st->arena.p);
	sx_pdus_sort(p);
	return 0;
}

/* A full poll ended well: keep its label varbinds, and weigh the plans. */
static void
cache_refresh(struct cp_sx *s, const struct sx_set *set, struct sx_dev *st,
	      const struct cp_device *d, int64_t now, int debug)
{
	const struct sx_pdus *all = &s->all;
	uint32_t maxrep = d->snmp_version == 0 ? 1 : d->snmp_max_repetitions;

	if (maxrep == 0)
		maxrep = 1;

	st->n_cache = 0;
	st->cache_arena.len = 0;
	for (size_t i = 0; i < all->n; i++) {
		const struct sx_pdu *p = &all->v[i];
		struct sx_rec *r;
		uint32_t bytes = p->type == SNMP_T_OID ? p->len * 4 : p->len;

		if (!in_labels(set, p->oid, p->oid_len))
			continue;
		if (recs_grow(&st->cache, st->n_cache, &st->cap_cache) < 0)
			goto fail;
		r = &st->cache[st->n_cache];
		*r = (struct sx_rec){ .oid_len = p->oid_len, .len = p->len, .type = p->type,
				      .i = p->i, .u = p->u, .ts_ms = p->ts_ms };
		if (buf_put(&st->cache_arena, p->oid, p->oid_len * 4, &r->oid_off) < 0 ||
		    buf_put(&st->cache_arena, p->val, bytes, &r->val_off) < 0)
			goto fail;
		st->n_cache++;
	}
	st->cache_ms = now;
	st->force_full = 0;
	{
		/* The light plan walks columns one by one: it saves bytes on
		 * tables of many rows, with a max-repetitions that ends each
		 * column in as few, as full requests as can be; on small
		 * tables the full plan is cheaper and stays. */
		struct walk_cost *fw = calloc(set->n_full_walks + 1, sizeof(*fw));
		struct walk_cost *lw = calloc(set->n_light_walks + 1, sizeof(*lw));
		double full, best = 0;
		uint32_t best_m = maxrep;

		st->light_ok = 0;
		if (fw && lw) {
			walk_costs(all, set->full_walks, set->n_full_walks, fw);
			walk_costs(all, set->light_walks, set->n_light_walks, lw);
			full = plan_bytes(fw, set->n_full_walks, maxrep);
			for (uint32_t m = 1; m <= maxrep; m++) {
				double b = plan_bytes(lw, set->n_light_walks, m);

				if (m == 1 || b < best)
					best = b, best_m = m;
			}
			st->light_ok = best < full;
			st->light_maxrep = (uint16_t)best_m;
			if (debug >= 2)
				fprintf(stderr, "argos: sx: device %s: labels cached (%zu varbinds); "
					"a full poll takes about %.0f bytes, a light one %.0f at "
					"max-repetitions %u: %s\n", d->id, st->n_cache, full, best,
					best_m, st->light_ok ? "light polls" : "full polls");
		}
		free(fw);
		free(lw);
	}
	s->label_refreshes++;
	return;
fail:
	st->n_cache = 0;
	st->cache_ms = 0;   /* no cache: the next poll is full again */
}

static void
module_series(struct cp_app *app, const struct sx_set *set, struct sx_dev *st,
	      const struct argos_rec_done *done, int64_t ts)
{
	struct cp_sx *s = app->sx;
	struct emit_ctx c = { app, s };
	struct sx_collect_opts o = { .wrap_counters = app->cfg.wrap_counters != CP_WRAP_NONE };
	double secs = app->clk.hz ? (double)(done->h.tsc - done->start_tsc) / (double)app->clk.hz : 0;

	for (uint32_t i = 0; i < set->n; i++) {
		const struct sx_module *m = &s->cfg->modules[set->mods[i]];
		const char *ml = set->n > 1 ? m->name : NULL;
		uint64_t returned;

		if (!done->ok || (st->failed & (1u << i))) {
			s->module_failures++;
			continue;
		}
		if (sx_scope(s->cfg, set->mods[i], &s->all, &s->scoped, &returned) < 0)
			continue;
		if (st->light)
			returned = st->returned[i];   /* what the full plan brought back */
		else
			st->returned[i] = returned;
		meta(&c, "snmp_scrape_walk_duration_seconds", ml, secs, ts);
		meta(&c, "snmp_scrape_pdus_returned", ml, (double)returned, ts);
		sx_collect(s->cfg, set->mods[i], &s->scoped, &o, emit, &c);
		meta(&c, "snmp_scrape_duration_seconds", ml, secs, ts);
	}
}

static void
poll_done(struct cp_app *app, uint32_t dev, struct sx_dev *st,
	  const struct argos_rec_done *done, int64_t ts)
{
	struct cp_sx *s = app->sx;
	const struct cp_device *d = &app->devs[dev];
	const struct sx_set *set = &s->sets[d->sx_set - 1];
	const struct sx_pdu *lc, *nif;

	if (pdus_fill(&s->all, st, st->light) < 0)
		return;
	lc = set->probe_lastchange ? sx_pdus_find(&s->all, lastchange_oid, 10) : NULL;
	nif = set->probe_lastchange ? sx_pdus_find(&s->all, ifnumber_oid, 9) : NULL;
	if (lc && lc->type != SNMP_T_TIMETICKS)
		lc = NULL;
	if (nif && nif->type != SNMP_T_INTEGER)
		nif = NULL;
	if (st->light) {
		s->polls_light++;
		/* An interface came or went: ifTableLastChange moves, and
		 * ifNumber for agents that do not keep the former. */
		if ((lc && st->lastchange_seen && lc->u != st->lastchange) ||
		    (nif && st->ifnumber_seen && nif->i != st->ifnumber)) {
			st->force_full = 1;
			s->label_changes++;
		}
	} else {
		s->polls_full++;
		if (set->n_labels && done->ok && st->failed == 0)
			cache_refresh(s, set, st, d, ts, app->cfg.debug);
	}
	if (lc) {
		st->lastchange = (uint32_t)lc->u;
		st->lastchange_seen = 1;
	}
	if (nif) {
		st->ifnumber = nif->i;
		st->ifnumber_seen = 1;
	}
	module_series(app, set, st, done, ts);
}

static void
restart_series(struct cp_app *app, uint32_t dev, int64_t ts)
{
	const struct sx_uptime *u = &app->sx->uptime[dev];
	struct emit_ctx c = { app, app->sx };

	if (!u->seen)
		return;
	emit(&c, "argos_agent_resets_total", NULL, 0, (double)u->resets, ts);
	if (u->reset_ms)
		emit(&c, "argos_agent_last_reset_timestamp_seconds", NULL, 0,
		     (double)u->reset_ms / 1000.0, ts);
}

int
cp_sx_record(struct cp_app *app, const struct argos_rec_hdr *h, const struct rw_device *rd)
{
	struct cp_sx *s = app->sx;
	uint32_t dev = h->device;
	const struct cp_device *d = &app->devs[dev];
	struct sx_dev *st = NULL;
	int module = s && d->sx_set;

	if (s == NULL || app->rw == NULL)
		return 0;
	if (dev >= s->n_uptime && sx_app_dev_reserve(s, dev + 1) < 0)
		return 0;
	if (s->uptime[dev].key != d->db_id) {   /* DB mode: the slot has a new device */
		memset(&s->uptime[dev], 0, sizeof(s->uptime[dev]));
		s->uptime[dev].key = d->db_id;
	}
	if (module && (st = dev_state(s, dev)) == NULL)
		return 0;
	switch (h->kind) {
	case ARGOS_REC_VARBIND: {
		const struct argos_rec_varbind *v = (const void *)h;
		int64_t ts = cp_clock_ms(&app->clk, h->tsc);

		if (argos_rec_size(h) < sizeof(*v) + v->oid_len * 4u)
			return 0;
		if (v->type == SNMP_T_TIMETICKS &&
		    oid_eq(v->data, v->oid_len, sysuptime_oid, SX_SYSUPTIME_LEN) &&
		    sx_uptime_take(&s->uptime[dev], (uint32_t)v->num.u, ts) && st && st->light) {
			st->force_full = 1;   /* a restart: the labels may have moved */
			s->label_changes++;
		}
		if (!module)
			return 0;
		(void)keep_varbind(st, v, ts);
		return 1;
	}
	case ARGOS_REC_ERROR:
		if (module && argos_rec_size(h) >= sizeof(struct argos_rec_error))
			take_error(s, &s->sets[d->sx_set - 1], st, (const void *)h);
		return 0;
	case ARGOS_REC_DONE: {
		const struct argos_rec_done *done = (const void *)h;
		int64_t ts = cp_clock_ms(&app->clk, h->tsc);

		if (argos_rec_size(h) < sizeof(*done) || done->job_kind != ARGOS_JOB_SNMP)
			return 0;
		seen_reset(s);
		if (rw_samples_begin(app->rw, rd) < 0)
			return 0;
		if (module)
			poll_done(app, dev, st, done, ts);
		restart_series(app, dev, ts);
		rw_samples_end(app->rw);
		if (st) {
			st->n_recs = 0;
			st->arena.len = 0;
			st->failed = 0;
		}
		return 0;
	}
	default:
		return 0;
	}
}
