/*
 * rw_encode.c - protobuf TimeSeries by hand, and snappy (rw_encode.h).
 *
 * Each length is known before its message is written, so nothing is
 * written twice: a Label's size is its two strings plus their tags and
 * length varints, a Sample's is always 11 bytes when its timestamp
 * varint is counted, and a TimeSeries' is the sum.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "rw_encode.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "Sample.value is written as the host double: little-endian hosts only");

int
rw_buf_reserve(struct rw_buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->cap - b->len >= n)
		return 0;
	cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

void
rw_buf_free(struct rw_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static inline size_t
varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static inline uint8_t *
put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static inline uint8_t *
put_bytes(uint8_t *p, uint8_t tag, const char *s, uint32_t len)
{
	*p++ = tag;
	p = put_varint(p, len);
	memcpy(p, s, len);
	return p + len;
}

int
rw_encode_series(struct rw_buf *b, const struct rw_lbl *l, size_t n, double value,
		 int64_t ts_ms)
{
	size_t lsize[64];
	size_t series = 0, sample, need;
	uint8_t *p;

	if (n > 64)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		lsize[i] = 1 + varint_len(l[i].nlen) + l[i].nlen +
			   1 + varint_len(l[i].vlen) + l[i].vlen;
		series += 1 + varint_len(lsize[i]) + lsize[i];
	}
	/* Sample: tag 0x09 + 8-byte double, tag 0x10 + varint timestamp. */
	sample = 1 + 8 + 1 + varint_len((uint64_t)ts_ms);
	series += 1 + varint_len(sample) + sample;
	need = 1 + varint_len(series) + series;
	if (rw_buf_reserve(b, need) < 0)
		return -ENOMEM;

	p = b->p + b->len;
	*p++ = 0x0a;                      /* WriteRequest.timeseries, LEN */
	p = put_varint(p, series);
	for (size_t i = 0; i < n; i++) {
		*p++ = 0x0a;              /* TimeSeries.labels, LEN */
		p = put_varint(p, lsize[i]);
		p = put_bytes(p, 0x0a, l[i].name, l[i].nlen);
		p = put_bytes(p, 0x12, l[i].value, l[i].vlen);
	}
	*p++ = 0x12;                      /* TimeSeries.samples, LEN */
	p = put_varint(p, sample);
	*p++ = 0x09;                      /* Sample.value, I64 (little-endian double) */
	memcpy(p, &value, 8);             /* x86 and arm64 are little-endian */
	p += 8;
	*p++ = 0x10;                      /* Sample.timestamp, VARINT */
	p = put_varint(p, (uint64_t)ts_ms);
	b->len = (size_t)(p - b->p);
	return 0;
}

size_t
rw_label_field_size(const struct rw_lbl *l)
{
	size_t ls = 1 + varint_len(l->nlen) + l->nlen + 1 + varint_len(l->vlen) + l->vlen;

	return 1 + varint_len(ls) + ls;
}

size_t
rw_label_field_put(uint8_t *out, const struct rw_lbl *l)
{
	size_t ls = 1 + varint_len(l->nlen) + l->nlen + 1 + varint_len(l->vlen) + l->vlen;
	uint8_t *p = out;

	*p++ = 0x0a;                      /* TimeSeries.labels, LEN */
	p = put_varint(p, ls);
	p = put_bytes(p, 0x0a, l->name, l->nlen);
	p = put_bytes(p, 0x12, l->value, l->vlen);
	return (size_t)(p - out);
}

int
rw_encode_labels(struct rw_buf *b, const struct rw_lbl *l, size_t n)
{
	size_t need = 0;

	for (size_t i = 0; i < n; i++)
		need += rw_label_field_size(&l[i]);
	if (rw_buf_reserve(b, need) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		b->len += rw_label_field_put(b->p + b->len, &l[i]);
	return 0;
}

/*
 * Why this is the hot path: every numeric sample of an if-mib poll goes
 * through here, so it is two memcpys of cached bytes and three varints.
 * A timestamp in ms since 1970 is a 6-byte varint until 2527, so the
 * Sample is 16 bytes and its length one byte.
 */
int
rw_encode_cached(struct rw_buf *b, const uint8_t *name, size_t name_len,
		 const uint8_t *labels, size_t labels_len, double value, int64_t ts_ms)
{
	size_t sample = 1 + 8 + 1 + varint_len((uint64_t)ts_ms);
	size_t series = name_len + labels_len + 1 + varint_len(sample) + sample;
	uint8_t *p;

	if (rw_buf_reserve(b, 1 + varint_len(series) + series) < 0)
		return -ENOMEM;
	p = b->p + b->len;
	*p++ = 0x0a;                      /* WriteRequest.timeseries, LEN */
	p = put_varint(p, series);
	memcpy(p, name, name_len);
	p += name_len;
	memcpy(p, labels, labels_len);
	p += labels_len;
	*p++ = 0x12;                      /* TimeSeries.samples, LEN */
	p = put_varint(p, sample);
	*p++ = 0x09;                      /* Sample.value, I64 */
	memcpy(p, &value, 8);
	p += 8;
	*p++ = 0x10;                      /* Sample.timestamp, VARINT */
	p = put_varint(p, (uint64_t)ts_ms);
	b->len = (size_t)(p - b->p);
	return 0;
}

int
rw_compress(const uint8_t *in, size_t len, struct rw_buf *out)
{
	size_t max = snappy_max_compressed_length(len);

	out->len = 0;
	if (rw_buf_reserve(out, max) < 0)
		return -ENOMEM;
	if (snappy_compress((const char *)in, len, (char *)out->p, &max) != SNAPPY_OK)
		return -EIO;
	out->len = max;
	return 0;
}
