/*
 * test_dp_ids.c - the identifiers argos sends name the core that sent
 * them (dataplane/dp_ids.h): every core's ids decode back to that core
 * and session, request-ids stay where the codec can patch them, and
 * with one worker the echo id is what it was before.
 */
#include <stdint.h>

#include "check.h"
#include "dp_ids.h"
#include "snmp_codec.h"

static void
worker_bits_are_just_enough(void)
{
	CHECK(dp_worker_bits(1) == 0, "one worker needs no bit, got %u", dp_worker_bits(1));
	CHECK(dp_worker_bits(2) == 1, "two workers need 1 bit, got %u", dp_worker_bits(2));
	CHECK(dp_worker_bits(3) == 2, "three workers need 2 bits, got %u", dp_worker_bits(3));
	CHECK(dp_worker_bits(4) == 2, "four workers need 2 bits, got %u", dp_worker_bits(4));
	CHECK(dp_worker_bits(16) == 4, "16 workers need 4 bits, got %u", dp_worker_bits(16));
}

static void
icmp_ids_decode_to_their_core_and_session(void)
{
	static const uint16_t keys[] = { 0, 0x1234, 0xffff, 0xa5a5 };
	unsigned bad = 0;

	for (unsigned n = 1; n <= 16; n++) {
		unsigned bits = dp_worker_bits(n);
		uint32_t max = dp_icmp_max_sessions(bits);

		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			for (unsigned w = 0; w < n; w++)
				for (uint32_t idx = 0; idx < max; idx += 1 + idx / 7) {
					uint16_t id = dp_icmp_id_make(idx, w, bits, keys[k]);

					if (dp_icmp_id_worker(id, bits, keys[k]) != w ||
					    dp_icmp_id_session(id, bits, keys[k]) != idx)
						bad++;
				}
	}
	CHECK(bad == 0, "%u ICMP ids did not decode to the core and session that made them", bad);
	CHECK(dp_icmp_id_make(77, 0, 0, 0x5a5a) == (77 ^ 0x5a5a),
	      "with one worker the echo id is no longer the session XOR the key");
	CHECK(dp_icmp_max_sessions(0) == 65536 && dp_icmp_max_sessions(2) == 16384,
	      "ICMP sessions per core do not shrink with the worker bits");
}

static void
request_ids_name_their_core_and_stay_patchable(void)
{
	static const uint32_t rs[] = { SNMP_REQID_MIN, SNMP_REQID_MAX, 0x12345678, 0x010000ff,
				       0x7ffffff0 };
	unsigned bad_range = 0, bad_decode = 0;

	for (unsigned i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		for (unsigned w = 0; w < 16; w++) {
			uint32_t id = dp_reqid_make(rs[i], w);

			if (id < SNMP_REQID_MIN || id > SNMP_REQID_MAX)
				bad_range++;
			if (dp_reqid_worker(id) != w || (id & ~DP_REQID_WORKER_MASK) !=
							(rs[i] & ~DP_REQID_WORKER_MASK))
				bad_decode++;
		}
	CHECK(bad_range == 0, "%u request-ids left [SNMP_REQID_MIN, SNMP_REQID_MAX], where the "
	      "codec cannot patch them in place", bad_range);
	CHECK(bad_decode == 0, "%u request-ids did not name their core or lost their random "
	      "part", bad_decode);
}

static void
udp_ports_name_their_core(void)
{
	CHECK(dp_udp_owner(40000, 40000, 1) == 0, "one worker: its own port is not its own");
	CHECK(dp_udp_owner(40001, 40000, 1) == -1, "one worker: the next port is taken as ours");
	CHECK(dp_udp_owner(40003, 40000, 4) == 3, "port base + 3 is not worker 3's");
	CHECK(dp_udp_owner(40004, 40000, 4) == -1, "a port past the range is taken as ours");
	CHECK(dp_udp_owner(39999, 40000, 4) == -1, "a port below the range is taken as ours");
	CHECK(dp_udp_owner(65535, 65534, 2) == 1, "the range cannot end at port 65535");
}

int
main(void)
{
	worker_bits_are_just_enough();
	icmp_ids_decode_to_their_core_and_session();
	request_ids_name_their_core_and_stay_patchable();
	udp_ports_name_their_core();
	return CHECK_DONE("reply_owner_ids");
}
