/*
 * test_device_check.c - the rules every device meets, whatever its
 * source (device_check.h): each bound accepted at its edge and refused
 * one past it, the refused address ranges, communities refused (never
 * cut) past 63 bytes, and no message that holds a community's text.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "argos_job.h"
#include "check.h"
#include "device_check.h"

static struct cp_device_check
good(void)
{
	return (struct cp_device_check){
		.hostname = "sw1", .ip = inet_addr("198.18.0.11"), .community = "public",
		.alt_community = "", .snmp_version = 1, .snmp_port = 161,
		.snmp_timeout_ms = 1000, .snmp_retries = 2, .snmp_max_repetitions = 25,
		.polling_frequency = 60, .ping_frequency = 10,
	};
}

/* d must be refused, and why must hold want. */
static void
refused(const char *what, struct cp_device_check d, const char *want)
{
	char why[160] = "";

	CHECK(cp_device_check(&d, why, sizeof(why)) == -1 && strstr(why, want) != NULL,
	      "%s: want a refusal saying '%s', got '%s'", what, want, why);
}

static void
accepted(const char *what, struct cp_device_check d)
{
	char why[160] = "";

	CHECK(cp_device_check(&d, why, sizeof(why)) == 0, "%s: must be accepted, got '%s'", what,
	      why);
}

int
main(void)
{
	struct cp_device_check d;
	char c63[64], c64[65], why[160];

	accepted("a plain device", good());

	static const char *const bad_ips[] = {
		"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.255.254", "224.0.0.1",
		"239.255.255.255", "240.0.0.1", "255.255.255.255", NULL,
	};
	for (int i = 0; bad_ips[i]; i++) {
		d = good();
		d.ip = inet_addr(bad_ips[i]);
		refused(bad_ips[i], d, "cannot be polled");
	}
	static const char *const good_ips[] = {
		"1.0.0.1", "126.255.255.255", "128.0.0.1", "198.18.0.1", "223.255.255.254",
		"10.0.0.1", "169.254.1.1", NULL,
	};
	for (int i = 0; good_ips[i]; i++) {
		d = good();
		d.ip = inet_addr(good_ips[i]);
		accepted(good_ips[i], d);
	}

	memset(c63, 'S', 63);
	c63[63] = '\0';
	memset(c64, 'S', 64);
	c64[64] = '\0';
	d = good();
	d.community = c63;
	accepted("a 63-byte community", d);
	d.community = c64;
	refused("a 64-byte community", d, "snmp_community is longer than 63 bytes");
	CHECK(cp_device_check(&d, why, sizeof(why)) == -1 && strstr(why, "SSSS") == NULL,
	      "the refusal must not quote the community, got '%s'", why);
	d = good();
	d.alt_community = c64;
	refused("a 64-byte alternate community", d, "snmp_alternate_community is longer");
	d = good();
	d.community = "";
	accepted("an empty community", d);
	CHECK(ARGOS_COMMUNITY_LEN_MAX < ARGOS_COMMUNITY_MAX,
	      "the longest community fits a job record");

#define EDGE(field, lo, hi, name) do {                                  \
		d = good(); d.field = (lo); accepted(#field " at its low bound", d);   \
		d.field = (lo) - 1; refused(#field " below its low bound", d, name);   \
		d = good(); d.field = (hi); accepted(#field " at its high bound", d);  \
		d.field = (hi) + 1; refused(#field " above its high bound", d, name);  \
	} while (0)
	EDGE(snmp_port, 1, 65535, "snmp_port: ");
	EDGE(snmp_timeout_ms, 10, 60000, "snmp_timeout: ");
	EDGE(snmp_retries, 0, 10, "snmp_retries: ");
	EDGE(snmp_max_repetitions, 1, 1000, "snmp_max_repetitions: ");
	EDGE(polling_frequency, 0, 604800, "polling_frequency: ");
	EDGE(ping_frequency, 0, 604800, "ping_frequency: ");
	EDGE(snmp_version, 0, 1, "snmp_version: ");
#undef EDGE
	d = good();
	d.snmp_port = INT64_MAX;
	refused("a huge port", d, "snmp_port");

	d = good();
	d.hostname = "";
	refused("an empty hostname", d, "hostname");
	d.hostname = "a\nb";
	refused("a hostname with a newline", d, "control character");
	{
		char h[257];

		memset(h, 'h', 256);
		h[256] = '\0';
		d.hostname = h;
		refused("a 256-byte hostname", d, "hostname");
		h[255] = '\0';
		accepted("a 255-byte hostname", (d.hostname = h, d));
	}
	return CHECK_DONE("device_check_rules");
}
