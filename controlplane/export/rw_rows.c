/*
 * rw_rows.c - the rows of a device and the label bytes they share.
 *
 * A device's series repeat every poll with the same labels: every
 * numeric sample of ifIndex 3 carries the same index label, lookups
 * (ifName, ifAlias, ifDescr), device tags, instance and job; only
 * __name__, the value and the timestamp differ.  rw_series.c encodes
 * those shared labels once per row (struct rw_row in rw_internal.h)
 * and copies the bytes into each sample.  This file keeps the rows and
 * says when their bytes are stale.
 *
 * Why the bytes stay exact: at every DONE, rw_rows_begin() rebuilds
 * each row's lookups of this poll as canonical text (name, length,
 * value, in the order the varbinds came) and compares it with the text
 * the row's bytes were built from; the device's base labels (instance,
 * job, tags) are compared the same way, and a change of the name table
 * drops every row.  Nothing is trusted to a hash: a row whose inputs
 * differ by one byte is re-encoded by the same sorting code as before.
 *
 * Rows are looked up by (index label, row index) in an open-addressing
 * table.  A device whose interfaces come and go keeps at most about
 * twice as many rows as one poll has samples: beyond that every row is
 * dropped and rebuilt on demand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rw_internal.h"

#define RW_ROW_NONE UINT32_MAX

/* idx_len sub-ids at a and b (unaligned) are the same. */
static inline int
idx_same(const uint8_t *a, const uint8_t *b, uint32_t idx_len)
{
	if (idx_len == 1)   /* ifIndex: the common case, no call */
		return a[0] == b[0] && a[1] == b[1] && a[2] == b[2] && a[3] == b[3];
	/* A scalar's empty index may be NULL: memcmp of it is undefined. */
	return idx_len == 0 || memcmp(a, b, idx_len * 4u) == 0;
}

static uint64_t
row_hash(uint32_t label, const uint8_t *idx, uint32_t idx_len)
{
	uint64_t h = ((uint64_t)label + 1) * 0x9e3779b97f4a7c15ull;

	for (uint32_t i = 0; i < idx_len; i++) {
		uint32_t sub;

		memcpy(&sub, idx + 4 * i, 4);
		h = (h ^ sub) * 0x9e3779b97f4a7c15ull;
	}
	return h ^ (h >> 29);
}

/* Forget every row; the table keeps its memory. */
static void
rows_reset(struct rw_rows *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->row[i].idx);
		free(t->row[i].look);
		free(t->row[i].enc);
	}
	t->n = 0;
	if (t->slot)
		memset(t->slot, 0xff, t->size * sizeof(*t->slot));
	free(t->base);
	t->base = NULL;
	t->base_len = 0;
}

static int
rows_grow(struct rw_rows *t)
{
	size_t size = t->size ? t->size * 2 : 64;
	uint32_t *slot;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct rw_row *p = realloc(t->row, cap * sizeof(*p));

		if (p == NULL)
			return -ENOMEM;
		t->row = p;
		t->cap = cap;
	}
	if (2 * (t->n + 1) <= t->size)
		return 0;
	slot = malloc(size * sizeof(*slot));
	if (slot == NULL)
		return -ENOMEM;
	memset(slot, 0xff, size * sizeof(*slot));
	for (size_t i = 0; i < t->n; i++) {
		uint64_t h = t->row[i].hash;

		while (slot[h & (size - 1)] != RW_ROW_NONE)
			h++;
		slot[h & (size - 1)] = (uint32_t)i;
	}
	free(t->slot);
	t->slot = slot;
	t->size = size;
	return 0;
}

/*
 * The row of (label, idx), created (stale, no lookups) when the device
 * has none yet.  idx is idx_len sub-ids, unaligned.  @return the row,
 * valid until the next call, or NULL when memory ran out.
 */
struct rw_row *
rw_rows_get(struct rw_rows *t, uint32_t label, const uint8_t *idx, uint32_t idx_len)
{
	uint64_t h = row_hash(label, idx, idx_len);
	struct rw_row *r;

	if (t->size) {
		for (uint64_t k = h;; k++) {
			uint32_t i = t->slot[k & (t->size - 1)];

			if (i == RW_ROW_NONE)
				break;
			r = &t->row[i];
			if (r->hash == h && r->label == label && r->idx_len == idx_len &&
			    idx_same(r->idx, idx, idx_len))
				return r;
		}
	}
	if (rows_grow(t) < 0)
		return NULL;
	r = &t->row[t->n];
	memset(r, 0, sizeof(*r));
	if (idx_len && (r->idx = malloc(idx_len * 4u)) == NULL)
		return NULL;
	if (idx_len)
		memcpy(r->idx, idx, idx_len * 4u);
	r->hash = h;
	r->label = label;
	r->idx_len = idx_len;
	r->stale = 1;
	while (t->slot[h & (t->size - 1)] != RW_ROW_NONE)
		h++;
	t->slot[h & (t->size - 1)] = (uint32_t)t->n++;
	return r;
}

/* Replace *dst (length *dst_len) by a copy of src.  @return 0 or -ENOMEM. */
static int
bytes_set(uint8_t **dst, uint32_t *dst_len, const uint8_t *src, size_t len)
{
	uint8_t *p = NULL;

	if (len && (p = malloc(len)) == NULL)
		return -ENOMEM;
	if (len)
		memcpy(p, src, len);
	free(*dst);
	*dst = p;
	*dst_len = (uint32_t)len;
	return 0;
}

/* Set a row's encoded labels and mark it fresh.  @return 0 or -ENOMEM. */
int
rw_row_set_enc(struct rw_row *r, const uint8_t *enc, size_t len)
{
	if (len != r->enc_len || (len && memcmp(r->enc, enc, len) != 0)) {
		if (bytes_set(&r->enc, &r->enc_len, enc, len) < 0)
			return -ENOMEM;
	}
	r->stale = 0;
	return 0;
}

static int
put_text(struct rw_buf *b, const void *p, uint32_t len)
{
	if (rw_buf_reserve(b, 4 + (size_t)len) < 0)
		return -ENOMEM;
	memcpy(b->p + b->len, &len, 4);
	memcpy(b->p + b->len + 4, p, len);
	b->len += 4 + (size_t)len;
	return 0;
}

/* The base labels of this poll differ from the ones the rows hold:
 * take them and mark every row stale. */
static int
base_check(struct rw *rw, struct rw_rows *t, const struct rw_lbl *base, size_t n_base)
{
	rw->tmp.len = 0;
	for (size_t i = 0; i < n_base; i++)
		if (put_text(&rw->tmp, base[i].name, base[i].nlen) < 0 ||
		    put_text(&rw->tmp, base[i].value, base[i].vlen) < 0)
			return -ENOMEM;
	if (t->base && rw->tmp.len == t->base_len && memcmp(t->base, rw->tmp.p, rw->tmp.len) == 0)
		return 0;
	if (bytes_set(&t->base, &t->base_len, rw->tmp.p, rw->tmp.len) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++)
		t->row[i].stale = 1;
	return 0;
}

/* Chain this poll's lookups (RW_LOOKUP varbinds with a row index and an
 * index label) to their rows, in the order they came. */
static int
chain_lookups(struct rw *rw, struct rw_dev_acc *a)
{
	struct rw_rows *t = &a->rows;

	if (a->n > rw->chain_cap) {
		uint32_t *c = realloc(rw->chain, a->n * sizeof(*c));

		if (c == NULL)
			return -ENOMEM;
		rw->chain = c;
		rw->chain_cap = a->n;
	}
	for (size_t i = 0; i < a->n; i++) {
		const struct rw_pend *p = &a->pend[i];
		const struct rw_name *nm = &rw->names[p->name];
		struct rw_row *r;

		if (nm->kind != RW_LOOKUP || p->idx_len == 0 || nm->index_label[0] == '\0')
			continue;
		r = rw_rows_get(t, nm->label_id, a->arena.p + p->idx_off, p->idx_len);
		if (r == NULL)
			return -ENOMEM;
		rw->chain[i] = RW_ROW_NONE;
		if (r->poll != t->poll) {
			r->poll = t->poll;
			r->head = (uint32_t)i;
		} else {
			rw->chain[r->tail] = (uint32_t)i;
		}
		r->tail = (uint32_t)i;
	}
	return 0;
}

/* Give every row the canonical text of this poll's lookups; a row whose
 * text changed is stale. */
static int
rows_take_lookups(struct rw *rw, struct rw_dev_acc *a)
{
	struct rw_rows *t = &a->rows;

	for (size_t k = 0; k < t->n; k++) {
		struct rw_row *r = &t->row[k];

		rw->tmp.len = 0;
		for (uint32_t i = r->poll == t->poll ? r->head : RW_ROW_NONE; i != RW_ROW_NONE;
		     i = rw->chain[i]) {
			const struct rw_pend *p = &a->pend[i];

			if (put_text(&rw->tmp, &p->name, 4) < 0 ||
			    put_text(&rw->tmp, a->arena.p + p->str_off, p->str_len) < 0)
				return -ENOMEM;
			if (i == r->tail)
				break;
		}
		if (rw->tmp.len == r->look_len &&
		    (r->look_len == 0 || memcmp(r->look, rw->tmp.p, rw->tmp.len) == 0))
			continue;
		if (bytes_set(&r->look, &r->look_len, rw->tmp.p, rw->tmp.len) < 0)
			return -ENOMEM;
		r->stale = 1;
	}
	return 0;
}

/*
 * Start a device's DONE: drop the rows if the name table changed or
 * they grew past bound, compare the base labels, and give every row
 * this poll's lookups.  Rows created later in the same DONE have none.
 * @return 0, or -ENOMEM (every row is dropped then, so nothing stale
 * survives).
 */
int
rw_rows_begin(struct rw *rw, struct rw_dev_acc *a, const struct rw_lbl *base, size_t n_base)
{
	struct rw_rows *t = &a->rows;

	if (t->names_gen != rw->names_gen || t->n > 2 * a->n + 64) {
		rows_reset(t);
		t->names_gen = rw->names_gen;
	}
	if (++t->poll == 0)
		t->poll = 1;   /* 0 is what a new row holds */
	if (base_check(rw, t, base, n_base) < 0 || chain_lookups(rw, a) < 0 ||
	    rows_take_lookups(rw, a) < 0)
		goto err;
	return 0;
err:
	rows_reset(t);
	return -ENOMEM;
}

void
rw_rows_free(struct rw_rows *t)
{
	rows_reset(t);
	free(t->row);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
