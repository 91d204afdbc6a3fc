/*
 * sx_plan.c - what one poll asks of a device for a set of modules, and
 * which of the varbinds it brings back each module would have seen.
 *
 * snmp_exporter scrapes each module on its own: its gets, then its
 * walks, and dynamic filters first walk their own OID.  argos polls a
 * device once for all its modules, so a walk two modules share, or a
 * walk inside another walk, is done once, and a get that a walk
 * already covers is not sent.  Each module then gets back exactly the
 * varbinds of its own walks and gets (sx_scope), so a metric of one
 * module never sees what only another module asked for.
 *
 * Dynamic filters are kept to snmp_exporter's rules: a filter walks its
 * OID, the indexes whose value (as a DisplayString) matches one of its
 * regular expressions are allowed, a walk entry equal to a target is
 * dropped and replaced by gets of target.index for the allowed indexes,
 * and gets whose text starts with the target's text are dropped.  argos
 * walks the target instead of getting each index (the plan cannot
 * depend on this poll's values) and keeps only target.index of the
 * allowed indexes: the same varbinds, a little more traffic.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "argos_snmp.h"
#include "sx_internal.h"
#include "sx_plan.h"

static int
plan_add(struct sx_plan *p, const struct argos_oid *o, uint8_t get)
{
	for (uint32_t i = 0; i < p->n; i++)
		if (p->v[i].get == get && argos_oid_cmp(p->v[i].oid.sub, p->v[i].oid.len, o->sub,
							 o->len) == 0)
			return 0;
	if (p->n == p->cap) {
		uint32_t cap = p->cap ? p->cap * 2 : 16;
		struct sx_poll_oid *v = realloc(p->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n].oid = *o;
	p->v[p->n].get = get;
	p->n++;
	return 0;
}

static int
arcs_oid(const uint32_t *arcs, uint32_t n, struct argos_oid *o)
{
	if (n > ARGOS_OID_MAX)
		return -EINVAL;
	memcpy(o->sub, arcs, n * 4);
	o->len = n;
	return 0;
}

/* 1 when o is strictly inside (or, with or_equal, equal to) root. */
static int
under(const struct argos_oid *o, const struct argos_oid *root, int or_equal)
{
	if (o->len < root->len || (o->len == root->len && !or_equal))
		return 0;
	return memcmp(o->sub, root->sub, root->len * 4) == 0;
}

/* Drop walks inside (or equal to an earlier) walk, and gets inside a walk. */
static void
minimize(struct sx_plan *p)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < p->n; i++) {
		int covered = 0;

		for (uint32_t j = 0; j < p->n && !covered; j++) {
			if (j == i || p->v[j].get)
				continue;
			if (p->v[i].get)
				covered = under(&p->v[i].oid, &p->v[j].oid, 0);
			else
				covered = under(&p->v[i].oid, &p->v[j].oid, 0) ||
					  (j < i && argos_oid_cmp(p->v[i].oid.sub, p->v[i].oid.len,
								  p->v[j].oid.sub, p->v[j].oid.len) == 0);
		}
		if (!covered)
			p->v[k++] = p->v[i];
	}
	p->n = k;
}

int
sx_plan_build(const struct sx_config *c, const int *mods, uint32_t n,
	      const struct argos_oid *extra_gets, uint32_t n_extra, struct sx_plan *p)
{
	struct argos_oid o;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		const struct sx_module *m = &c->modules[mods[i]];

		for (uint32_t k = 0; k < m->n_get && rc == 0; k++)
			rc = plan_add(p, &m->get[k], 1);
		for (uint32_t k = 0; k < m->n_walk && rc == 0; k++)
			rc = plan_add(p, &m->walk[k], 0);
		for (uint32_t f = 0; f < m->n_filters && rc == 0; f++) {
			const struct sx_filter *fl = &m->filters[f];

			rc = arcs_oid(fl->oid, fl->oid_len, &o);
			if (rc == 0)
				rc = plan_add(p, &o, 0);
			for (uint32_t t = 0; t < fl->n_targets && rc == 0; t++)
				rc = plan_add(p, &fl->targets[t], 0);
		}
	}
	for (uint32_t i = 0; i < n_extra && rc == 0; i++)
		rc = plan_add(p, &extra_gets[i], 1);
	if (rc < 0) {
		sx_plan_free(p);
		return rc;
	}
	minimize(p);
	/* gets first: the dataplane asks for them in one step before the walks */
	{
		uint32_t k = 0;

		for (uint32_t pass = 0; pass < 2; pass++)
			for (uint32_t i = k; i < p->n; i++)
				if (p->v[i].get == !pass) {
					struct sx_poll_oid t = p->v[i];

					memmove(&p->v[k + 1], &p->v[k], (i - k) * sizeof(t));
					p->v[k++] = t;
				}
	}
	return 0;
}

void
sx_plan_free(struct sx_plan *p)
{
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* --- scope ------------------------------------------------------------------------- */

/* Index i of the varbinds (sorted) that lie under root: [lo, hi). */
static void
range_under(const struct sx_pdus *all, const uint32_t *root, uint32_t len, size_t *lo,
	    size_t *hi)
{
	size_t a = 0, b = all->n;

	while (a < b) {   /* the first varbind > root */
		size_t mid = (a + b) / 2;

		if (argos_oid_cmp(all->v[mid].oid, all->v[mid].oid_len, root, len) <= 0)
			a = mid + 1;
		else
			b = mid;
	}
	*lo = a;
	while (a < all->n && all->v[a].oid_len > len &&
	       memcmp(all->v[a].oid, root, len * 4) == 0)
		a++;
	*hi = a;
}

/* Does text start with prefix (snmp_exporter's strings.HasPrefix)? */
static int
text_prefix(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

struct allowed {
	const char *target;       /* text */
	const struct argos_oid *oid;
	uint32_t *idx;            /* last arcs allowed */
	uint32_t n;
};

static int
is_allowed(const struct allowed *a, uint32_t arc)
{
	for (uint32_t i = 0; i < a->n; i++)
		if (a->idx[i] == arc)
			return 1;
	return 0;
}

/* The indexes a filter allows: last arcs of its OID's varbinds whose
 * DisplayString text one of its values matches. */
static int
filter_allowed(const struct sx_filter *f, const struct sx_pdus *all, uint32_t **out,
	       uint32_t *n)
{
	size_t lo, hi;
	struct sx_text t = { 0 };

	*out = NULL;
	*n = 0;
	range_under(all, f->oid, f->oid_len, &lo, &hi);
	*out = malloc((hi - lo + 1) * sizeof(uint32_t));
	if (*out == NULL)
		return -ENOMEM;
	for (size_t i = lo; i < hi; i++) {
		t.len = 0;
		if (sx_pdu_text(&all->v[i], SX_T_DISPLAYSTRING, NULL, &t) < 0) {
			sx_text_free(&t);
			return -ENOMEM;
		}
		for (uint32_t k = 0; k < f->n_values; k++)
			if (sx_re_match(f->values[k], t.p ? t.p : "", t.len)) {
				(*out)[(*n)++] = all->v[i].oid[all->v[i].oid_len - 1];
				break;
			}
	}
	sx_text_free(&t);
	return 0;
}

static int
out_add(struct sx_pdus *out, const struct sx_pdu *p)
{
	if (out->n == out->cap) {
		size_t c = out->cap ? out->cap * 2 : 256;
		struct sx_pdu *v = realloc(out->v, c * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		out->v = v;
		out->cap = c;
	}
	out->v[out->n++] = *p;
	return 0;
}

int
sx_scope(const struct sx_config *c, int mi, const struct sx_pdus *all, struct sx_pdus *out,
	 uint64_t *returned)
{
	const struct sx_module *m = &c->modules[mi];
	struct allowed *al = NULL;
	uint32_t n_al = 0;
	size_t lo, hi;
	int rc = 0;

	*returned = 0;
	out->n = 0;
	/* Filters: the targets and what each allows (several filters on one
	 * target: the indexes every one of them allows). */
	for (uint32_t f = 0; f < m->n_filters && rc == 0; f++) {
		uint32_t *idx, n;

		rc = filter_allowed(&m->filters[f], all, &idx, &n);
		for (uint32_t t = 0; rc == 0 && t < m->filters[f].n_targets; t++) {
			struct allowed *a = NULL;

			for (uint32_t k = 0; k < n_al; k++)
				if (!strcmp(al[k].target, m->filters[f].target_text[t]))
					a = &al[k];
			if (a == NULL) {
				struct allowed *p = realloc(al, (n_al + 1) * sizeof(*p));

				if (p == NULL) {
					rc = -ENOMEM;
					break;
				}
				al = p;
				a = &al[n_al++];
				a->target = m->filters[f].target_text[t];
				a->oid = &m->filters[f].targets[t];
				a->idx = malloc((n + 1) * sizeof(uint32_t));
				if (a->idx == NULL) {
					n_al--;
					rc = -ENOMEM;
					break;
				}
				memcpy(a->idx, idx, n * sizeof(uint32_t));
				a->n = n;
			} else {
				uint32_t k = 0;

				for (uint32_t j = 0; j < a->n; j++)
					for (uint32_t q = 0; q < n; q++)
						if (a->idx[j] == idx[q]) {
							a->idx[k++] = a->idx[j];
							break;
						}
				a->n = k;
			}
		}
		free(idx);
	}
	/* Gets not filtered away, then target.index of the allowed indexes. */
	for (uint32_t g = 0; g < m->n_get && rc == 0; g++) {
		const struct sx_pdu *p;
		int dropped = 0;

		for (uint32_t k = 0; k < n_al && !dropped; k++)
			dropped = text_prefix(m->get_text[g], al[k].target);
		p = dropped ? NULL : sx_pdus_find(all, m->get[g].sub, m->get[g].len);
		if (p) {
			(*returned)++;
			rc = out_add(out, p);
		}
	}
	for (uint32_t k = 0; k < n_al && rc == 0; k++) {
		range_under(all, al[k].oid->sub, al[k].oid->len, &lo, &hi);
		for (size_t i = lo; i < hi && rc == 0; i++)
			if (all->v[i].oid_len == al[k].oid->len + 1 &&
			    is_allowed(&al[k], all->v[i].oid[al[k].oid->len])) {
				(*returned)++;
				rc = out_add(out, &all->v[i]);
			}
	}
	/* Walks, but those a filter replaced by gets. */
	for (uint32_t w = 0; w < m->n_walk && rc == 0; w++) {
		int dropped = 0;

		for (uint32_t k = 0; k < n_al && !dropped; k++)
			dropped = argos_oid_cmp(m->walk[w].sub, m->walk[w].len, al[k].oid->sub,
						al[k].oid->len) == 0;
		if (dropped)
			continue;
		range_under(all, m->walk[w].sub, m->walk[w].len, &lo, &hi);
		*returned += hi - lo;
		for (size_t i = lo; i < hi && rc == 0; i++)
			rc = out_add(out, &all->v[i]);
	}
	for (uint32_t k = 0; k < n_al; k++)
		free(al[k].idx);
	free(al);
	if (rc == 0)
		sx_pdus_sort(out);
	return rc;
}

/* --- the lookup cache's two plans ------------------------------------------------ */

/* a is a prefix of b, or equal to it */
static int
prefix_of(const struct argos_oid *a, const struct argos_oid *b)
{
	return under(b, a, 1);
}

static int
related(const struct argos_oid *a, const struct argos_oid *b)
{
	return prefix_of(a, b) || prefix_of(b, a);
}

static int
oids_add(struct argos_oid **v, uint32_t *n, const struct argos_oid *o)
{
	struct argos_oid *p;

	for (uint32_t i = 0; i < *n; i++)
		if (argos_oid_cmp((*v)[i].sub, (*v)[i].len, o->sub, o->len) == 0)
			return 0;
	p = realloc(*v, (*n + 1) * sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	*v = p;
	(*v)[(*n)++] = *o;
	return 0;
}

/* The column before a combined type's (InetAddressType before InetAddress). */
static int
prev_column(const uint32_t *arcs, uint32_t n, struct argos_oid *o)
{
	if (n == 0 || arcs[n - 1] == 0 || arcs_oid(arcs, n, o) < 0)
		return -1;
	o->sub[n - 1]--;
	return 0;
}

static int
is_combined_type(uint8_t t)
{
	return t == SX_T_INETADDRESS || t == SX_T_INETADDRESS_NOSIZE || t == SX_T_LLDP_PORTID;
}

/* What the modules need every poll: metric OIDs, the type columns of
 * combined metrics, the OIDs and targets of filters. */
static int
needed(const struct sx_config *c, const int *mods, uint32_t n, struct argos_oid **v,
       uint32_t *nv)
{
	struct argos_oid o;
	int rc = 0;

	for (uint32_t i = 0; i < n && rc == 0; i++) {
		const struct sx_module *m = &c->modules[mods[i]];

		for (uint32_t k = 0; k < m->n_metrics && rc == 0; k++) {
			const struct sx_metric *me = &m->metrics[k];

			if (arcs_oid(me->oid, me->oid_len, &o) == 0)
				rc = oids_add(v, nv, &o);
			if (rc == 0 && is_combined_type(me->type) &&
			    prev_column(me->oid, me->oid_len, &o) == 0)
				rc = oids_add(v, nv, &o);
		}
		for (uint32_t f = 0; f < m->n_filters && rc == 0; f++) {
			if (arcs_oid(m->filters[f].oid, m->filters[f].oid_len, &o) == 0)
				rc = oids_add(v, nv, &o);
			for (uint32_t t = 0; t < m->filters[f].n_targets && rc == 0; t++)
				rc = oids_add(v, nv, &m->filters[f].targets[t]);
		}
	}
	return rc;
}

int
sx_plan_labels(const struct sx_config *c, const int *mods, uint32_t n,
	       const struct sx_plan *full, struct argos_oid **out, uint32_t *n_out)
{
	struct argos_oid *need = NULL, o;
	uint32_t n_need = 0;
	int rc = needed(c, mods, n, &need, &n_need);

	*out = NULL;
	*n_out = 0;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		const struct sx_module *m = &c->modules[mods[i]];

		for (uint32_t k = 0; k < m->n_metrics && rc == 0; k++)
			for (uint32_t j = 0; j < m->metrics[k].n_lookups && rc == 0; j++) {
				const struct sx_lookup *lk = &m->metrics[k].lookups[j];
				struct argos_oid cand[2];
				uint32_t nc = 0;

				if (lk->n_labels == 0 || arcs_oid(lk->oid, lk->oid_len, &cand[0]) < 0)
					continue;
				nc = 1;
				if (is_combined_type(lk->type) &&
				    prev_column(lk->oid, lk->oid_len, &o) == 0)
					cand[nc++] = o;
				for (uint32_t q = 0; q < nc && rc == 0; q++) {
					int label = 0;

					for (uint32_t w = 0; w < full->n && !label; w++)
						label = !full->v[w].get &&
							prefix_of(&full->v[w].oid, &cand[q]);
					for (uint32_t x = 0; x < n_need && label; x++)
						label = !related(&need[x], &cand[q]);
					if (label)
						rc = oids_add(out, n_out, &cand[q]);
				}
			}
	}
	free(need);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n_out = 0;
	}
	return rc;
}

int
sx_plan_light(const struct sx_config *c, const int *mods, uint32_t n, const struct sx_plan *full,
	      const struct argos_oid *labels, uint32_t n_labels, struct sx_plan *light)
{
	struct argos_oid *need = NULL;
	uint32_t n_need = 0;
	int rc = needed(c, mods, n, &need, &n_need);

	memset(light, 0, sizeof(*light));
	for (uint32_t w = 0; w < full->n && rc == 0; w++) {
		const struct sx_poll_oid *p = &full->v[w];
		int holds = 0, inside = 0;

		for (uint32_t l = 0; l < n_labels && !p->get; l++) {
			holds |= prefix_of(&p->oid, &labels[l]);
			inside |= prefix_of(&labels[l], &p->oid);
		}
		if (!holds && !inside) {
			rc = plan_add(light, &p->oid, p->get);
			continue;
		}
		if (inside)
			continue;   /* the whole walk is label data */
		for (uint32_t x = 0; x < n_need && rc == 0; x++)
			if (prefix_of(&p->oid, &need[x]))
				rc = plan_add(light, &need[x], 0);
	}
	free(need);
	if (rc == 0)
		minimize(light);
	else
		sx_plan_free(light);
	return rc;
}
