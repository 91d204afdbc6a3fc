/*
 * config.c - argos's command line.  Every flag is checked here, at
 * start, and a bad one stops argos with a message that names it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "cp_config.h"
#include "cp_devices.h"
#include "cp_redact.h"
#include "cp_secret.h"

#define ARGOS_VERSION "0.1.0"

static const char usage[] =
	"usage: argos [EAL options] -- --ip A.B.C.D/LEN --devices FILE [options]\n"
	"       argos [EAL options] -- --ip A.B.C.D/LEN --devices-cidr CIDR [options]\n"
	"       argos [EAL options] -- --ip A.B.C.D/LEN --dsn URL [options]\n"
	"       argos -- --dsn URL --migrate\n"
	"\n"
	"  --ip A.B.C.D/LEN       the appliance's own address on the port (required)\n"
	"  --gateway A.B.C.D      next hop for addresses off the --ip subnet\n"
	"  --devices FILE         CSV devices file (see argos(1)); one device source,\n"
	"                         --devices, --devices-cidr or --dsn, is required\n"
	"  --devices-cidr CIDR    benchmark mode: one device per address of CIDR,\n"
	"                         polled back to back (see --duration)\n"
	"  --community C          SNMP community of the --devices-cidr devices (public)\n"
	"  --ping-only            only ping; --snmp-only: only poll SNMP\n"
	"  --duration S           stop after S seconds (finishing the polls in flight)\n"
	"  --summary-json FILE    write the run's figures as JSON at exit\n"
	"  --oids OID[,OID...]    poll these instead of the built-in if-mib profile;\n"
	"                         OIDs ending in .0 are fetched with GET, others walked\n"
	"  --snmp-exporter-config FILE  snmp_exporter's snmp.yml: devices with an\n"
	"                         snmp_exporter_module column run those modules\n"
	"  --snmp-exporter-module M[,M...]  the modules of devices that name none\n"
	"                         (and of --devices-cidr devices)\n"
	"  --wrap-counters W      wrap Counter64 at 2^53 as snmp_exporter does: for\n"
	"                         modules (default), all, or none\n"
	"  --lookup-refresh S     walk label tables (ifName...) of modules every S\n"
	"                         seconds, not every poll (default 600, 0: every poll)\n"
	"  --once                 poll every device once, then exit\n"
	"  --output FILE|-        write results as JSON Lines to FILE or stdout\n"
	"  --stats-period S       print statistics every S seconds (0: only at exit)\n"
	"  --ping-count N         echo probes per device and poll, 0..16 (default 3)\n"
	"  --ping-interval MS     spacing of the probes (default 500)\n"
	"  --ping-timeout MS      wait for the last reply (default 1000)\n"
	"  --port N               ethdev port id (default 0)\n"
	"  --max-inflight N       SNMP and ping jobs in flight per core (default 8192)\n"
	"  --src-port N           UDP source port of SNMP requests (default 40161)\n"
	"  --avoid-fragments      shrink a device's GETBULK max-repetitions when its\n"
	"                         replies come in IPv4 fragments\n"
	"\nExport:\n"
	"  --remote-write URL     send results to this Prometheus remote-write\n"
	"                         receiver (repeatable, up to 8)\n"
	"  --job NAME             the job label of exported series (snmp)\n"
	"  --rw-max-samples N     samples per remote-write request (2000)\n"
	"  --rw-flush-ms MS       send a batch at the latest MS after its first\n"
	"                         sample (1000)\n"
	"  --rw-queue-bytes N     memory kept for batches not yet accepted (64 MiB)\n"
	"  --rw-spill-dir DIR     write batches beyond that to DIR; resent at start\n"
	"  --rw-spill-bytes N     disk bound of the spill (1 GiB)\n"
	"  --rw-ca-file FILE      CA bundle for https receivers\n"
	"  --rw-basic-user USER   basic auth user; the password is the first line\n"
	"                         of --rw-password-file FILE\n"
	"  --rw-bearer-token-file FILE  send the first line as a bearer token\n"
	"\nHTTP (see argos(1), HTTP):\n"
	"%s"
	"\nScheduling:\n"
	"  --ping-batch-count N   start at most N ping jobs per millisecond (100)\n"
	"  --max-pps N            keep the cores at N packets/s (token bucket;\n"
	"                         polls in flight are never held; 0: no limit)\n"
	"  --pace auto|off        find the rate the link and devices take, up to\n"
	"                         --max-pps (auto, the default), or send as fast\n"
	"                         as --max-pps lets (off)\n"
	"  -d, --debug N          log detail, 0 to 3 (0): failed polls, claims, DPDK\n"
	"  --log DIR              write the log to DIR/argos.log instead of stderr\n"
	"\nDatabase (horus's schema; see argos-db(7)):\n"
	"%s"
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
	OPT_REMOTE_WRITE, OPT_JOB, OPT_RW_MAX_SAMPLES, OPT_RW_FLUSH_MS, OPT_RW_QUEUE_BYTES,
	OPT_RW_SPILL_DIR, OPT_RW_SPILL_BYTES, OPT_RW_CA_FILE, OPT_RW_BASIC_USER,
	OPT_RW_PASSWORD_FILE, OPT_RW_BEARER_TOKEN_FILE, OPT_MAX_PPS, OPT_PACE, OPT_LOG,
	OPT_MIGRATE, OPT_DB, OPT_PING_BATCH, OPT_AVOID_FRAGMENTS, OPT_SX_CONFIG,
	OPT_WRAP_COUNTERS, OPT_LOOKUP_REFRESH, OPT_SX_MODULE,
	OPT_HTTP,       /* --listen and the flags of cp_http_conf_set() */
};

static const struct option options[] = {
	{ "ip", required_argument, NULL, OPT_IP },
	{ "gateway", required_argument, NULL, OPT_GATEWAY },
	{ "devices", required_argument, NULL, OPT_DEVICES },
	{ "oids", required_argument, NULL, OPT_OIDS },
	{ "snmp-exporter-config", required_argument, NULL, OPT_SX_CONFIG },
	{ "snmp-exporter-module", required_argument, NULL, OPT_SX_MODULE },
	{ "wrap-counters", required_argument, NULL, OPT_WRAP_COUNTERS },
	{ "lookup-refresh", required_argument, NULL, OPT_LOOKUP_REFRESH },
	{ "once", no_argument, NULL, OPT_ONCE },
	{ "output", required_argument, NULL, OPT_OUTPUT },
	{ "stats-period", required_argument, NULL, OPT_STATS },
	{ "ping-count", required_argument, NULL, OPT_PING_COUNT },
	{ "ping-interval", required_argument, NULL, OPT_PING_INTERVAL },
	{ "ping-timeout", required_argument, NULL, OPT_PING_TIMEOUT },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
	{ "src-port", required_argument, NULL, OPT_SRC_PORT },
	{ "avoid-fragments", no_argument, NULL, OPT_AVOID_FRAGMENTS },
	{ "devices-cidr", required_argument, NULL, OPT_DEVICES_CIDR },
	{ "community", required_argument, NULL, OPT_COMMUNITY },
	{ "ping-only", no_argument, NULL, OPT_PING_ONLY },
	{ "snmp-only", no_argument, NULL, OPT_SNMP_ONLY },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "summary-json", required_argument, NULL, OPT_SUMMARY_JSON },
	{ "load-avg-window", required_argument, NULL, 'w' },
	{ "remote-write", required_argument, NULL, OPT_REMOTE_WRITE },
	{ "job", required_argument, NULL, OPT_JOB },
	{ "rw-max-samples", required_argument, NULL, OPT_RW_MAX_SAMPLES },
	{ "rw-flush-ms", required_argument, NULL, OPT_RW_FLUSH_MS },
	{ "rw-queue-bytes", required_argument, NULL, OPT_RW_QUEUE_BYTES },
	{ "rw-spill-dir", required_argument, NULL, OPT_RW_SPILL_DIR },
	{ "rw-spill-bytes", required_argument, NULL, OPT_RW_SPILL_BYTES },
	{ "rw-ca-file", required_argument, NULL, OPT_RW_CA_FILE },
	{ "rw-basic-user", required_argument, NULL, OPT_RW_BASIC_USER },
	{ "rw-password-file", required_argument, NULL, OPT_RW_PASSWORD_FILE },
	{ "rw-bearer-token-file", required_argument, NULL, OPT_RW_BEARER_TOKEN_FILE },
	{ "listen", required_argument, NULL, OPT_HTTP },
	{ "api-token-file", required_argument, NULL, OPT_HTTP },
	{ "tls-cert", required_argument, NULL, OPT_HTTP },
	{ "tls-key", required_argument, NULL, OPT_HTTP },
	{ "max-pps", required_argument, NULL, OPT_MAX_PPS },
	{ "pace", required_argument, NULL, OPT_PACE },
	{ "debug", required_argument, NULL, 'd' },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "migrate", no_argument, NULL, OPT_MIGRATE },
	/* The database's own flags, passed to cp_db_opts_set() by name. */
	{ "dsn", required_argument, NULL, 'c' },
	{ "db-ping-freq", required_argument, NULL, 'g' },
	{ "db-snmp-freq", required_argument, NULL, 'q' },
	{ "lock-id", required_argument, NULL, 'l' },
	{ "error-flush-freq", required_argument, NULL, 'r' },
	{ "device-unlock-freq", required_argument, NULL, 'u' },
	{ "lock-dsn", required_argument, NULL, OPT_DB },
	{ "dsn-file", required_argument, NULL, OPT_DB },
	{ "lock-dsn-file", required_argument, NULL, OPT_DB },
	{ "report-flush-freq", required_argument, NULL, OPT_DB },
	{ "ping-batch-count", required_argument, NULL, OPT_PING_BATCH },
	{ "poller-group", required_argument, NULL, OPT_DB },
	{ "appliance-name", required_argument, NULL, OPT_DB },
	{ "lease", required_argument, NULL, OPT_DB },
	{ "down-retry", required_argument, NULL, OPT_DB },
	{ "db-mode", required_argument, NULL, OPT_DB },
	{ "bucket-lease", required_argument, NULL, OPT_DB },
	{ "db-write-lag", required_argument, NULL, OPT_DB },
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

/* The long name of a short database flag, as cp_db_opts_set() wants it. */
static const char *
short_name(int opt)
{
	for (const struct option *o = options; o->name != NULL; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

static int
bad(const char *flag, const char *arg, const char *why)
{
	return cli_bad("argos", flag, arg, why);
}

static int
number(const char *flag, const char *s, unsigned long min, unsigned long max,
       unsigned long *out)
{
	return cli_number("argos", flag, s, min, max, out);
}

/*
 * A secret written in argv: any local user reads it in ps or
 * /proc/PID/cmdline.  Refused, naming the file option that keeps it
 * out of sight; the message shows the value redacted.
 */
static int
argv_secret(const char *flag, const char *arg, const char *instead)
{
	char safe[512];

	if (!cp_redact_has_secret(arg))
		return 0;
	cp_redact(arg, safe, sizeof(safe));
	fprintf(stderr, "argos: %s '%s': a password or token on the command line can be read "
		"by every local user (ps): give %s instead\n", flag, safe, instead);
	return -1;
}

/* A secret file argos will read later: its rules checked now (cp_secret.h). */
static int
secret_file_ok(const char *flag, const char *path)
{
	char err[512], *s = cp_secret_read(path, flag, err, sizeof(err));

	if (s == NULL) {
		fprintf(stderr, "argos: %s\n", err);
		return -1;
	}
	cp_secret_free(s);
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
	int opt, longindex = 0;

	memset(c, 0, sizeof(*c));
	c->ping_count = 3;
	c->ping_interval_ms = 500;
	c->ping_timeout_ms = 1000;
	c->max_inflight = 8192;
	c->src_port = 40161;
	c->load_avg_window = 30;
	c->ping_batch = 100;
	c->pace = 1;
	c->max_load_delta = 0.1;
	c->wrap_counters = CP_WRAP_MODULES;
	c->lookup_refresh_s = 600;
	cp_profile_if_mib(&c->profile);
	c->profile_name = "if-mib";
	rw_conf_defaults(&c->rw);
	cp_db_opts_init(&c->db);

	optind = 1;
	opterr = 0;   /* our own messages, which name argos */
	while ((opt = getopt_long(argc, argv, "hvw:d:c:g:q:l:r:u:", options, &longindex)) != -1) {
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
		case OPT_SX_CONFIG:
			c->sx_config = optarg;
			break;
		case OPT_SX_MODULE: {
			char why[256];

			if (cp_sx_modules_check(optarg, why, sizeof(why)) != 0)
				return bad("--snmp-exporter-module", optarg, why);
			c->sx_default_modules = optarg;
			break;
		}
		case OPT_WRAP_COUNTERS:
			if (!strcmp(optarg, "none"))
				c->wrap_counters = CP_WRAP_NONE;
			else if (!strcmp(optarg, "modules"))
				c->wrap_counters = CP_WRAP_MODULES;
			else if (!strcmp(optarg, "all"))
				c->wrap_counters = CP_WRAP_ALL;
			else
				return bad("--wrap-counters", optarg, "want modules, all or none");
			break;
		case OPT_LOOKUP_REFRESH:
			if (number("--lookup-refresh", optarg, 0, 7 * 86400, &v))
				return -1;
			c->lookup_refresh_s = (uint32_t)v;
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
		case OPT_AVOID_FRAGMENTS:
			c->avoid_fragments = 1;
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
		case OPT_REMOTE_WRITE:
			if (argv_secret("--remote-write", optarg, "--rw-basic-user USER with "
					"--rw-password-file FILE, or --rw-bearer-token-file FILE"))
				return -1;
			if (c->rw.n_urls == RW_URLS_MAX)
				return bad("--remote-write", optarg, "more than 8 receivers");
			c->rw.urls[c->rw.n_urls++] = optarg;
			break;
		case OPT_JOB:
			if (*optarg == '\0')
				return bad("--job", optarg, "the job label cannot be empty");
			c->rw.job = optarg;
			break;
		case OPT_RW_MAX_SAMPLES:
			if (number("--rw-max-samples", optarg, 1, 1000000, &v))
				return -1;
			c->rw.max_samples = (uint32_t)v;
			break;
		case OPT_RW_FLUSH_MS:
			if (number("--rw-flush-ms", optarg, 1, 600000, &v))
				return -1;
			c->rw.flush_ms = (uint32_t)v;
			break;
		case OPT_RW_QUEUE_BYTES:
			if (number("--rw-queue-bytes", optarg, 1u << 16, ULONG_MAX, &v))
				return -1;
			c->rw.queue_bytes = v;
			break;
		case OPT_RW_SPILL_DIR:
			c->rw.spill_dir = optarg;
			break;
		case OPT_RW_SPILL_BYTES:
			if (number("--rw-spill-bytes", optarg, 1u << 16, ULONG_MAX, &v))
				return -1;
			c->rw.spill_bytes = v;
			break;
		case OPT_RW_CA_FILE:
			c->rw.ca_file = optarg;
			break;
		case OPT_RW_BASIC_USER:
			c->rw.basic_user = optarg;
			break;
		case OPT_RW_PASSWORD_FILE:
			if (secret_file_ok("--rw-password-file", optarg))
				return -1;
			c->rw.password_file = optarg;
			break;
		case OPT_RW_BEARER_TOKEN_FILE:
			if (secret_file_ok("--rw-bearer-token-file", optarg))
				return -1;
			c->rw.bearer_token_file = optarg;
			break;
		case OPT_HTTP: {
			char msg[512];

			if (cp_http_conf_set(&c->http, options[longindex].name, optarg, msg,
					     sizeof(msg)) != 0) {
				fprintf(stderr, "argos: %s\n", msg);
				return -1;
			}
			break;
		}
		case OPT_MAX_PPS:
			if (number("--max-pps", optarg, 0, 1000000000, &v))
				return -1;
			c->max_pps = (uint32_t)v;
			break;
		case OPT_PACE:
			if (!strcmp(optarg, "auto"))
				c->pace = 1;
			else if (!strcmp(optarg, "off"))
				c->pace = 0;
			else
				return bad("--pace", optarg, "want auto or off");
			break;
		case 'd':
			if (number("--debug", optarg, 0, 3, &v))
				return -1;
			c->debug = (uint8_t)v;
			break;
		case OPT_LOG:
			c->log_dir = optarg;
			break;
		case OPT_MIGRATE:
			c->migrate = 1;
			break;
		case OPT_PING_BATCH:
			if (number("--ping-batch-count", optarg, 1, 1000000, &v))
				return -1;
			c->ping_batch = (uint32_t)v;
			break;
		case 'c': case 'g': case 'q': case 'l': case 'r': case 'u': case OPT_DB: {
			const char *name = opt == OPT_DB ? options[longindex].name :
					   short_name(opt);
			char msg[512] = "not a database option";

			if ((!strcmp(name, "dsn") || !strcmp(name, "lock-dsn")) &&
			    argv_secret(name[0] == 'd' ? "--dsn" : "--lock-dsn", optarg,
					name[0] == 'd' ? "--dsn-file FILE (or keep the password in "
					"~/.pgpass or PGPASSFILE)" : "--lock-dsn-file FILE"))
				return -1;
			if (cp_db_opts_set(&c->db, name, optarg, msg, sizeof(msg)) != 0) {
				if (strncmp(msg, "--", 2) == 0)
					fprintf(stderr, "argos: %s\n", msg);
				else
					fprintf(stderr, "argos: --%s: %s\n", name, msg);
				return -1;
			}
			break;
		}
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
			printf(usage, cp_http_usage, cp_db_usage);
			return 1;
		default:
			fprintf(stderr, "argos: %s: %s (see argos -- --help)\n", argv[optind - 1],
				optopt && strchr("wdcgqlru", optopt) ? "wants a value" :
				"unknown option, or a value is missing");
			return -1;
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind], "unexpected (argos options start with --)");
	if (c->migrate) {
		if (c->db.dsn == NULL) {
			fprintf(stderr, "argos: --migrate needs --dsn URL\n");
			return -1;
		}
		return 0;
	}
	if (c->ip == 0) {
		fprintf(stderr, "argos: --ip A.B.C.D/LEN is required: the address argos owns on the port\n");
		return -1;
	}
	if ((c->devices_path != NULL) + (c->devices_cidr != NULL) + (c->db.dsn != NULL) != 1) {
		fprintf(stderr, "argos: give one device source: --devices FILE, "
			"--devices-cidr CIDR or --dsn URL\n");
		return -1;
	}
	{
		char msg[512];

		if (cp_http_conf_check(&c->http, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "argos: %s\n", msg);
			return -1;
		}
	}
	if (c->db.dsn && c->once) {
		fprintf(stderr, "argos: --once polls a devices file or --devices-cidr; with "
			"--dsn, argos polls what the database says is due until stopped\n");
		return -1;
	}
	if (c->community && c->devices_cidr == NULL) {
		/* The community itself is not repeated: it is a secret. */
		fprintf(stderr, "argos: --community is only for --devices-cidr devices (a devices "
			"file has a snmp_community column)\n");
		return -1;
	}
	if (c->community == NULL)
		c->community = "public";
	if (c->ping_only && c->snmp_only) {
		fprintf(stderr, "argos: --ping-only and --snmp-only exclude each other\n");
		return -1;
	}
	if (c->ping_only && c->ping_count == 0)
		return bad("--ping-count", "0", "--ping-only needs at least one probe");
	c->rw.wrap_counters = c->wrap_counters == CP_WRAP_ALL;
	if (c->gateway && ((c->gateway ^ c->ip) & c->netmask) != 0)
		return bad("--gateway", inet_ntoa(*(struct in_addr *)&c->gateway),
			   "not inside the --ip subnet");
	return 0;
}
