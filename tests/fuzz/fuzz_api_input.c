/*
 * fuzz_api_input.c - libFuzzer target for what argos does with the
 * bytes of an HTTP request before Postgres or libmicrohttpd's own code:
 * the device API's id and body checks (api_input.c), the bearer token
 * comparison (cp_secret_equal) and the redactor (cp_redact), which sees
 * DSNs, URLs and messages that may quote a client's input.
 *
 * Properties checked besides memory safety: redaction never overruns
 * its buffer and is idempotent (what is left of a secret is "***"); an
 * id accepted is all digits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api_input.h"
#include "cp_redact.h"
#include "cp_secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[256], small[8];

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)cp_api_body_refused(s, size);
	if (cp_api_id_ok(s) && strspn(s, "0123456789") != strlen(s))
		abort();
	(void)cp_secret_equal(s, strlen(s), "0123456789abcdef0123", 20);
	cp_redact(s, out, sizeof(out));
	if (strlen(out) >= sizeof(out))
		abort();
	cp_redact(s, small, sizeof(small));
	/* Redaction is idempotent: what is left of a secret is "***", and
	 * hiding it again changes nothing (inputs short enough not to be cut). */
	if (size < 64) {
		char again[256];

		cp_redact(out, again, sizeof(again));
		if (strcmp(out, again) != 0)
			abort();
	}
	free(s);
	return 0;
}
