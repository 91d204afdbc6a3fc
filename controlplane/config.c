/*
 * config.c - argos's command line.  Every flag is checked here, at
 * start, and a bad one stops argos with a message that names it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cp_config.h"

#define ARGOS_VERSION "0.1.0"

static const char usage[] =
	"usage: argos [EAL options] -- --ip A.B.C.D/LEN --devices FILE [options]\n"
	"       argos [EAL options] -- --ip A.B.C.D/LEN --devices-cidr CIDR [options]\n"
	"\n"
	"  --ip A.B.C.D/LEN       the appliance's own address on the port (required)\n"
	"  --gateway A.B.C.D      next hop for addresses off the --ip subnet\n"
	"  --devices FILE         CSV devices file (see argos(1)) (required)\n"
	"  --devices-cidr CIDR    benchmark mode: one device per address of CIDR,\n"
	"                         polled back to back (see --duration)\n"
	"  --community C          SNMP community of the --devices-cidr devices (public)\n"
	"  --ping-only            only ping; --snmp-only: only poll SNMP\n"
	"  --duration S           stop after S seconds (finishing the polls in flight)\n"
	"  --summary-json FILE    write the run's figures as JSON at exit\n"
	"  --oids OID[,OID...]    poll these instead of the built-in if-mib profile;\n"
	"                         OIDs ending in .0 are fetched with GET, others walked\n"
	"  --once                 poll every device once, then exit\n"
	"  --output FILE|-        write results as JSON Lines to FILE or stdout\n"
	"  --stats-period S       print statistics every S seconds (0: only at exit)\n"
	"  --ping-count N         echo probes per device and poll, 0..16 (default 3)\n"
	"  --ping-interval MS     spacing of the probes (default 500)\n"
	"  --ping-timeout MS      wait for the last reply (default 1000)\n"
	"  --port N               ethdev port id (default 0)\n"
	"  --max-inflight N       SNMP and ping jobs in flight per core (default 8192)\n"
	"  --src-port N           UDP source port of SNMP requests (default 40161)\n"
	"  -w, --load-avg-window S  average each core's load over S seconds (30)\n"
	"  --max-load-delta X     move a device off its core when that core's load\n"
	"                         exceeds the least loaded core's by more than X (0.1)\n"
	"  -v, --version          print the version and exit\n"
	"  -h, --help             print this help and exit\n";

enum {
	OPT_IP = 256, OPT_GATEWAY, OPT_DEVICES, OPT_OIDS, OPT_ONCE, OPT_OUTPUT,
	OPT_STATS, OPT_PING_COUNT, OPT_PING_INTERVAL, OPT_PING_TIMEOUT, OPT_PORT,
	OPT_MAX_INFLIGHT, OPT_SRC_PORT, OPT_DEVICES_CIDR, OPT_COMMUNITY, OPT_PING_ONLY,
	OPT_SNMP_ONLY, OPT_DURATION, OPT_SUMMARY_JSON, OPT_MAX_LOAD_DELTA,
};

static const struct option options[] = {
	{ "ip", required_argument, NULL, OPT_IP },
	{ "gateway", required_argument, NULL, OPT_GATEWAY },
	{ "devices", required_argument, NULL, OPT_DEVICES },
	{ "oids", required_argument, NULL, OPT_OIDS },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "stats-period", required_argument, NULL, OPT_STATS },
	{ "ping-count", required_argument, NULL, OPT_PING_COUNT },
	{ "ping-interval", required_argument, NULL, OPT_PING_INTERVAL },
	{ "ping-timeout", required_argument, NULL, OPT_PING_TIMEOUT },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
	{ "src-port", required_argument, NULL, OPT_SRC_PORT },
	{ "devices-cidr", required_argument, NULL, OPT_DEVICES_CIDR },
	{ "community", required_argument, NULL, OPT_COMMUNITY },
	{ "ping-only", no_argument, NULL, OPT_PING_ONLY },
	{ "snmp-only", no_argument, NULL, OPT_SNMP_ONLY },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "summary-json", required_argument, NULL, OPT_SUMMARY_JSON },
	{ "load-avg-window", required_argument, NULL, 'w' },
	{ "max-load-delta", required_argument, NULL, OPT_MAX_LOAD_DELTA },
	{ "version", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void
cp_profile_if_mib(struct argos_profile *p)
{
	static const char *const oids[] = {
		"1.3.6.1.2.1.1",            /* system */
		"1.3.6.1.2.1.2.2.1",        /* ifTable */
		"1.3.6.1.2.1.31.1.1.1",     /* ifXTable */
	};

	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < sizeof(oids) / sizeof(oids[0]); i++)
		argos_oid_parse(oids[i], &p->oids[p->n_oids++]);
}

static int
bad(const char *flag, const char *arg, const char *why)
{
	fprintf(stderr, "argos: %s '%s': %s\n", flag, arg, why);
	return -1;
}

static int
number(const char *flag, const char *s, unsigned long min, unsigned long max,
       unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end != '\0' || *out < min || *out > max) {
		fprintf(stderr, "argos: %s '%s': want a whole number from %lu to %lu\n",
			flag, s, min, max);
		return -1;
	}
	return 0;
}

static int
parse_oids(const char *arg, struct argos_profile *p)
{
	char buf[4096], *save = NULL, *tok;

	if (strlen(arg) >= sizeof(buf))
		return bad("--oids", "...", "list too long");
	strcpy(buf, arg);
	memset(p, 0, sizeof(*p));
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (p->n_oids == ARGOS_PROFILE_MAX_OIDS)
			return bad("--oids", arg, "more than 32 OIDs");
		if (argos_oid_parse(tok, &p->oids[p->n_oids]) != 0)
			return bad("--oids", tok, "not a dotted numeric OID such as 1.3.6.1.2.1.1");
		p->n_oids++;
	}
	if (p->n_oids == 0)
		return bad("--oids", arg, "no OID given");
	return 0;
}

int
cp_config_parse(int argc, char **argv, struct cp_config *c)
{
	unsigned long v;
	int opt;

	memset(c, 0, sizeof(*c));
	c->ping_count = 3;
	c->ping_interval_ms = 500;
	c->ping_timeout_ms = 1000;
	c->max_inflight = 8192;
	c->src_port = 40161;
	c->load_avg_window = 30;
	c->max_load_delta = 0.1;
	cp_profile_if_mib(&c->profile);
	c->profile_name = "if-mib";

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hvw:", options, NULL)) != -1) {
		switch (opt) {
		case OPT_IP: {
			char buf[32], *slash;
			struct in_addr a;

			if (strlen(optarg) >= sizeof(buf) || !(slash = strchr(strcpy(buf, optarg), '/')))
				return bad("--ip", optarg, "want A.B.C.D/LEN, e.g. 198.18.0.2/24");
			*slash = '\0';
			if (inet_pton(AF_INET, buf, &a) != 1)
				return bad("--ip", optarg, "not an IPv4 address");
			if (number("--ip prefix", slash + 1, 1, 32, &v))
				return -1;
			c->ip = a.s_addr;
			c->prefix_len = (uint8_t)v;
			c->netmask = htonl(v == 32 ? 0xffffffffu : ~(0xffffffffu >> v));
			break;
		}
		case OPT_GATEWAY: {
			struct in_addr a;

			if (inet_pton(AF_INET, optarg, &a) != 1)
				return bad("--gateway", optarg, "not an IPv4 address");
			c->gateway = a.s_addr;
			break;
		}
		case OPT_DEVICES:
			c->devices_path = optarg;
			break;
		case OPT_OIDS:
			if (parse_oids(optarg, &c->profile))
				return -1;
			c->profile_name = "--oids";
			break;
		case OPT_ONCE:
			c->once = 1;
			break;
		case OPT_OUTPUT:
			c->output_path = optarg;
			break;
		case OPT_STATS:
			if (number("--stats-period", optarg, 0, 86400, &v))
				return -1;
			c->stats_period = (uint32_t)v;
			break;
		case OPT_PING_COUNT:
			if (number("--ping-count", optarg, 0, ARGOS_PING_MAX, &v))
				return -1;
			c->ping_count = (uint8_t)v;
			break;
		case OPT_PING_INTERVAL:
			if (number("--ping-interval", optarg, 1, 60000, &v))
				return -1;
			c->ping_interval_ms = (uint32_t)v;
			break;
		case OPT_PING_TIMEOUT:
			if (number("--ping-timeout", optarg, 1, 60000, &v))
				return -1;
			c->ping_timeout_ms = (uint32_t)v;
			break;
		case OPT_PORT:
			if (number("--port", optarg, 0, 65535, &v))
				return -1;
			c->port = (uint16_t)v;
			break;
		case OPT_MAX_INFLIGHT:
			if (number("--max-inflight", optarg, 1, 1u << 20, &v))
				return -1;
			c->max_inflight = (uint32_t)v;
			break;
		case OPT_SRC_PORT:
			if (number("--src-port", optarg, 1024, 65535, &v))
				return -1;
			c->src_port = (uint16_t)v;
			break;
		case OPT_DEVICES_CIDR:
			c->devices_cidr = optarg;
			break;
		case OPT_COMMUNITY:
			c->community = optarg;
			break;
		case OPT_PING_ONLY:
			c->ping_only = 1;
			break;
		case OPT_SNMP_ONLY:
			c->snmp_only = 1;
			break;
		case OPT_DURATION:
			if (number("--duration", optarg, 1, 30 * 86400, &v))
				return -1;
			c->duration_s = (uint32_t)v;
			break;
		case OPT_SUMMARY_JSON:
			c->summary_json = optarg;
			break;
		case 'w':
			if (number("--load-avg-window", optarg, 1, 300, &v))
				return -1;
			c->load_avg_window = (uint32_t)v;
			break;
		case OPT_MAX_LOAD_DELTA: {
			char *end;

			errno = 0;
			c->max_load_delta = strtod(optarg, &end);
			if (errno || end == optarg || *end != '\0' || !(c->max_load_delta >= 0) ||
			    c->max_load_delta > 1)
				return bad("--max-load-delta", optarg, "want a load gap from 0 to 1, "
					   "e.g. 0.1");
			break;
		}
		case 'v':
			printf("argos %s\n", ARGOS_VERSION);
			return 1;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind], "unexpected (argos options start with --)");
	if (c->ip == 0) {
		fprintf(stderr, "argos: --ip A.B.C.D/LEN is required: the address argos owns on the port\n");
		return -1;
	}
	if ((c->devices_path == NULL) == (c->devices_cidr == NULL)) {
		fprintf(stderr, "argos: give one device source: --devices FILE or "
			"--devices-cidr CIDR\n");
		return -1;
	}
	if (c->community && c->devices_cidr == NULL)
		return bad("--community", c->community, "only for --devices-cidr devices "
			   "(a devices file has a snmp_community column)");
	if (c->community == NULL)
		c->community = "public";
	if (c->ping_only && c->snmp_only) {
		fprintf(stderr, "argos: --ping-only and --snmp-only exclude each other\n");
		return -1;
	}
	if (c->ping_only && c->ping_count == 0)
		return bad("--ping-count", "0", "--ping-only needs at least one probe");
	if (c->gateway && ((c->gateway ^ c->ip) & c->netmask) != 0)
		return bad("--gateway", inet_ntoa(*(struct in_addr *)&c->gateway),
			   "not inside the --ip subnet");
	return 0;
}
