/*
 * rw_series.c - result records become named, labelled samples
 * (rw_record() in rw.h).
 *
 * A varbind is looked up in the name table and kept in its device's
 * accumulator: numeric values as doubles, strings already turned into
 * label text.  At the SNMP job's DONE the lookups (ifName, ifAlias,
 * ifDescr: RW_LOOKUP names) are hashed by (index label, row index) and
 * every other kept varbind becomes one TimeSeries whose labels are, in
 * byte order after __name__: the device tags, the index label and the
 * lookups of its row, instance and job.  When a device tag has the
 * name of one of ours, ours wins and the tag is dropped.
 *
 * Why the main thread encodes: a TimeSeries is written in one pass of
 * memcpys (rw_encode.c), cheaper than keeping the labels around for the
 * sender thread; snappy, the expensive part, runs in the sender.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "argos_job.h"
#include "argos_snmp.h"
#include "rw_internal.h"

#define RW_TAGS_MAX 32
#define RW_LABELS_MAX 48
#define RW_IDX_TEXT 512

/* --- keeping varbinds ------------------------------------------------- */

static struct rw_dev_acc *
dev_acc(struct rw *rw, uint32_t device)
{
	if (device >= rw->n_devs) {
		size_t n = rw->n_devs ? rw->n_devs : 64;
		struct rw_dev_acc *p;

		while (n <= device)
			n *= 2;
		p = realloc(rw->devs, n * sizeof(*p));
		if (p == NULL)
			return NULL;
		memset(p + rw->n_devs, 0, (n - rw->n_devs) * sizeof(*p));
		rw->devs = p;
		rw->n_devs = n;
	}
	return &rw->devs[device];
}

static int
arena_put(struct rw_buf *a, const void *p, size_t len, uint32_t *off)
{
	if (rw_buf_reserve(a, len) < 0)
		return -ENOMEM;
	*off = (uint32_t)a->len;
	memcpy(a->p + a->len, p, len);
	a->len += len;
	return 0;
}

/* 1 when s[0..len) is valid UTF-8 with no control character. */
static int
printable_utf8(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint8_t c = s[i];
		size_t n;

		if (c < 0x20 || c == 0x7f)
			return 0;
		n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
		    (c & 0xf8) == 0xf0 ? 4 : 0;
		if (n == 0 || i + n > len || (n == 2 && c < 0xc2))
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/*
 * The label text of a string value, as snmp_exporter renders it: a
 * DisplayString as itself (trailing NULs cut), anything that is not
 * printable UTF-8 as 0x and uppercase hex, a PhysAddress48 as
 * colon-separated uppercase hex.  @return the length written to out.
 */
static size_t
string_text(uint8_t kind, const uint8_t *s, size_t len, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (kind == RW_PHYSADDR) {
		for (size_t i = 0; i < len; i++) {
			if (i)
				out[o++] = ':';
			out[o++] = hex[s[i] >> 4];
			out[o++] = hex[s[i] & 15];
		}
		return o;
	}
	while (len > 0 && s[len - 1] == 0)
		len--;
	if (printable_utf8(s, len)) {
		memcpy(out, s, len);
		return len;
	}
	out[o++] = '0';
	out[o++] = 'x';
	for (size_t i = 0; i < len; i++) {
		out[o++] = hex[s[i] >> 4];
		out[o++] = hex[s[i] & 15];
	}
	return o;
}

static int
keep_varbind(struct rw *rw, const struct argos_rec_varbind *v, const struct cp_clock *clk)
{
	const struct rw_name *n;
	struct rw_dev_acc *a;
	struct rw_pend p = { 0 };
	const uint32_t *idx;
	uint32_t which, idx_len;
	char text[3 * 1500];
	size_t tlen = 0;
	int numeric = 1;

	if (v->h.size < sizeof(*v) + v->oid_len * 4u)
		return -EINVAL;
	n = rw_names_find(rw, v->data, v->oid_len, &which);
	if (n == NULL) {
		__atomic_fetch_add(&rw->st.varbinds_unnamed, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (n->kind == RW_IGNORE)
		return 0;
	switch (v->type) {
	case SNMP_T_INTEGER:
		p.value = (double)v->num.i;
		if (n->kind == RW_LOOKUP)
			tlen = (size_t)snprintf(text, sizeof(text), "%" PRId64, v->num.i);
		break;
	case SNMP_T_COUNTER32:
	case SNMP_T_GAUGE32:
	case SNMP_T_TIMETICKS:
	case SNMP_T_COUNTER64:
		p.value = (double)v->num.u;
		if (n->kind == RW_LOOKUP)
			tlen = (size_t)snprintf(text, sizeof(text), "%" PRIu64, v->num.u);
		break;
	case SNMP_T_OCTETSTR:
	case SNMP_T_OPAQUE:
		if (v->val_len > 1500 ||
		    v->h.size < sizeof(*v) + v->oid_len * 4u + v->val_len)
			return -EINVAL;
		numeric = 0;
		tlen = string_text(n->kind, (const uint8_t *)(v->data + v->oid_len), v->val_len,
				   text);
		break;
	default:
		return 0;   /* exceptions, NULL, OIDs, IpAddress: nothing to export */
	}
	if (numeric != (n->kind == RW_COUNTER || n->kind == RW_GAUGE) && n->kind != RW_LOOKUP)
		return 0;   /* a string where a number is named, or the reverse */

	idx = v->data + n->oid_len;
	idx_len = v->oid_len - n->oid_len;
	if (n->index_label[0] == '\0' && idx_len == 1 && idx[0] == 0)
		idx_len = 0;   /* a scalar's .0 */
	a = dev_acc(rw, v->h.device);
	if (a == NULL)
		return -ENOMEM;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 256;
		struct rw_pend *q = realloc(a->pend, cap * sizeof(*q));

		if (q == NULL)
			return -ENOMEM;
		a->pend = q;
		a->cap = cap;
	}
	p.name = which;
	p.idx_len = idx_len;
	p.ts_ms = cp_clock_ms(clk, v->h.tsc);
	if (arena_put(&a->arena, idx, idx_len * 4u, &p.idx_off) < 0 ||
	    (tlen && arena_put(&a->arena, text, tlen, &p.str_off) < 0))
		return -ENOMEM;
	p.str_len = (uint32_t)tlen;
	a->pend[a->n++] = p;
	return 0;
}

/* --- emitting samples ------------------------------------------------- */

/* The labels every sample of one device carries. */
struct base {
	struct rw_lbl l[RW_TAGS_MAX + 2];
	size_t n;
	char names[RW_TAGS_MAX][RW_NAME_MAX];
	uint32_t local;      /* samples in rw->scratch not yet committed */
	uint32_t room;       /* samples the open batch took when we looked */
};

static struct rw_lbl
lbl(const char *name, const char *value, size_t vlen)
{
	return (struct rw_lbl){ name, value, (uint32_t)strlen(name), (uint32_t)vlen };
}

static void
base_init(struct rw *rw, struct base *b, const struct rw_device *dev)
{
	/* instance and job before the tags: the stable sort in emit() keeps
	 * the first of two equal names. */
	b->n = 0;
	if (dev->instance && dev->instance[0])
		b->l[b->n++] = lbl("instance", dev->instance, strlen(dev->instance));
	b->l[b->n++] = lbl("job", rw->job, strlen(rw->job));
	for (size_t i = 0; i < dev->n_labels && i < RW_TAGS_MAX; i++) {
		const struct rw_label *t = &dev->labels[i];

		if (t->name == NULL || t->value == NULL || t->value[0] == '\0' ||
		    strlen(t->name) >= RW_NAME_MAX || t->name[0] == '\0')
			continue;
		strcpy(b->names[i], t->name);
		rw_sanitize(b->names[i]);
		if (strncmp(b->names[i], "__", 2) == 0)
			continue;   /* reserved for Prometheus */
		b->l[b->n++] = lbl(b->names[i], t->value, strlen(t->value));
	}
}

static int
lbl_cmp(const struct rw_lbl *a, const struct rw_lbl *b)
{
	uint32_t n = a->nlen < b->nlen ? a->nlen : b->nlen;
	int c = memcmp(a->name, b->name, n);

	return c ? c : (int)a->nlen - (int)b->nlen;
}

/* Hand the encoded samples in rw->scratch to the open batch, and seal
 * the batch when it is full. */
static void
commit(struct rw *rw, struct base *b)
{
	struct rw_raw *r = NULL;

	pthread_mutex_lock(&rw->mu);
	if (rw_buf_reserve(&rw->open, rw->scratch.len) < 0) {
		rw->st.samples_dropped += b->local;
		goto out;
	}
	memcpy(rw->open.p + rw->open.len, rw->scratch.p, rw->scratch.len);
	rw->open.len += rw->scratch.len;
	if (rw->open_samples == 0)
		rw->open_since_ms = rw_now_ms();
	rw->open_samples += b->local;
	rw->st.samples_pending += b->local;
	if (rw->open_samples >= rw->conf.max_samples && (r = calloc(1, sizeof(*r))) != NULL) {
		r->body = rw->open;
		r->samples = rw->open_samples;
		memset(&rw->open, 0, sizeof(rw->open));
		rw->open_samples = 0;
		if (rw->hand_tail)
			rw->hand_tail->next = r;
		else
			rw->hand_head = r;
		rw->hand_tail = r;
		rw->hand_bytes += r->body.len;
	}
out:
	b->room = rw->conf.max_samples - rw->open_samples;
	pthread_mutex_unlock(&rw->mu);
	if (r && rw->multi)
		curl_multi_wakeup(rw->multi);
	rw->scratch.len = 0;
	b->local = 0;
}

/* Encode one sample: name, the base labels and extra labels, sorted. */
static int
emit(struct rw *rw, struct base *b, const char *name, const struct rw_lbl *extra, size_t n_extra,
     double value, int64_t ts)
{
	struct rw_lbl l[RW_LABELS_MAX];
	size_t n = 1, k = 0;

	l[0] = lbl("__name__", name, strlen(name));
	for (size_t i = 0; i < n_extra && n < RW_LABELS_MAX; i++)
		l[n++] = extra[i];
	for (size_t i = 0; i < b->n && n < RW_LABELS_MAX; i++)
		l[n++] = b->l[i];
	/* Insertion sort, stable: on equal names the earlier (ours before
	 * the device's tags) is kept. */
	for (size_t i = 2; i < n; i++) {
		struct rw_lbl t = l[i];
		size_t j = i;

		while (j > 1 && lbl_cmp(&l[j - 1], &t) > 0) {
			l[j] = l[j - 1];
			j--;
		}
		l[j] = t;
	}
	for (size_t i = 1; i < n; i++) {
		if (l[i].vlen == 0 || (k > 0 && lbl_cmp(&l[k], &l[i]) == 0))
			continue;
		l[++k] = l[i];
	}
	if (rw_encode_series(&rw->scratch, l, k + 1, value, ts) < 0)
		return -ENOMEM;
	if (++b->local >= b->room)
		commit(rw, b);
	return 0;
}

/* Decimal digits of v at out, no NUL.  @return how many. */
static size_t
u32_text(uint32_t v, char *out)
{
	char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

static uint64_t
key_hash(const char *label, const uint8_t *idx, uint32_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (; *label; label++)
		h = (h ^ (uint8_t)*label) * 1099511628211ull;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ idx[i]) * 1099511628211ull;
	return h;
}

static int
same_row(const struct rw *rw, const struct rw_dev_acc *a, const struct rw_pend *x,
	 const struct rw_pend *y)
{
	return x->idx_len == y->idx_len &&
	       strcmp(rw->names[x->name].index_label, rw->names[y->name].index_label) == 0 &&
	       memcmp(a->arena.p + x->idx_off, a->arena.p + y->idx_off, x->idx_len * 4u) == 0;
}

/* Emit every kept varbind of a device, with its row's lookups. */
static int
emit_device(struct rw *rw, struct rw_dev_acc *a, struct base *b)
{
	size_t n_look = 0, size = 1;
	uint32_t *slot = NULL;
	int rc = 0;

	for (size_t i = 0; i < a->n; i++)
		n_look += rw->names[a->pend[i].name].kind == RW_LOOKUP;
	while (size < 2 * n_look + 1)
		size *= 2;
	if (n_look && (slot = malloc(size * sizeof(*slot))) == NULL)
		return -ENOMEM;
	if (slot)
		memset(slot, 0xff, size * sizeof(*slot));
	for (size_t i = 0; i < a->n && slot; i++) {
		const struct rw_pend *p = &a->pend[i];
		uint64_t h;

		if (rw->names[p->name].kind != RW_LOOKUP)
			continue;
		h = key_hash(rw->names[p->name].index_label, a->arena.p + p->idx_off, p->idx_len * 4u);
		while (slot[h & (size - 1)] != UINT32_MAX)
			h++;
		slot[h & (size - 1)] = (uint32_t)i;
	}

	for (size_t i = 0; i < a->n && rc == 0; i++) {
		const struct rw_pend *p = &a->pend[i];
		const struct rw_name *nm = &rw->names[p->name];
		struct rw_lbl extra[RW_LABELS_MAX / 2];
		size_t n_extra = 0;
		char idx_text[RW_IDX_TEXT];
		double value = p->value;

		if (nm->kind == RW_LOOKUP)
			continue;
		if (p->idx_len) {
			size_t o = 0;
			const uint8_t *raw = a->arena.p + p->idx_off;

			for (uint32_t k = 0; k < p->idx_len && o + 12 < sizeof(idx_text); k++) {
				uint32_t sub;

				memcpy(&sub, raw + 4 * k, 4);
				if (k)
					idx_text[o++] = '.';
				o += u32_text(sub, idx_text + o);
			}
			extra[n_extra++] = lbl(nm->index_label[0] ? nm->index_label : "index",
					       idx_text, o);
		}
		if (slot && p->idx_len && nm->index_label[0]) {
			uint64_t h = key_hash(nm->index_label, a->arena.p + p->idx_off,
					      p->idx_len * 4u);

			for (; slot[h & (size - 1)] != UINT32_MAX && n_extra < RW_LABELS_MAX / 2; h++) {
				const struct rw_pend *q = &a->pend[slot[h & (size - 1)]];

				if (same_row(rw, a, p, q))
					extra[n_extra++] = lbl(rw->names[q->name].name,
							       (const char *)a->arena.p + q->str_off,
							       q->str_len);
			}
		}
		if (nm->kind == RW_STRING || nm->kind == RW_PHYSADDR) {
			extra[n_extra++] = lbl(nm->name, (const char *)a->arena.p + p->str_off,
					       p->str_len);
			value = 1;
		}
		rc = emit(rw, b, nm->name, extra, n_extra, value, p->ts_ms);
	}
	free(slot);
	a->n = 0;
	a->arena.len = 0;
	return rc;
}

static int
poll_done(struct rw *rw, const struct argos_rec_done *d, const struct rw_device *dev,
	  const struct cp_clock *clk)
{
	struct rw_dev_acc *a = dev_acc(rw, d->h.device);
	int64_t ts = cp_clock_ms(clk, d->h.tsc);
	double secs = clk->hz ? (double)(d->h.tsc - d->start_tsc) / (double)clk->hz : 0;
	struct base b;
	int rc;

	if (a == NULL)
		return -ENOMEM;
	base_init(rw, &b, dev);
	pthread_mutex_lock(&rw->mu);
	b.room = rw->conf.max_samples - rw->open_samples;
	pthread_mutex_unlock(&rw->mu);
	b.local = 0;
	rw->scratch.len = 0;
	rc = emit_device(rw, a, &b);
	if (rc == 0)
		rc = emit(rw, &b, "argos_poll_up", NULL, 0, d->ok ? 1 : 0, ts);
	if (rc == 0)
		rc = emit(rw, &b, "argos_poll_duration_seconds", NULL, 0, secs, ts);
	if (rc == 0)
		rc = emit(rw, &b, "argos_poll_varbinds", NULL, 0, d->varbinds, ts);
	if (b.local)
		commit(rw, &b);
	return rc;
}

static int
ping(struct rw *rw, const struct argos_rec_ping *r, const struct rw_device *dev,
     const struct cp_clock *clk)
{
	int64_t ts = cp_clock_ms(clk, r->h.tsc);
	double loss = r->sent ? 1.0 - (double)r->received / r->sent : 1.0;
	struct base b;
	int rc = 0;

	if (r->h.size < sizeof(*r))
		return -EINVAL;
	base_init(rw, &b, dev);
	pthread_mutex_lock(&rw->mu);
	b.room = rw->conf.max_samples - rw->open_samples;
	pthread_mutex_unlock(&rw->mu);
	b.local = 0;
	rw->scratch.len = 0;
	if (r->received) {
		rc |= emit(rw, &b, "ping_min_duration_seconds", NULL, 0, r->rtt_min_ns / 1e9, ts);
		rc |= emit(rw, &b, "ping_avg_duration_seconds", NULL, 0,
			   r->rtt_sum_ns / 1e9 / r->received, ts);
		rc |= emit(rw, &b, "ping_max_duration_seconds", NULL, 0, r->rtt_max_ns / 1e9, ts);
	}
	rc |= emit(rw, &b, "ping_loss_ratio", NULL, 0, loss, ts);
	if (b.local)
		commit(rw, &b);
	return rc ? -ENOMEM : 0;
}

int
rw_record(struct rw *rw, const struct argos_rec_hdr *h, const struct rw_device *dev,
	  const struct cp_clock *clk)
{
	switch (h->kind) {
	case ARGOS_REC_VARBIND:
		return keep_varbind(rw, (const struct argos_rec_varbind *)h, clk);
	case ARGOS_REC_PING:
		return ping(rw, (const struct argos_rec_ping *)h, dev, clk);
	case ARGOS_REC_ERROR:
		return h->size >= sizeof(struct argos_rec_error) ? 0 : -EINVAL;
	case ARGOS_REC_DONE:
		if (h->size < sizeof(struct argos_rec_done))
			return -EINVAL;
		if (((const struct argos_rec_done *)h)->job_kind != ARGOS_JOB_SNMP)
			return 0;
		return poll_done(rw, (const struct argos_rec_done *)h, dev, clk);
	default:
		return -EINVAL;
	}
}

void
rw_series_free(struct rw *rw)
{
	for (size_t i = 0; i < rw->n_devs; i++) {
		free(rw->devs[i].pend);
		rw_buf_free(&rw->devs[i].arena);
	}
	free(rw->devs);
	rw->devs = NULL;
	rw->n_devs = 0;
	rw_buf_free(&rw->scratch);
}
