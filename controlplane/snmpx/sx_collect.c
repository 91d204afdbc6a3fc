/*
 * sx_collect.c - the series one module makes of one poll's varbinds:
 * snmp_exporter's collect(), pduToSamples() and indexesToLabels().
 *
 * For every varbind, the metric is the one whose OID is the shortest
 * prefix of the varbind's (snmp_exporter walks a tree of the metrics'
 * OIDs and stops at the first metric); the arcs after it are the index.
 * Indexes become labels in order, each taking the arcs its type wants;
 * lookups then replace or add labels with the value of another varbind
 * named by the lookup's OID and the arcs of earlier labels (a lookup's
 * own value can index the next one: chained lookups); a lookup with no
 * labels deletes one (drop_source_indexes).  The metric's type decides
 * the sample: a number, an _info or state-set series, bits, a date, or
 * a string as a label of a sample of value 1; regex_extracts turn a
 * string into numbers.  scale and offset apply last.
 *
 * A label whose lookup found nothing has an empty value: it is kept in
 * the label set (it still hides the metric's own string label, as in
 * snmp_exporter) but never sent, as Prometheus drops empty labels.
 *
 * The metric lookup is a hash of OID prefixes per module, built at
 * load: a varbind costs one probe per arc length at which some metric
 * exists (two or three for a generated module).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argos_snmp.h"
#include "sx_internal.h"

#define ARCS_MAX 4096      /* label OIDs of one sample, all labels together */

struct tree {
	uint32_t *slot;        /* metric index + 1, 0: empty */
	uint64_t *hash;
	uint32_t size;         /* power of two */
	uint8_t lens[ARGOS_OID_MAX + 1];   /* 1: some metric has this many arcs */
};

static uint64_t
mix(uint64_t h, uint32_t a)
{
	return (h ^ a) * 0x9e3779b97f4a7c15ull;
}

void
sx_collect_tree_free(struct sx_module *m)
{
	struct tree *t = m->tree;

	if (t) {
		free(t->slot);
		free(t->hash);
		free(t);
	}
	m->tree = NULL;
}

/* Build module m's prefix table.  A later metric with the same OID
 * replaces an earlier one, as in snmp_exporter's tree.  @return 0 or -ENOMEM. */
int
sx_collect_prepare(struct sx_module *m)
{
	struct tree *t = calloc(1, sizeof(*t));
	uint32_t size = 16;

	if (t == NULL)
		return -ENOMEM;
	while (size < 2 * m->n_metrics + 2)
		size *= 2;
	t->size = size;
	t->slot = calloc(size, sizeof(*t->slot));
	t->hash = calloc(size, sizeof(*t->hash));
	if (t->slot == NULL || t->hash == NULL) {
		m->tree = t;
		sx_collect_tree_free(m);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < m->n_metrics; i++) {
		const struct sx_metric *me = &m->metrics[i];
		uint64_t h = 0;

		for (uint32_t k = 0; k < me->oid_len; k++)
			h = mix(h, me->oid[k]);
		h = mix(h, me->oid_len);
		for (uint32_t s = (uint32_t)h;; s++) {
			uint32_t j = t->slot[s & (size - 1)];

			if (j == 0) {
				t->slot[s & (size - 1)] = i + 1;
				t->hash[s & (size - 1)] = h;
				break;
			}
			if (t->hash[s & (size - 1)] == h && m->metrics[j - 1].oid_len == me->oid_len &&
			    !memcmp(m->metrics[j - 1].oid, me->oid, me->oid_len * 4)) {
				t->slot[s & (size - 1)] = i + 1;   /* the later one wins */
				break;
			}
		}
		t->lens[me->oid_len] = 1;
	}
	m->tree = t;
	return 0;
}

/* The metric of a varbind: the shortest metric OID that prefixes it. */
static const struct sx_metric *
metric_of(const struct sx_module *m, const uint32_t *oid, uint32_t len)
{
	const struct tree *t = m->tree;
	uint64_t ph = 0;

	if (t == NULL)
		return NULL;
	for (uint32_t l = 1; l <= len; l++) {
		uint64_t h;

		ph = mix(ph, oid[l - 1]);
		if (!t->lens[l])
			continue;   /* no metric has l arcs */
		h = mix(ph, l);
		for (uint32_t s = (uint32_t)h;; s++) {
			uint32_t j = t->slot[s & (t->size - 1)];

			if (j == 0)
				break;
			if (t->hash[s & (t->size - 1)] == h && m->metrics[j - 1].oid_len == l &&
			    !memcmp(m->metrics[j - 1].oid, oid, l * 4))
				return &m->metrics[j - 1];
		}
	}
	return NULL;
}

/* --- the labels of one sample ------------------------------------------------ */

struct lbl {
	const char *name;
	uint32_t voff, vlen;   /* in labels.text */
	uint32_t aoff, alen;   /* its arcs in labels.arcs (for lookups) */
	uint8_t has_arcs;      /* labelOids has it */
	uint8_t arcs_ok;       /* the arcs can name a varbind (a lookup value fit an arc) */
	uint8_t live;          /* in the label map */
};

struct labels {
	struct lbl l[SX_LABELS_MAX];
	uint32_t n;
	struct sx_text text;
	uint32_t arcs[ARCS_MAX];
	uint32_t n_arcs;
};

static struct lbl *
lbl_find(struct labels *ls, const char *name)
{
	for (uint32_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->l[i].name, name))
			return &ls->l[i];
	return NULL;
}

static struct lbl *
lbl_get(struct labels *ls, const char *name)
{
	struct lbl *l = lbl_find(ls, name);

	if (l == NULL && ls->n < SX_LABELS_MAX) {
		l = &ls->l[ls->n++];
		memset(l, 0, sizeof(*l));
		l->name = name;
	}
	return l;
}

/* Set a label's value to what was just appended to ls->text from off. */
static void
lbl_set_value(struct lbl *l, struct labels *ls, size_t off)
{
	l->voff = (uint32_t)off;
	l->vlen = (uint32_t)(ls->text.len - off);
	l->live = 1;
}

/* The pdu value as gosnmp's ToBigInt(...).Int64(). */
static int64_t
pdu_int64(const struct sx_pdu *p)
{
	switch (p->type) {
	case SNMP_T_INTEGER:
		return p->i;
	case SNMP_T_COUNTER32:
	case SNMP_T_GAUGE32:
	case SNMP_T_TIMETICKS:
	case SNMP_T_COUNTER64:
	case 0x47:
		return (int64_t)p->u;
	default:
		return 0;
	}
}

static uint8_t
combined_of(uint8_t t, int64_t v)
{
	switch (t) {
	case SX_T_INETADDRESS:
	case SX_T_INETADDRESS_NOSIZE:
		return v == 1 ? SX_T_IPV4 : v == 2 ? SX_T_IPV6 : SX_T_NONE;
	case SX_T_LLDP_PORTID:
		return v == 1 || v == 2 || v == 5 || v == 7 ? SX_T_DISPLAYSTRING :
		       v == 3 ? SX_T_PHYSADDR48 : SX_T_NONE;
	}
	return SX_T_NONE;
}

static int
is_combined(uint8_t t)
{
	return t == SX_T_INETADDRESS || t == SX_T_INETADDRESS_NOSIZE || t == SX_T_LLDP_PORTID;
}

/*
 * Build the OID base.arcs-of-labels into oid (a lookup's target), with
 * base's last arc less one when prev (the type column before it).
 * @return the length, or 0 when it cannot name a varbind.
 */
static uint32_t
lookup_oid(const struct labels *ls, const struct sx_lookup *k, int prev, uint32_t *oid)
{
	uint32_t n = k->oid_len;

	if (n == 0 || n > ARGOS_OID_MAX)
		return 0;
	memcpy(oid, k->oid, n * 4);
	if (prev) {
		if (oid[n - 1] == 0)
			return 0;   /* snmp_exporter would write -1 */
		oid[n - 1]--;
	}
	for (uint32_t i = 0; i < k->n_labels; i++) {
		const struct lbl *l = NULL;

		for (uint32_t j = 0; j < ls->n; j++)
			if (!strcmp(ls->l[j].name, k->labels[i]))
				l = &ls->l[j];
		if (l == NULL || !l->has_arcs || !l->arcs_ok || n + l->alen > ARGOS_OID_MAX)
			return 0;   /* an unknown label leaves a trailing dot: no match */
		memcpy(oid + n, ls->arcs + l->aoff, l->alen * 4);
		n += l->alen;
	}
	return n;
}

static int
index_labels(const struct sx_metric *me, const uint32_t *idx, uint32_t n,
	     const struct sx_pdus *pdus, struct labels *ls)
{
	uint32_t oid[ARGOS_OID_MAX];

	for (uint32_t i = 0; i < me->n_indexes; i++) {
		const struct sx_index *x = &me->indexes[i];
		struct lbl *l = lbl_get(ls, x->labelname);
		size_t off = ls->text.len;
		uint32_t used, consumed;

		if (l == NULL)
			return -ENOSPC;
		if (sx_index_text(idx, n, x->type, x->fixed_size, x->implied, &x->enums, &ls->text,
				  ls->arcs + ls->n_arcs, ARCS_MAX - ls->n_arcs, &used, &consumed) < 0)
			return -ENOSPC;
		lbl_set_value(l, ls, off);
		l->aoff = ls->n_arcs;
		l->alen = used;
		l->has_arcs = l->arcs_ok = 1;
		ls->n_arcs += used;
		idx += consumed;
		n -= consumed;
	}
	for (uint32_t i = 0; i < me->n_lookups; i++) {
		const struct sx_lookup *k = &me->lookups[i];
		const struct sx_pdu *p = NULL;
		struct lbl *l;
		uint32_t len;
		size_t off;

		if (k->n_labels == 0) {   /* drop_source_indexes: delete the label */
			l = lbl_find(ls, k->labelname);
			if (l)
				l->live = 0;
			continue;
		}
		len = lookup_oid(ls, k, 0, oid);
		if (len)
			p = sx_pdus_find(pdus, oid, len);
		l = lbl_get(ls, k->labelname);
		if (l == NULL)
			return -ENOSPC;
		off = ls->text.len;
		if (p == NULL) {
			lbl_set_value(l, ls, off);   /* "" */
			continue;
		}
		{
			uint8_t t = k->type;

			if (is_combined(t)) {
				uint32_t plen = lookup_oid(ls, k, 1, oid);
				const struct sx_pdu *prev = plen ? sx_pdus_find(pdus, oid, plen) : NULL;
				uint8_t m = prev ? combined_of(t, (int64_t)sx_pdu_value(prev, 0)) :
					    SX_T_NONE;

				if (m != SX_T_NONE)
					t = m;
			}
			if (t == SX_T_ENUM_INFO && k->enums.n > 0) {
				const char *s = sx_enum_name(&k->enums, pdu_int64(p));
				char num[24];

				if (s == NULL)
					snprintf(num, sizeof(num), "%lld", (long long)pdu_int64(p));
				if (sx_text_put(&ls->text, s ? s : num, strlen(s ? s : num)) < 0)
					return -ENOMEM;
			} else if (sx_pdu_text(p, t, k->display_hint, &ls->text) < 0) {
				return -ENOMEM;
			}
		}
		lbl_set_value(l, ls, off);
		/* labelOids[labelname] = [ToBigInt(value).Int64()] */
		if (ls->n_arcs == ARCS_MAX)
			return -ENOSPC;
		{
			int64_t v = pdu_int64(p);

			l->aoff = ls->n_arcs;
			l->alen = 1;
			l->has_arcs = 1;
			l->arcs_ok = v >= 0 && v <= UINT32_MAX;
			ls->arcs[ls->n_arcs++] = (uint32_t)v;
		}
	}
	return 0;
}

/* --- samples ---------------------------------------------------------------------- */

struct out {
	sx_emit_fn emit;
	void *ctx;
	long count;
	struct sx_label l[SX_LABELS_MAX + 1];
};

/* Emit name with the live, non-empty labels of ls and one extra label. */
static int
sample(struct out *o, struct labels *ls, const char *name, const char *extra_name,
       const char *extra, size_t extra_len, double v, int64_t ts)
{
	size_t n = 0;
	int rc;

	for (uint32_t i = 0; i < ls->n; i++)
		if (ls->l[i].live && ls->l[i].vlen)
			o->l[n++] = (struct sx_label){ ls->l[i].name, ls->text.p + ls->l[i].voff,
						       ls->l[i].vlen };
	if (extra_name && extra_len)
		o->l[n++] = (struct sx_label){ extra_name, extra, (uint32_t)extra_len };
	rc = o->emit(o->ctx, name, o->l, n, v, ts);
	if (rc < 0)
		return rc;
	o->count++;
	return 0;
}

static int
has_label(struct labels *ls, const char *name)
{
	struct lbl *l = lbl_find(ls, name);

	return l && l->live;
}

/* Go's strconv.ParseFloat(s, 64) == nil.  @return 0 with *v, or -1. */
static int
go_float(const char *s, size_t len, double *v)
{
	char buf[128], *end;
	const char *p;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	p = buf + (buf[0] == '+' || buf[0] == '-');
	if (strchr(" \t\n\r\f\v", buf[0]) || strchr(buf, '(') || strchr(buf, '_'))
		return -1;
	if ((p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) && !strpbrk(p, "pP"))
		return -1;   /* Go wants a p exponent on a hex float */
	if (!strncasecmp(p, "inf", 3) && strcasecmp(p, "inf") && strcasecmp(p, "infinity"))
		return -1;
	errno = 0;
	*v = strtod(buf, &end);
	if (*end || (errno == ERANGE && isinf(*v)))
		return -1;
	return 0;
}

static double
scaled(const struct sx_metric *me, double v)
{
	if (me->scale != 0.0)
		v *= me->scale;
	return v + me->offset;
}

static int
regex_extracts(struct out *o, const struct sx_metric *me, struct labels *ls,
	       const struct sx_text *val, int64_t ts)
{
	char name[2 * SX_NAME_MAX + 2];
	struct sx_text t = { 0 };
	int rc = 0;

	for (uint32_t i = 0; i < me->n_extracts && rc == 0; i++) {
		const struct sx_extract *e = &me->extracts[i];

		for (uint32_t j = 0; j < e->n_rules; j++) {
			double v;
			int m = sx_re_expand(e->rules[j].re, val->p ? val->p : "", val->len,
					     e->rules[j].value, &t);

			if (m < 0) {
				rc = m;
				break;
			}
			if (m == 0 || go_float(t.p ? t.p : "", t.len, &v) < 0)
				continue;
			snprintf(name, sizeof(name), "%s%s", me->name, e->suffix);
			rc = sample(o, ls, name, NULL, NULL, 0, scaled(me, v), ts);
			break;
		}
	}
	sx_text_free(&t);
	return rc;
}

static int
enum_state(const struct sx_metric *me, int64_t v, char *num, size_t len, const char **s)
{
	*s = sx_enum_name(&me->enums, v);
	if (*s == NULL) {
		snprintf(num, len, "%lld", (long long)v);
		*s = num;
	}
	return 0;
}

static int
one_pdu(struct out *o, const struct sx_module *m, const struct sx_metric *me,
	const struct sx_pdu *p, const struct sx_pdus *pdus, const struct sx_collect_opts *opt,
	struct labels *ls)
{
	const uint32_t *idx = p->oid + me->oid_len;
	uint32_t n = p->oid_len - me->oid_len;
	double value = sx_pdu_value(p, opt->wrap_counters);
	int64_t ts = p->ts_ms;
	uint8_t t = me->type;
	char num[24];
	const char *s;
	int rc;

	(void)m;
	ls->n = 0;
	ls->text.len = 0;
	ls->n_arcs = 0;
	if (index_labels(me, idx, n, pdus, ls) < 0)
		return 0;   /* more labels than argos holds: no sample */
	switch (t) {
	case SX_T_COUNTER:
	case SX_T_GAUGE:
	case SX_T_FLOAT:
	case SX_T_DOUBLE:
		break;
	case SX_T_DATEANDTIME:
		if ((p->type != SNMP_T_OCTETSTR && p->type != SNMP_T_OPAQUE) ||
		    sx_date_and_time(p->val, p->len, &value) < 0)
			return 0;
		break;
	case SX_T_PARSE_DATEANDTIME: {
		struct sx_text str = { 0 };

		rc = sx_pdu_text(p, SX_T_DISPLAYSTRING, NULL, &str);
		if (rc == 0)
			rc = sx_parse_time(str.p ? str.p : "", str.len, me->datetime_pattern, &value);
		sx_text_free(&str);
		if (rc < 0)
			return 0;
		break;
	}
	case SX_T_NTPTIMESTAMP: {
		const uint8_t *b = p->val;

		if ((p->type != SNMP_T_OCTETSTR && p->type != SNMP_T_OPAQUE) || p->len < 8)
			return 0;
		value = (double)((int64_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
					   (uint32_t)b[2] << 8 | b[3]) - 2208988800ll);
		break;
	}
	case SX_T_ENUM_INFO: {
		char name[SX_NAME_MAX + 8];

		if (has_label(ls, me->name))
			return 0;   /* the state is already a label (an EnumAsInfo index) */
		enum_state(me, (int64_t)value, num, sizeof(num), &s);
		snprintf(name, sizeof(name), "%s_info", me->name);
		return sample(o, ls, name, me->name, s, strlen(s), 1.0, ts);
	}
	case SX_T_ENUM_STATESET:
		if (has_label(ls, me->name))
			return 0;   /* snmp_exporter: duplicate label, an invalid metric */
		enum_state(me, (int64_t)value, num, sizeof(num), &s);
		rc = sample(o, ls, me->name, me->name, s, strlen(s), 1.0, ts);
		for (uint32_t i = 0; rc == 0 && i < me->enums.n; i++)
			if (me->enums.v[i].key != (int64_t)value)
				rc = sample(o, ls, me->name, me->name, me->enums.v[i].name,
					    strlen(me->enums.v[i].name), 0.0, ts);
		return rc;
	case SX_T_BITS: {
		const uint8_t *b = p->val;
		int fl;
		double dummy;

		if ((p->type != SNMP_T_OCTETSTR && p->type != SNMP_T_OPAQUE) ||
		    (p->type == SNMP_T_OPAQUE && sx_opaque_float(b, p->len, &fl, &dummy)) ||
		    has_label(ls, me->name))
			return 0;   /* not a BITS string on the wire: an invalid metric */
		rc = 0;
		for (uint32_t i = 0; rc == 0 && i < me->enums.n; i++) {
			int64_t k = me->enums.v[i].key;
			double bit = 0;

			if (k < 0)
				continue;
			if ((uint64_t)k < (uint64_t)p->len * 8 && (b[k / 8] & (0x80 >> (k % 8))))
				bit = 1;
			rc = sample(o, ls, me->name, me->name, me->enums.v[i].name,
				    strlen(me->enums.v[i].name), bit, ts);
		}
		return rc;
	}
	default: {   /* a string: its text is a label, the value 1 */
		struct sx_text str = { 0 };
		uint8_t vt = t;

		value = 1.0;
		if (is_combined(t)) {
			uint32_t oid[ARGOS_OID_MAX];
			const struct sx_pdu *prev = NULL;

			if (me->oid[me->oid_len - 1] != 0 && me->oid_len + n <= ARGOS_OID_MAX) {
				memcpy(oid, me->oid, me->oid_len * 4);
				oid[me->oid_len - 1]--;
				memcpy(oid + me->oid_len, idx, n * 4);
				prev = sx_pdus_find(pdus, oid, me->oid_len + n);
			}
			vt = prev ? combined_of(t, (int64_t)sx_pdu_value(prev, 0)) : SX_T_NONE;
			if (vt == SX_T_NONE)
				vt = SX_T_OCTETSTRING;
		}
		if (sx_pdu_text(p, vt, me->display_hint, &str) < 0) {
			sx_text_free(&str);
			return -ENOMEM;
		}
		if (me->n_extracts > 0)
			rc = regex_extracts(o, me, ls, &str, ts);
		else if (has_label(ls, me->name))
			rc = sample(o, ls, me->name, NULL, NULL, 0, scaled(me, value), ts);
		else
			rc = sample(o, ls, me->name, me->name, str.p, str.len, scaled(me, value), ts);
		sx_text_free(&str);
		return rc;
	}
	}
	return sample(o, ls, me->name, NULL, NULL, 0, scaled(me, value), ts);
}

long
sx_collect(const struct sx_config *c, int mi, const struct sx_pdus *pdus,
	   const struct sx_collect_opts *opt, sx_emit_fn emit, void *ctx)
{
	const struct sx_module *m = &c->modules[mi];
	struct out o = { .emit = emit, .ctx = ctx };
	struct labels *ls = calloc(1, sizeof(*ls));
	int rc = 0;

	if (ls == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < pdus->n && rc == 0; i++) {
		const struct sx_pdu *p = &pdus->v[i];
		const struct sx_metric *me = metric_of(m, p->oid, p->oid_len);

		if (me != NULL)
			rc = one_pdu(&o, m, me, p, pdus, opt, ls);
	}
	sx_text_free(&ls->text);
	free(ls);
	return rc < 0 ? rc : o.count;
}

/* --- the varbinds of a poll -------------------------------------------------------- */

static int
pdu_cmp(const void *a, const void *b)
{
	const struct sx_pdu *x = a, *y = b;
	int c = argos_oid_cmp(x->oid, x->oid_len, y->oid, y->oid_len);

	if (c)
		return c;
	return (x->seq > y->seq) - (x->seq < y->seq);   /* the order they came in */
}

void
sx_pdus_sort(struct sx_pdus *p)
{
	size_t k = 0;

	for (size_t i = 0; i < p->n; i++)
		p->v[i].seq = (uint32_t)i;
	if (p->n > 1)   /* qsort(NULL, 0) is undefined: an empty poll has no array */
		qsort(p->v, p->n, sizeof(*p->v), pdu_cmp);
	for (size_t i = 0; i < p->n; i++) {
		if (k > 0 && argos_oid_cmp(p->v[k - 1].oid, p->v[k - 1].oid_len, p->v[i].oid,
					   p->v[i].oid_len) == 0) {
			p->v[k - 1] = p->v[i];   /* the later one stays */
			continue;
		}
		p->v[k++] = p->v[i];
	}
	p->n = k;
}

const struct sx_pdu *
sx_pdus_find(const struct sx_pdus *p, const uint32_t *oid, uint32_t len)
{
	size_t lo = 0, hi = p->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = argos_oid_cmp(p->v[mid].oid, p->v[mid].oid_len, oid, len);

		if (c == 0)
			return &p->v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
