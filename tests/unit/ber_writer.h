/*
 * ber_writer.h - a tiny BER writer, independent of the codec and of
 * net-snmp, for building the SNMP messages that the unit tests and the
 * codec benchmark feed to argos's decoder.  Definite lengths up to
 * 0xffff, minimal forms; out must have room.
 */
#ifndef ARGOS_BER_WRITER_H
#define ARGOS_BER_WRITER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Append tag and a minimal definite length to out; returns bytes written. */
static inline size_t
ber_put_hdr(uint8_t *out, uint8_t tag, size_t len)
{
	size_t n = 0;

	out[n++] = tag;
	if (len < 0x80) {
		out[n++] = (uint8_t)len;
	} else if (len <= 0xff) {
		out[n++] = 0x81;
		out[n++] = (uint8_t)len;
	} else {
		out[n++] = 0x82;
		out[n++] = (uint8_t)(len >> 8);
		out[n++] = (uint8_t)len;
	}
	return n;
}

/* Append the TLV tag/content to out (content may lie in out); returns
 * bytes written. */
static inline size_t
ber_put_tlv(uint8_t *out, uint8_t tag, const uint8_t *content, size_t len)
{
	size_t n = ber_put_hdr(out, tag, len);

	if (len)
		memmove(out + n, content, len);
	return n + len;
}

/* Append a minimal two's-complement INTEGER; returns bytes written. */
static inline size_t
ber_put_int(uint8_t *out, int32_t v)
{
	uint8_t c[4];
	size_t n = 4, skip = 0;

	c[0] = (uint8_t)((uint32_t)v >> 24);
	c[1] = (uint8_t)((uint32_t)v >> 16);
	c[2] = (uint8_t)((uint32_t)v >> 8);
	c[3] = (uint8_t)v;
	while (n - skip > 1 &&
	       ((c[skip] == 0x00 && !(c[skip + 1] & 0x80)) ||
		(c[skip] == 0xff && (c[skip + 1] & 0x80))))
		skip++;
	return ber_put_tlv(out, 0x02, c + skip, n - skip);
}

/* Append an unsigned value (Counter32, Gauge32, Counter64...) under tag,
 * minimal, with a leading 00 when the top bit is set. */
static inline size_t
ber_put_uint(uint8_t *out, uint8_t tag, uint64_t v)
{
	uint8_t c[9];
	size_t n = 0;
	int started = 0;

	for (int shift = 56; shift >= 0; shift -= 8) {
		uint8_t b = (uint8_t)(v >> shift);

		if (!started && b == 0 && shift)
			continue;
		if (!started && (b & 0x80))
			c[n++] = 0;
		started = 1;
		c[n++] = b;
	}
	return ber_put_tlv(out, tag, c, n);
}

#endif
