/*
 * fuzz_farm_request.c - libFuzzer target for argos-farm's SNMP agent.
 *
 * Each input is one UDP payload, answered by farm_snmp_answer() for a
 * fixed device and time, once with the community "public" and once
 * with whatever community the input carries (the first byte picks the
 * interface count, so tables of 1 to 256 rows are walked, and, when it
 * is odd, long ifAlias values and replies of up to 65,507 bytes, as
 * --alias-bytes and --max-reply give).  AddressSanitizer catches any
 * read outside the input or write outside the scratch buffer; the
 * target also checks the agent's promises: a response lies inside the
 * scratch buffer, never exceeds its limit, starts with a SEQUENCE, and
 * is produced only with status 0.
 *
 * The same input goes to the SNMPv3 agent (farm_usm_answer) too, whose
 * engine has one user "fuzz": at noAuthNoPriv when the first byte's
 * second bit is clear (so that the scoped PDU and the PDU behind it are
 * reached without a digest), at authPriv SHA-256/AES otherwise (the
 * checks before the digest, the Reports).  A v3 answer must start with
 * a SEQUENCE and fit its limit too.
 *
 * Build (tests/fuzz/meson.build, with -Dfuzz=true and clang):
 *   executable('fuzz_farm_request', '../../bench/farm/fuzz_farm_request.c',
 *              '../../bench/farm/farm_snmp.c', '../../bench/farm/farm_mib.c',
 *              '../../bench/farm/farm_usm.c', with argos's usm and codec libraries,
 *              net-snmp and libcrypto)
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "farm_snmp.h"
#include "farm_usm.h"

volatile uint64_t fuzz_sink;

static void
answer(const struct farm_snmp_ctx *ctx, const uint8_t *data, size_t size)
{
	static uint8_t scratch[FARM_SNMP_SCRATCH];
	struct farm_snmp_out out;
	int rc;

	rc = farm_snmp_answer(ctx, data, size, 0xc6130005u, 1800000000ull, scratch, &out);
	if (rc != 0)
		return;
	if (out.len == 0 || out.len > ctx->max_msg || out.off + out.len > FARM_SNMP_SCRATCH ||
	    scratch[out.off] != 0x30)
		abort();
	for (size_t i = 0; i < out.len; i++)
		fuzz_sink += scratch[out.off + i];
}

/* The farm's engine (the default ID) with the user "fuzz" at level. */
static void
usm_make(struct farm_usm *u, uint8_t level)
{
	static const uint8_t engine[] = { 0x80, 0, 0x1f, 0x88, 4, 'f', 'u', 'z', 'z' };

	memset(u, 0, sizeof(*u));
	u->cred.level = level;
	u->cred.auth = level ? ARGOS_USM_AUTH_SHA256 : ARGOS_USM_AUTH_NONE;
	u->cred.priv = level == ARGOS_USM_PRIV ? ARGOS_USM_PRIV_AES : ARGOS_USM_PRIV_NONE;
	u->cred.user_len = 4;
	memcpy(u->cred.user, "fuzz", 4);
	if (farm_usm_init(u, engine, sizeof(engine), "fuzz-auth-pass", "fuzz-priv-pass", 1,
			  1800000000ull - 100) != 0)
		abort();
}

static void
answer_v3(const struct farm_snmp_ctx *ctx, int priv, const uint8_t *data, size_t size)
{
	static struct farm_usm usm[2];
	static struct farm_usm_lcore k;
	static uint8_t scratch[FARM_SNMP_SCRATCH];
	static int ready;
	struct farm_snmp_out out;
	uint8_t stat;
	int rc;

	if (!ready) {
		usm_make(&usm[0], ARGOS_USM_NOAUTH);
		usm_make(&usm[1], ARGOS_USM_PRIV);
		if (farm_usm_lcore_init(&k, 42) != 0)
			abort();
		ready = 1;
	}
	rc = farm_usm_answer(&usm[priv], &k, ctx, data, size, 0xc6130005u, 1800000000ull,
			     scratch, &out, &stat);
	if (rc < 0)
		return;
	if (out.len == 0 || out.len > ctx->max_msg || out.off + out.len > FARM_SNMP_SCRATCH ||
	    scratch[out.off] != 0x30 || (rc == FARM_USM_REPORTED) != (stat != 0))
		abort();
	for (size_t i = 0; i < out.len; i++)
		fuzz_sink += scratch[out.off + i];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct farm_mib mibs[256];
	static uint8_t ready[256];
	struct farm_snmp_ctx ctx;
	uint8_t n = size ? data[0] : 0;

	if (!ready[n]) {
		if (farm_mib_init(&mibs[n], (uint32_t)n + 1) != 0)
			abort();
		mibs[n].alias_bytes = n & 1 ? 1 + (uint32_t)n * 37 % 3000 : 0;
		ready[n] = 1;
	}
	if (size == 0)
		return 0;
	ctx = (struct farm_snmp_ctx){ &mibs[n], (const uint8_t *)"public", 6,
				      n & 1 ? FARM_REPLY_MAX : FARM_UDP_MAX };
	answer(&ctx, data + 1, size - 1);
	answer_v3(&ctx, (n >> 1) & 1, data + 1, size - 1);
	/* The community the input itself carries, so deep paths are reached
	 * without guessing "public": bytes 7.. of a typical message. */
	if (size > 9 && data[8] <= size - 9) {
		ctx.community = data + 9;
		ctx.community_len = data[8];
		answer(&ctx, data + 1, size - 1);
	}
	return 0;
}
