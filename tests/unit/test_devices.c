/*
 * test_devices.c - the devices file: good files load with defaults,
 * and every kind of bad line stops the load with FILE:LINE: reason.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cp_devices.h"

static char path[64];

static int
load(const char *text, struct cp_device **d, size_t *n, char *err, size_t errlen)
{
	FILE *f;

	strcpy(path, "/tmp/argos_test_devices_XXXXXX");
	close(mkstemp(path));
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	int rc = cp_devices_load(path, d, n, err, errlen);
	unlink(path);
	return rc;
}

/* The load must fail, and the message must say LINE: and the reason. */
static void
bad(const char *what, const char *text, unsigned line, const char *reason)
{
	struct cp_device *d;
	size_t n;
	char err[256], want[128];

	if (load(text, &d, &n, err, sizeof(err)) == 0) {
		CHECK(0, "%s: the file loaded, it must be refused", what);
		free(d);
		return;
	}
	snprintf(want, sizeof(want), "%s:%u: ", path, line);
	CHECK(strncmp(err, want, strlen(want)) == 0, "%s: message should start with '%s', got '%s'",
	      what, want, err);
	CHECK(strstr(err, reason) != NULL, "%s: message should say '%s', got '%s'", what, reason, err);
}

#define HDR "id,hostname,ip_address,snmp_community,snmp_version\n"

int
main(void)
{
	struct cp_device *d;
	size_t n;
	char err[256];

	CHECK(load("# a comment\n" HDR "sw1,switch-1,198.18.0.11,public,2c\r\n\n"
		   "sw2,\"router, core\",198.18.0.12,\"pu\"\"b\",1\n", &d, &n, err, sizeof(err)) == 0,
	      "a good file loads, got: %s", err);
	CHECK(n == 2, "two devices, got %zu", n);
	if (n == 2) {
		CHECK(!strcmp(d[0].id, "sw1") && d[0].ip == inet_addr("198.18.0.11"),
		      "fields land where the header says");
		CHECK(d[0].snmp_version == 1 && d[1].snmp_version == 0, "2c and 1 are understood");
		CHECK(d[0].snmp_port == 161 && d[0].snmp_timeout_ms == 1000 && d[0].snmp_retries == 2 &&
		      d[0].snmp_max_repetitions == 25 && d[0].polling_frequency == 60 &&
		      d[0].ping_frequency == 10, "absent optional columns take their defaults");
		CHECK(!strcmp(d[1].hostname, "router, core") && !strcmp(d[1].community, "pu\"b"),
		      "quoted fields keep commas and doubled quotes");
		free(d);
	}
	CHECK(load("snmp_version,id,ip_address,hostname,snmp_community,snmp_port,snmp_timeout,"
		   "snmp_retries,snmp_max_repetitions,polling_frequency,ping_frequency\n"
		   "2c,a,198.18.0.1,h,c,1161,0.5,0,10,30,0\n", &d, &n, err, sizeof(err)) == 0 &&
	      d[0].snmp_port == 1161 && d[0].snmp_timeout_ms == 500 && d[0].snmp_retries == 0 &&
	      d[0].snmp_max_repetitions == 10 && d[0].polling_frequency == 30 &&
	      d[0].ping_frequency == 0, "every optional column is read, in any column order");
	if (d)
		free(d);

	CHECK(load("id,hostname,ip_address,snmp_community,snmp_version,snmp_alternate_community,"
		   "snmp_disable_bulk,snmp_allow_other_source,snmp_allow_nonincreasing_oids,"
		   "snmp_walk_past_exceptions\n"
		   "a,h,198.18.0.1,c,2c,alt,1,true,Yes,on\n"
		   "b,h,198.18.0.2,c,2c,,0,false,no,\n", &d, &n, err, sizeof(err)) == 0 &&
	      n == 2 && !strcmp(d[0].alt_community, "alt") &&
	      d[0].snmp_flags == (ARGOS_JOB_GETNEXT | ARGOS_JOB_ANY_SOURCE |
				  ARGOS_JOB_NONINCREASING | ARGOS_JOB_PAST_EXCEPTIONS) &&
	      d[1].alt_community[0] == '\0' && d[1].snmp_flags == 0,
	      "the alternate community and the four leniency columns are read "
	      "(yes: 1/true/Yes/on; no: 0/false/no/empty), got: %s", err);
	if (d)
		free(d);
	CHECK(load(HDR "a,h,198.18.0.1,c,2c\n", &d, &n, err, sizeof(err)) == 0 && n == 1 &&
	      d[0].snmp_flags == 0 && d[0].alt_community[0] == '\0',
	      "without the columns, no leniency and no alternate community");
	if (d)
		free(d);
	bad("leniency not yes/no", "id,hostname,ip_address,snmp_community,snmp_version,"
	    "snmp_allow_other_source\na,b,198.18.0.1,c,2c,maybe\n", 2,
	    "snmp_allow_other_source: 'maybe' is not a yes/no value");
	bad("long alternate community", "id,hostname,ip_address,snmp_community,snmp_version,"
	    "snmp_alternate_community\na,b,198.18.0.1,c,2c,"
	    "0123456789012345678901234567890123456789012345678901234567890123456789\n", 2,
	    "snmp_alternate_community is longer than 63 bytes");
	bad("missing file", "", 0, "no header");
	bad("missing required column", "id,hostname,ip_address,snmp_version\n", 1,
	    "required column 'snmp_community'");
	bad("unknown column", "id,hostname,ip_address,snmp_community,snmp_version,colour\n", 1,
	    "unknown column 'colour'");
	bad("field count", HDR "a,b,198.18.0.1,c\n", 2, "4 fields, the header has 5");
	bad("bad address", HDR "a,b,198.18.0.300,c,2c\n", 2, "not an IPv4 address");
	bad("bad version", HDR "a,b,198.18.0.1,c,3\n", 2, "snmp_version");
	bad("empty id", HDR ",b,198.18.0.1,c,2c\n", 2, "id is empty");
	bad("duplicate id", HDR "a,b,198.18.0.1,c,2c\na,b,198.18.0.2,c,2c\n", 3,
	    "id 'a' already used on line 2");
	bad("port out of range", "id,hostname,ip_address,snmp_community,snmp_version,snmp_port\n"
	    "a,b,198.18.0.1,c,2c,70000\n", 2, "snmp_port: 70000 is out of range");
	bad("non-numeric retries", "id,hostname,ip_address,snmp_community,snmp_version,snmp_retries\n"
	    "a,b,198.18.0.1,c,2c,x\n", 2, "not a whole number");
	bad("timeout zero", "id,hostname,ip_address,snmp_community,snmp_version,snmp_timeout\n"
	    "a,b,198.18.0.1,c,2c,0\n", 2, "snmp_timeout");
	bad("unterminated quote", HDR "a,\"b,198.18.0.1,c,2c\n", 2, "unterminated quote");
	bad("header only", HDR, 1, "no devices");
	bad("long community", HDR "a,b,198.18.0.1,"
	    "0123456789012345678901234567890123456789012345678901234567890123,2c\n", 2,
	    "snmp_community is longer than 63 bytes");
	bad("loopback", HDR "a,b,127.0.0.1,c,2c\n", 2, "127.0.0.1 cannot be polled: loopback");
	bad("multicast", HDR "a,b,224.0.0.1,c,2c\n", 2, "cannot be polled: multicast");
	bad("broadcast", HDR "a,b,255.255.255.255,c,2c\n", 2, "cannot be polled: reserved");
	bad("this network", HDR "a,b,0.0.0.0,c,2c\n", 2, "cannot be polled");
	bad("good line then a bad one", HDR "a,b,198.18.0.1,c,2c\nb,b,198.18.0.2,c,2c,extra\n", 3,
	    "6 fields");

	CHECK(cp_devices_load("/nonexistent/devices.csv", &d, &n, err, sizeof(err)) != 0 &&
	      strstr(err, "/nonexistent/devices.csv:0: cannot open") == err,
	      "an unreadable file names itself, got '%s'", err);

	return CHECK_DONE("devices_csv_errors");
}
