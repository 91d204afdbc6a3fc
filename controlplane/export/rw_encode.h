/*
 * rw_encode.h - the remote-write 1.0 protobuf messages, written by hand.
 *
 * Why by hand: protobuf-c's generic packer walks field descriptors and
 * wants every message built as C structs first; a WriteRequest is only
 * a concatenation of TimeSeries fields, so appending one series to a
 * growing buffer is a few varints and memcpys.  remote.proto describes
 * the same bytes; the tests decode our output with protobuf-c to prove
 * that they agree.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }
 */
#ifndef ARGOS_RW_ENCODE_H
#define ARGOS_RW_ENCODE_H

#include <stddef.h>
#include <stdint.h>

/** A growing byte buffer. */
struct rw_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

/** A label with its lengths known. */
struct rw_lbl {
	const char *name;
	const char *value;
	uint32_t nlen;
	uint32_t vlen;
};

/** Make room for n more bytes.  @return 0 or -ENOMEM. */
int rw_buf_reserve(struct rw_buf *b, size_t n);

/** Free the buffer's memory and zero it. */
void rw_buf_free(struct rw_buf *b);

/**
 * Append one TimeSeries (field 1 of a WriteRequest) holding the labels
 * in the order given (the caller sorts them, __name__ first) and one
 * sample.  @return 0 or -ENOMEM (b is unchanged then).
 */
int rw_encode_series(struct rw_buf *b, const struct rw_lbl *l, size_t n, double value,
		     int64_t ts_ms);

/**
 * Append the Label fields (TimeSeries field 1) of l[0..n), in the order
 * given, and nothing else: the shared part of a row's series.
 * @return 0 or -ENOMEM (b is unchanged then).
 */
int rw_encode_labels(struct rw_buf *b, const struct rw_lbl *l, size_t n);

/**
 * Write the Label field of one label at out, which has room for
 * rw_label_field_size(l) bytes.  @return the bytes written.
 */
size_t rw_label_field_put(uint8_t *out, const struct rw_lbl *l);

/** The bytes rw_label_field_put() writes for l. */
size_t rw_label_field_size(const struct rw_lbl *l);

/**
 * Append one TimeSeries whose Label fields are already encoded: name
 * (the __name__ label) followed by labels (the rest, sorted), then one
 * sample.  The same bytes as rw_encode_series() on the same labels.
 * @return 0 or -ENOMEM (b is unchanged then).
 */
int rw_encode_cached(struct rw_buf *b, const uint8_t *name, size_t name_len,
		     const uint8_t *labels, size_t labels_len, double value, int64_t ts_ms);

/**
 * Compress a WriteRequest body with snappy's block format into out
 * (replacing its content).  @return 0, -ENOMEM or -EIO.
 */
int rw_compress(const uint8_t *in, size_t len, struct rw_buf *out);

#endif
