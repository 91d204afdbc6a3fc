/*
 * farm_config.c - argos-farm's command line.  Every option is checked
 * here, at start, and a bad one stops the farm with a message that
 * names it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#include "farm.h"

static const char usage[] =
	"usage: argos-farm [EAL options] -- --ip A.B.C.D/LEN --devices A.B.C.D/LEN [options]\n"
	"\n"
	"  --ip A.B.C.D/LEN       the farm's own address: it answers ARP for it (required)\n"
	"  --devices A.B.C.D/LEN  one simulated device per address, /12 or longer (required)\n"
	"  --interfaces K         rows of ifTable and ifXTable, 1..4096 (default 24)\n"
	"  --community C          the community every device accepts (default public)\n"
	"  --alias-bytes N        ifAlias values of N bytes, 1..8000 (default: the short text)\n"
	"  --max-reply N          largest SNMP reply in bytes, 1472..65507 (default 1472);\n"
	"                         a reply past one frame is sent in IPv4 fragments\n"
	"  --drop-last-fragment   never send the last fragment of such a reply\n"
	"  --loss PCT             drop this share of requests (default 0)\n"
	"  --delay-us N           answer N microseconds after the request (default 0)\n"
	"  --dead PCT             this share of devices never answers (default 0)\n"
	"  --duplicate PCT        send this share of replies twice (default 0)\n"
	"  --slow PCT             this share of devices answers after --slow-delay-us\n"
	"  --slow-delay-us N      delay of slow devices (default 10 x --delay-us, or 200000)\n"
	"  --stats-period S       print statistics every S seconds (default 0: at exit only)\n"
	"  --stats-json FILE      write the statistics as JSON to FILE at exit\n"
	"  --duration S           exit after S seconds (default 0: at SIGINT/SIGTERM)\n"
	"  --idle-sleep-us N      sleep N us after 64 empty polls in a row (default 0: never;\n"
	"                         for testbeds where the farm shares a CPU)\n"
	"  --port N               ethdev port id (default 0)\n"
	"  --ports A-B            UDP ports of SNMP: B-A+1 devices per address, each with\n"
	"                         its own values (default 161-161)\n"
	"  --poll-log FILE        count polls and pings per device; write them to FILE at\n"
	"                         exit and on SIGUSR1\n"
	"  --poll-gap-ms N        SNMP requests from one source closer than N ms are one\n"
	"                         poll (default 1000)\n"
	"  --ping-gap-ms N        echo requests to an address closer than N ms are one\n"
	"                         ping round (default 1000)\n"
	"  --v3-user NAME         answer SNMPv3 for this USM user (RFC 3414); with:\n"
	"  --v3-auth-proto P      MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512\n"
	"  --v3-auth-pass S       its passphrase (8..128 bytes)\n"
	"  --v3-priv-proto P      DES, AES, AES-192, AES-256, AES-192-C, AES-256-C\n"
	"  --v3-priv-pass S       its passphrase (8..128 bytes)\n"
	"  --v3-level L           noAuthNoPriv, authNoPriv, authPriv (default: what the\n"
	"                         protocols given make)\n"
	"  --v3-engine-id HEX     the farm's snmpEngineID, 5..32 bytes (default\n"
	"                         " FARM_USM_ENGINE_DEFAULT ")\n"
	"  --v3-boots N           its snmpEngineBoots (default 1)\n"
	"  -h, --help             print this help and exit\n";

enum {
	OPT_IP = 256, OPT_DEVICES, OPT_INTERFACES, OPT_COMMUNITY, OPT_LOSS, OPT_DELAY,
	OPT_DEAD, OPT_DUP, OPT_SLOW, OPT_SLOW_DELAY, OPT_STATS, OPT_STATS_JSON,
	OPT_DURATION, OPT_IDLE_SLEEP, OPT_PORT, OPT_ALIAS_BYTES, OPT_MAX_REPLY,
	OPT_DROP_LAST_FRAG, OPT_V3_USER, OPT_V3_AUTH_PROTO, OPT_V3_AUTH_PASS, OPT_V3_PRIV_PROTO,
	OPT_V3_PRIV_PASS, OPT_V3_LEVEL, OPT_V3_ENGINE, OPT_V3_BOOTS, OPT_PORTS, OPT_POLL_LOG,
	OPT_POLL_GAP, OPT_PING_GAP,
};

static const struct option options[] = {
	{ "ip", required_argument, NULL, OPT_IP },
	{ "devices", required_argument, NULL, OPT_DEVICES },
	{ "interfaces", required_argument, NULL, OPT_INTERFACES },
	{ "community", required_argument, NULL, OPT_COMMUNITY },
	{ "loss", required_argument, NULL, OPT_LOSS },
	{ "delay-us", required_argument, NULL, OPT_DELAY },
	{ "dead", required_argument, NULL, OPT_DEAD },
	{ "duplicate", required_argument, NULL, OPT_DUP },
	{ "slow", required_argument, NULL, OPT_SLOW },
	{ "slow-delay-us", required_argument, NULL, OPT_SLOW_DELAY },
	{ "stats-period", required_argument, NULL, OPT_STATS },
	{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "idle-sleep-us", required_argument, NULL, OPT_IDLE_SLEEP },
	{ "port", required_argument, NULL, OPT_PORT },
	{ "ports", required_argument, NULL, OPT_PORTS },
	{ "poll-log", required_argument, NULL, OPT_POLL_LOG },
	{ "poll-gap-ms", required_argument, NULL, OPT_POLL_GAP },
	{ "ping-gap-ms", required_argument, NULL, OPT_PING_GAP },
	{ "alias-bytes", required_argument, NULL, OPT_ALIAS_BYTES },
	{ "max-reply", required_argument, NULL, OPT_MAX_REPLY },
	{ "drop-last-fragment", no_argument, NULL, OPT_DROP_LAST_FRAG },
	{ "v3-user", required_argument, NULL, OPT_V3_USER },
	{ "v3-auth-proto", required_argument, NULL, OPT_V3_AUTH_PROTO },
	{ "v3-auth-pass", required_argument, NULL, OPT_V3_AUTH_PASS },
	{ "v3-priv-proto", required_argument, NULL, OPT_V3_PRIV_PROTO },
	{ "v3-priv-pass", required_argument, NULL, OPT_V3_PRIV_PASS },
	{ "v3-level", required_argument, NULL, OPT_V3_LEVEL },
	{ "v3-engine-id", required_argument, NULL, OPT_V3_ENGINE },
	{ "v3-boots", required_argument, NULL, OPT_V3_BOOTS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
bad(const char *flag, const char *arg, const char *why)
{
	return cli_bad("argos-farm", flag, arg, why);
}

static int
number(const char *flag, const char *s, unsigned long min, unsigned long max,
       unsigned long *out)
{
	return cli_number("argos-farm", flag, s, min, max, out);
}

static int
percent(const char *flag, const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (*s < '0' || *s > '9' || errno || *end != '\0' || !(*out >= 0 && *out <= 100))
		return bad(flag, s, "want a percentage from 0 to 100, decimals allowed (0.5)");
	return 0;
}

/* "A.B.C.D/LEN" into a host-order address and prefix length. */
static int
cidr(const char *flag, const char *s, unsigned min_len, uint32_t *ip, uint8_t *len)
{
	char buf[32], *slash;
	struct in_addr a;
	unsigned long v;

	if (strlen(s) >= sizeof(buf) || !(slash = strchr(strcpy(buf, s), '/')))
		return bad(flag, s, "want A.B.C.D/LEN, e.g. 198.19.0.0/17");
	*slash = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return bad(flag, s, "not an IPv4 address");
	if (number(flag, slash + 1, min_len, 32, &v))
		return -1;
	*ip = ntohl(a.s_addr);
	*len = (uint8_t)v;
	return 0;
}

/* One SNMPv3 option, with argos's own checks of the devices file's
 * snmpv3_* columns (controlplane/usm_conf.c). */
static int
v3_field(struct farm_config *c, const char *flag, enum cp_usm_field f, const char *v)
{
	char err[160];

	if (v[0] == '\0')
		return bad(flag, v, "empty");
	if (cp_usm_set_field(&c->v3, f, v, err, sizeof(err)) != 0) {
		fprintf(stderr, "argos-farm: %s: %s\n", flag, err);
		return -1;
	}
	return 0;
}

/* The level the protocols make unless --v3-level, then argos's check. */
static int
v3_finish(struct farm_config *c, int have_level)
{
	char err[160];

	if (!have_level)
		c->v3.level = c->v3.priv ? ARGOS_USM_PRIV : c->v3.auth ? ARGOS_USM_AUTH :
			      ARGOS_USM_NOAUTH;
	if (cp_usm_check(&c->v3, err, sizeof(err)) != 0) {
		fprintf(stderr, "argos-farm: SNMPv3 user: %s (the snmpv3_* column names are "
			"argos's; the options are --v3-*)\n", err);
		return -1;
	}
	return 0;
}

/* "A-B" (or "A"): the UDP ports of the devices, 1..65535, at most
 * FARM_PORTS_MAX of them. */
static int
port_range(const char *s, struct farm_config *c)
{
	char buf[16], *dash;
	unsigned long lo, hi;

	if (strlen(s) >= sizeof(buf))
		return bad("--ports", s, "want A-B, e.g. 161-168");
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (number("--ports", buf, 1, 65535, &lo) ||
	    number("--ports", dash ? dash + 1 : buf, 1, 65535, &hi))
		return -1;
	if (hi < lo)
		return bad("--ports", s, "the last port is below the first");
	if (hi - lo + 1 > FARM_PORTS_MAX)
		return bad("--ports", s, "more than 2048 ports (devices per address)");
	c->udp_lo = (uint16_t)lo;
	c->n_ports = (uint16_t)(hi - lo + 1);
	return 0;
}

static inline uint32_t
mask_of(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

int
farm_config_parse(int argc, char **argv, struct farm_config *c)
{
	unsigned long v;
	int opt, have_dev = 0, have_slow_delay = 0, have_level = 0;
	struct cp_usm_conf eng;

	memset(c, 0, sizeof(*c));
	c->n_if = 24;
	c->max_reply = FARM_UDP_MAX;
	strcpy(c->community, "public");
	c->v3_boots = 1;
	c->udp_lo = 161;
	c->n_ports = 1;
	c->poll_gap_ms = 1000;
	c->ping_gap_ms = 1000;
	memset(&eng, 0, sizeof(eng));
	cp_usm_set_field(&eng, CP_USM_CTX_ENGINE, FARM_USM_ENGINE_DEFAULT, NULL, 0);

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_IP:
			if (cidr("--ip", optarg, 1, &c->ip, &c->prefix_len))
				return -1;
			break;
		case OPT_DEVICES:
			/* /12 is the 1M devices the farm is sized for. */
			if (cidr("--devices", optarg, 12, &c->dev_net, &c->dev_len))
				return -1;
			c->dev_mask = mask_of(c->dev_len);
			if (c->dev_net & ~c->dev_mask)
				return bad("--devices", optarg, "host bits are set: give the network address");
			have_dev = 1;
			break;
		case OPT_INTERFACES:
			if (number("--interfaces", optarg, 1, FARM_IF_MAX, &v))
				return -1;
			c->n_if = (uint32_t)v;
			break;
		case OPT_COMMUNITY:
			if (strlen(optarg) > FARM_COMMUNITY_MAX)
				return bad("--community", optarg, "longer than 255 bytes");
			strcpy(c->community, optarg);
			break;
		case OPT_LOSS:
			if (percent("--loss", optarg, &c->loss_pct))
				return -1;
			break;
		case OPT_DELAY:
			if (number("--delay-us", optarg, 0, 10000000, &v))
				return -1;
			c->delay_us = (uint32_t)v;
			break;
		case OPT_DEAD:
			if (percent("--dead", optarg, &c->dead_pct))
				return -1;
			break;
		case OPT_DUP:
			if (percent("--duplicate", optarg, &c->dup_pct))
				return -1;
			break;
		case OPT_SLOW:
			if (percent("--slow", optarg, &c->slow_pct))
				return -1;
			break;
		case OPT_SLOW_DELAY:
			if (number("--slow-delay-us", optarg, 0, 10000000, &v))
				return -1;
			c->slow_delay_us = (uint32_t)v;
			have_slow_delay = 1;
			break;
		case OPT_STATS:
			if (number("--stats-period", optarg, 0, 86400, &v))
				return -1;
			c->stats_period = (uint32_t)v;
			break;
		case OPT_STATS_JSON:
			c->stats_json = optarg;
			break;
		case OPT_DURATION:
			if (number("--duration", optarg, 0, 86400 * 365, &v))
				return -1;
			c->duration = (uint32_t)v;
			break;
		case OPT_IDLE_SLEEP:
			if (number("--idle-sleep-us", optarg, 0, 100000, &v))
				return -1;
			c->idle_sleep_us = (uint32_t)v;
			break;
		case OPT_PORT:
			if (number("--port", optarg, 0, 65535, &v))
				return -1;
			c->port = (uint16_t)v;
			break;
		case OPT_PORTS:
			if (port_range(optarg, c))
				return -1;
			break;
		case OPT_POLL_LOG:
			c->poll_log = optarg;
			break;
		case OPT_POLL_GAP:
			if (number("--poll-gap-ms", optarg, 1, 3600000, &v))
				return -1;
			c->poll_gap_ms = (uint32_t)v;
			break;
		case OPT_PING_GAP:
			if (number("--ping-gap-ms", optarg, 1, 3600000, &v))
				return -1;
			c->ping_gap_ms = (uint32_t)v;
			break;
		case OPT_ALIAS_BYTES:
			if (number("--alias-bytes", optarg, 1, FARM_ALIAS_MAX, &v))
				return -1;
			c->alias_bytes = (uint32_t)v;
			break;
		case OPT_MAX_REPLY:
			if (number("--max-reply", optarg, FARM_UDP_MAX, FARM_REPLY_MAX, &v))
				return -1;
			c->max_reply = (uint32_t)v;
			break;
		case OPT_DROP_LAST_FRAG:
			c->drop_last_fragment = 1;
			break;
		case OPT_V3_USER:
			if (v3_field(c, "--v3-user", CP_USM_USER, optarg))
				return -1;
			c->has_v3 = 1;
			break;
		case OPT_V3_AUTH_PROTO:
			if (v3_field(c, "--v3-auth-proto", CP_USM_AUTH_PROTO, optarg))
				return -1;
			break;
		case OPT_V3_AUTH_PASS:
			if (v3_field(c, "--v3-auth-pass", CP_USM_AUTH_PASS, optarg))
				return -1;
			break;
		case OPT_V3_PRIV_PROTO:
			if (v3_field(c, "--v3-priv-proto", CP_USM_PRIV_PROTO, optarg))
				return -1;
			break;
		case OPT_V3_PRIV_PASS:
			if (v3_field(c, "--v3-priv-pass", CP_USM_PRIV_PASS, optarg))
				return -1;
			break;
		case OPT_V3_LEVEL:
			if (v3_field(c, "--v3-level", CP_USM_LEVEL, optarg))
				return -1;
			have_level = 1;
			break;
		case OPT_V3_ENGINE:
			if (v3_field(c, "--v3-engine-id", CP_USM_CTX_ENGINE, optarg))
				return -1;
			memcpy(&eng.ctx_engine, c->v3.ctx_engine, sizeof(eng.ctx_engine));
			eng.ctx_engine_len = c->v3.ctx_engine_len;
			c->v3.ctx_engine_len = 0;
			break;
		case OPT_V3_BOOTS:
			if (number("--v3-boots", optarg, 0, ARGOS_USM_BOOTS_MAX - 1, &v))
				return -1;
			c->v3_boots = (uint32_t)v;
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			fputs(usage, stderr);
			return -1;
		}
	}
	if (optind < argc)
		return bad("argument", argv[optind], "unexpected (farm options start with --)");
	if (c->ip == 0) {
		fprintf(stderr, "argos-farm: --ip A.B.C.D/LEN is required: the address the farm "
			"answers ARP for, the next hop of its devices\n");
		return -1;
	}
	if (!have_dev) {
		fprintf(stderr, "argos-farm: --devices A.B.C.D/LEN is required: the addresses "
			"of the simulated devices\n");
		return -1;
	}
	c->community_len = strlen(c->community);
	memcpy(c->v3_engine, eng.ctx_engine, eng.ctx_engine_len);
	c->v3_engine_len = eng.ctx_engine_len;
	if (!c->has_v3 && (c->v3.auth || c->v3.priv || c->v3.auth_pass[0] ||
			   c->v3.priv_pass[0] || have_level)) {
		fprintf(stderr, "argos-farm: the --v3-* options need --v3-user NAME\n");
		return -1;
	}
	if (c->has_v3 && v3_finish(c, have_level))
		return -1;
	if (!have_slow_delay)
		c->slow_delay_us = c->delay_us ? 10 * c->delay_us : 200000;
	c->loss_thr = (uint64_t)(c->loss_pct / 100 * 4294967296.0);
	c->dup_thr = (uint64_t)(c->dup_pct / 100 * 4294967296.0);
	c->dead_ppm = (uint32_t)lround(c->dead_pct * 10000);
	c->slow_ppm = (uint32_t)lround(c->slow_pct * 10000);
	return 0;
}
