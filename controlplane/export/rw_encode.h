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
 * Compress a WriteRequest body with snappy's block format into out
 * (replacing its content).  @return 0, -ENOMEM or -EIO.
 */
int rw_compress(const uint8_t *in, size_t len, struct rw_buf *out);

#endif
