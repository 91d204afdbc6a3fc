/*
 * api_input.h - what the device API checks in a request's bytes before
 * Postgres sees them (api_input.c): a device id as a client writes it,
 * and a JSON body's shape.  Pure C on network input, so it is fuzzed
 * (tests/fuzz/fuzz_api_input.c); Postgres parses the JSON itself.
 */
#ifndef ARGOS_API_INPUT_H
#define ARGOS_API_INPUT_H

#include <stddef.h>

/** JSON nested deeper than this is refused before Postgres parses it. */
#define CP_API_DEPTH_MAX 16

/**
 * A device id as a client may write it (?id=N, or "id" of a body):
 * 1 to 19 decimal digits, no sign, at most INT64_MAX.
 * @return 1 when s is one, else 0.
 */
int cp_api_id_ok(const char *s);

/**
 * A body's bytes: no NUL byte among its len bytes, and arrays and
 * objects (outside strings) nested at most CP_API_DEPTH_MAX deep.
 * Why the depth: Postgres's JSON parser recurses; a deep body costs it
 * stack and time for nothing a device needs (tags are one level).
 * @return NULL when p passes, else why not (a constant string).
 */
const char *cp_api_body_refused(const char *p, size_t len);

#endif
