/*
 * rw_series.c - result records become named, labelled samples
 * (rw_record() in rw.h).
 *
 * A varbind is looked up in the name table and kept in its device's
 * accumulator: numeric values as doubles, strings already turned into
 * label text.  At the SNMP job's DONE the lookups (ifName, ifAlias,
 * ifDescr: RW_LOOKUP names) go to their rows (rw_rows.c: same index
 * label, same row index) and every other kept varbind becomes one
 * TimeSeries whose labels are, in byte order after __name__: the
 * device tags, the index label and the lookups of its row, instance
 * and job.  When a device tag has the name of one of ours, ours wins
 * and the tag is dropped.  A numeric sample copies the labels its row
 * shares, encoded once by the same sort as a full encoding and kept
 * until an input changes; a string sample is encoded in full.
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
	*off = (uint32_t)a->len;
	/* Nothing to keep (a scalar's empty index): the arena may not be
	 * allocated yet, and NULL + 0 is undefined (UBSan). */
	if (len == 0)
		return 0;
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

/*
 * Keep the label text of a string value in the device's arena.  Values
 * may be as long as a reassembled datagram carries (65,507 bytes), so
 * the text (up to three bytes per byte, as a PhysAddress) is written in
 * place rather than through a buffer on the stack.
 */
static int
keep_text(struct rw_buf *arena, uint8_t kind, const uint8_t *s, size_t len, struct rw_pend *p)
{
	if (rw_buf_reserve(arena, 3 * len + 2) < 0)
		return -ENOMEM;
	p->str_off = (uint32_t)arena->len;
	p->str_len = (uint32_t)string_text(kind, s, len, (char *)arena->p + arena->len);
	arena->len += p->str_len;
	return 0;
}

static int
keep_varbind(struct rw *rw, const struct argos_rec_varbind *v, const struct cp_clock *clk)
{
	const struct rw_name *n;
	struct rw_dev_acc *a;
	struct rw_pend p = { 0 };
	const uint32_t *idx;
	const uint8_t *str = NULL;
	uint32_t which, idx_len, pidx[RW_PREFIX_MAX], size = argos_rec_size(&v->h);
	char raw[1501];          /* a post-processed string (horus) */
	char text[24];
	size_t tlen = 0, str_len = 0;
	int numeric = 1;

	if (size < sizeof(*v) + v->oid_len * 4u)
		return -EINVAL;
	n = rw_names_find(rw, v->data, v->oid_len, &which);
	if (n == NULL) {
		__atomic_fetch_add(&rw->st.varbinds_unnamed, 1, __ATOMIC_RELAXED);
		return 0;
	}
	if (n->kind == RW_IGNORE)
		return 0;
	if ((v->type == SNMP_T_OCTETSTR || v->type == SNMP_T_OPAQUE) &&
	    size < sizeof(*v) + v->oid_len * 4u + v->val_len)
		return -EINVAL;
	if (n->n_pp && (v->type == SNMP_T_OCTETSTR || v->type == SNMP_T_OPAQUE)) {
		/* horus's post_processors on an octet string: a number, or
		 * text (they read at most 1500 bytes of it). */
		if (v->val_len > sizeof(raw) - 1 ||
		    rw_horus_value(n, v, &p.value, &numeric, raw, &str_len, sizeof(raw)) < 0)
			return 0;
		if (numeric && n->kind == RW_LOOKUP)
			tlen = (size_t)snprintf(text, sizeof(text), "%.17g", p.value);
		else if (!numeric)
			str = (const uint8_t *)raw;
		goto typed;
	}
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
		/* --wrap-counters all: exact below 2^53, as snmp_exporter's
		 * --snmp.wrap-large-counters */
		p.value = (double)(v->type == SNMP_T_COUNTER64 && rw->conf.wrap_counters ?
				   v->num.u % (1ull << 53) : v->num.u);
		if (n->kind == RW_LOOKUP)
			tlen = (size_t)snprintf(text, sizeof(text), "%" PRIu64, v->num.u);
		break;
	case SNMP_T_OCTETSTR:
	case SNMP_T_OPAQUE:
		numeric = 0;
		str = (const uint8_t *)(v->data + v->oid_len);
		str_len = v->val_len;
		break;
	default:
		return 0;   /* exceptions, NULL, OIDs, IpAddress: nothing to export */
	}
	if (numeric && n->n_pp) {   /* horus's div-N, mul-N */
		int num = 1;
		size_t none = 0;

		(void)rw_horus_value(n, v, &p.value, &num, text, &none, 0);
	}
typed:
	if (numeric != (n->kind == RW_COUNTER || n->kind == RW_GAUGE) && n->kind != RW_LOOKUP)
		return 0;   /* a string where a number is named, or the reverse */

	idx = v->data + n->oid_len;
	idx_len = v->oid_len - n->oid_len;
	if (n->index_re) {   /* horus's index_pattern: the index is where it says */
		int rc = rw_horus_index(n, v->data, v->oid_len, pidx, &idx_len);

		if (rc == -ENOMEM)
			return rc;
		if (rc < 0)
			return 0;
		idx = pidx;
	}
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
	if (arena_put(&a->arena, idx, idx_len * 4u, &p.idx_off) < 0)
		return -ENOMEM;
	if (str != NULL) {
		if (keep_text(&a->arena, n->kind, str, str_len, &p) < 0)
			return -ENOMEM;
	} else if (tlen) {
		if (arena_put(&a->arena, text, tlen, &p.str_off) < 0)
			return -ENOMEM;
		p.str_len = (uint32_t)tlen;
	}
	a->pend[a->n++] = p;
	return 0;
}

/* --- emitting samples ------------------------------------------------- */

/* The labels every sample of one device carries. */
struct base {
	struct rw_lbl l[RW_TAGS_MAX + 2];
	size_t n;
	char names[RW_TAGS_MAX][RW_NAME_MAX];
	uint32_t local;      /* samples written to rw->open, not yet counted */
	uint32_t room;       /* samples the open batch takes before it is sealed */
	int wake;            /* a batch was sealed: wake the sender */
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

/*
 * Count the samples written to rw->open since the last call, and seal
 * the batch when it is full.  Called with rw->mu held.
 */
static void
commit(struct rw *rw, struct base *b)
{
	struct rw_raw *r = NULL;

	if (rw->open_samples == 0 && b->local)
		rw->open_since_ms = rw_now_ms();
	rw->open_samples += b->local;
	rw->st.samples_pending += b->local;
	b->local = 0;
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
		rw->open_hint = r->body.len + r->body.len / 8;
		b->wake = 1;
	}
	b->room = rw->conf.max_samples - rw->open_samples;
}

/*
 * Take the open batch for one device's samples.  Why the lock is held
 * while they are encoded: the samples are written straight into
 * rw->open, which saves copying every byte once more; the sender
 * thread waits at most one device's encoding (a few hundred
 * microseconds for a big switch) to seal or take a batch.
 */
static void
batch_begin(struct rw *rw, struct base *b)
{
	pthread_mutex_lock(&rw->mu);
	if (rw->open.cap == 0 && rw->open_hint)
		(void)rw_buf_reserve(&rw->open, rw->open_hint);   /* no room: grows as it goes */
	b->room = rw->conf.max_samples - rw->open_samples;
	b->local = 0;
	b->wake = 0;
}

static void
batch_end(struct rw *rw, struct base *b)
{
	commit(rw, b);
	pthread_mutex_unlock(&rw->mu);
	if (b->wake && rw->multi)
		curl_multi_wakeup(rw->multi);
}

/*
 * Put __name__ (l[0], given), the extra labels and the base labels in
 * l, sort them by name after __name__ and drop empty values and the
 * later of two equal names.  @return how many labels l holds.
 */
static size_t
labels_sorted(struct rw_lbl *l, const struct base *b, const struct rw_lbl *extra,
	      size_t n_extra)
{
	size_t n = 1, k = 0;

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
	return k + 1;
}

/* One more sample is in rw->open: commit when the batch is full. */
static void
counted(struct rw *rw, struct base *b)
{
	if (++b->local >= b->room)
		commit(rw, b);
}

/* Encode one sample: name, the base labels and extra labels, sorted. */
static int
emit(struct rw *rw, struct base *b, const char *name, const struct rw_lbl *extra, size_t n_extra,
     double value, int64_t ts)
{
	struct rw_lbl l[RW_LABELS_MAX];
	size_t n;

	l[0] = lbl("__name__", name, strlen(name));
	n = labels_sorted(l, b, extra, n_extra);
	if (rw_encode_series(&rw->open, l, n, value, ts) < 0)
		return -ENOMEM;
	counted(rw, b);
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

/*
 * The labels a kept varbind has besides __name__ and the base: its row
 * index under the index label, then its row's lookups of this poll in
 * the order they came.  idx_text holds the index text.  @return how
 * many labels extra holds.
 */
static size_t
row_labels(const struct rw *rw, const struct rw_dev_acc *a, const struct rw_pend *p,
	   const struct rw_row *row, struct rw_lbl *extra, char *idx_text)
{
	const struct rw_name *nm = &rw->names[p->name];
	size_t n_extra = 0;

	if (p->idx_len) {
		size_t o = 0;
		const uint8_t *raw = a->arena.p + p->idx_off;

		for (uint32_t k = 0; k < p->idx_len && o + 12 < RW_IDX_TEXT; k++) {
			uint32_t sub;

			memcpy(&sub, raw + 4 * k, 4);
			if (k)
				idx_text[o++] = '.';
			o += u32_text(sub, idx_text + o);
		}
		extra[n_extra++] = lbl(nm->index_label[0] ? nm->index_label : "index", idx_text, o);
	}
	if (p->idx_len && nm->index_label[0]) {
		/* row->look: (name u32, 4) (text len u32, text) per lookup */
		for (uint32_t o = 0; o < row->look_len && n_extra < RW_LABELS_MAX / 2;) {
			uint32_t name, len;

			memcpy(&name, row->look + o + 4, 4);
			memcpy(&len, row->look + o + 8, 4);
			extra[n_extra++] = lbl(rw->names[name].name,
					       (const char *)row->look + o + 12, len);
			o += 12 + len;
		}
	}
	return n_extra;
}

/* Encode a row's labels after __name__ into the row. */
static int
row_build(struct rw *rw, const struct base *b, const struct rw_dev_acc *a,
	  const struct rw_pend *p, struct rw_row *row)
{
	struct rw_lbl extra[RW_LABELS_MAX / 2], l[RW_LABELS_MAX];
	char idx_text[RW_IDX_TEXT];
	size_t n_extra = row_labels(rw, a, p, row, extra, idx_text), n;

	l[0] = lbl("__name__", "", 0);
	n = labels_sorted(l, b, extra, n_extra);
	rw->tmp.len = 0;
	if (rw_encode_labels(&rw->tmp, l + 1, n - 1) < 0)
		return -ENOMEM;
	return rw_row_set_enc(row, rw->tmp.p, rw->tmp.len);
}

/*
 * Emit every kept varbind of a device, with its row's lookups.  Numeric
 * samples copy their row's encoded labels (rw_rows.c says when those
 * are stale); string samples, whose value is a label, are sorted and
 * encoded each time.
 */
static int
emit_device(struct rw *rw, struct rw_dev_acc *a, struct base *b)
{
	int rc = rw_rows_begin(rw, a, b->l, b->n);

	for (size_t i = 0; i < a->n && rc == 0; i++) {
		const struct rw_pend *p = &a->pend[i];
		const struct rw_name *nm = &rw->names[p->name];
		struct rw_lbl extra[RW_LABELS_MAX / 2];
		char idx_text[RW_IDX_TEXT];
		struct rw_row *row;
		size_t n_extra;

		if (nm->kind == RW_LOOKUP)
			continue;
		row = rw_rows_get(&a->rows, nm->label_id, a->arena.p + p->idx_off, p->idx_len);
		if (row == NULL) {
			rc = -ENOMEM;
			break;
		}
		if (nm->kind == RW_STRING || nm->kind == RW_PHYSADDR) {
			n_extra = row_labels(rw, a, p, row, extra, idx_text);
			extra[n_extra++] = lbl(nm->name, (const char *)a->arena.p + p->str_off,
					       p->str_len);
			rc = emit(rw, b, nm->name, extra, n_extra, 1, p->ts_ms);
			continue;
		}
		if (row->stale && (rc = row_build(rw, b, a, p, row)) < 0)
			break;
		rc = rw_encode_cached(&rw->open, nm->enc, nm->enc_len, row->enc, row->enc_len,
				      p->value, p->ts_ms);
		if (rc == 0)
			counted(rw, b);
	}
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
	batch_begin(rw, &b);
	rc = emit_device(rw, a, &b);
	if (rc == 0)
		rc = emit(rw, &b, "argos_poll_up", NULL, 0, d->ok ? 1 : 0, ts);
	if (rc == 0)
		rc = emit(rw, &b, "argos_poll_duration_seconds", NULL, 0, secs, ts);
	if (rc == 0)
		rc = emit(rw, &b, "argos_poll_varbinds", NULL, 0, d->varbinds, ts);
	if (rc == 0 && d->max_rep != 0)   /* the poll used GETBULK */
		rc = emit(rw, &b, "argos_poll_max_repetitions", NULL, 0, d->max_rep, ts);
	batch_end(rw, &b);
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

	if (argos_rec_size(&r->h) < sizeof(*r))
		return -EINVAL;
	base_init(rw, &b, dev);
	batch_begin(rw, &b);
	if (r->received) {
		rc |= emit(rw, &b, "ping_min_duration_seconds", NULL, 0, r->rtt_min_ns / 1e9, ts);
		rc |= emit(rw, &b, "ping_avg_duration_seconds", NULL, 0,
			   r->rtt_sum_ns / 1e9 / r->received, ts);
		rc |= emit(rw, &b, "ping_max_duration_seconds", NULL, 0, r->rtt_max_ns / 1e9, ts);
	}
	rc |= emit(rw, &b, "ping_loss_ratio", NULL, 0, loss, ts);
	batch_end(rw, &b);
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
		return argos_rec_size(h) >= sizeof(struct argos_rec_error) ? 0 : -EINVAL;
	case ARGOS_REC_DONE:
		if (argos_rec_size(h) < sizeof(struct argos_rec_done))
			return -EINVAL;
		if (((const struct argos_rec_done *)h)->job_kind != ARGOS_JOB_SNMP)
			return 0;
		return poll_done(rw, (const struct argos_rec_done *)h, dev, clk);
	default:
		return -EINVAL;
	}
}

/* --- samples from outside the name table ------------------------------------- */

int
rw_samples_begin(struct rw *rw, const struct rw_device *dev)
{
	struct base *b = rw->samples;

	if (b == NULL && (b = rw->samples = malloc(sizeof(*b))) == NULL)
		return -ENOMEM;
	base_init(rw, b, dev);
	batch_begin(rw, b);
	return 0;
}

int
rw_sample(struct rw *rw, const char *name, const struct rw_label_v *labels, size_t n,
	  double value, int64_t ts_ms)
{
	struct base *b = rw->samples;
	struct rw_lbl extra[RW_LABELS_MAX / 2];
	char renamed[RW_LABELS_MAX / 2][RW_NAME_MAX + 16];
	size_t k = 0;

	for (size_t i = 0; i < n && k < RW_LABELS_MAX / 2; i++) {
		const char *nm = labels[i].name;

		if (labels[i].vlen == 0)
			continue;
		for (size_t j = 0; j < b->n; j++)
			if (!strcmp(b->l[j].name, nm)) {
				/* Prometheus's honor_labels: false */
				snprintf(renamed[k], sizeof(renamed[k]), "exported_%s", nm);
				nm = renamed[k];
				break;
			}
		extra[k++] = lbl(nm, labels[i].value, labels[i].vlen);
	}
	if (emit(rw, b, name, extra, k, value, ts_ms) < 0) {
		__atomic_fetch_add(&rw->st.samples_dropped, 1, __ATOMIC_RELAXED);
		return -ENOMEM;
	}
	return 0;
}

void
rw_samples_end(struct rw *rw)
{
	batch_end(rw, rw->samples);
}

void
rw_series_free(struct rw *rw)
{
	free(rw->samples);
	rw->samples = NULL;
	for (size_t i = 0; i < rw->n_devs; i++) {
		free(rw->devs[i].pend);
		rw_buf_free(&rw->devs[i].arena);
		rw_rows_free(&rw->devs[i].rows);
	}
	free(rw->devs);
	rw->devs = NULL;
	rw->n_devs = 0;
	rw_buf_free(&rw->tmp);
	free(rw->chain);
	rw->chain = NULL;
	rw->chain_cap = 0;
}
