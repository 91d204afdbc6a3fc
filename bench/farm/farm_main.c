/*
 * farm_main.c - argos-farm: a DPDK device simulator that answers ARP
 * for its own address and ICMP echo and SNMP v1/v2c for up to 1M
 * simulated devices behind it (see docs/argos-farm.1.md).
 *
 *   SIGINT/SIGTERM/SIGUSR1 blocked -> rte_eal_init -> options -> MIB
 *   -> port (one queue pair per lcore) -> the poll log -> one context
 *   per lcore -> the signal thread -> every lcore runs farm_worker_main
 *   -> SIGINT/SIGTERM or --duration -> statistics and poll log -> port
 *   closed.  SIGUSR1 and SIGUSR2 meanwhile rewrite the poll log.
 *
 * Failure at start is loud and names what to fix; nothing fails later.
 *
 * Why a signal thread: the farm must exit promptly on SIGINT/SIGTERM
 * whatever its lcores or the PMD are doing.  The signals are blocked in
 * every thread (EAL's included, which inherit the mask) and one plain
 * thread waits for them with sigwait.  It sets farm_quit; if the lcores
 * and the shutdown are not done QUIT_GRACE_S later, it writes the
 * statistics itself (they are plain counters) and ends the process.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "cli.h"
#include "farm.h"

#define NB_RXD 1024
#define NB_TXD 1024
#define MBUF_CACHE 256
#define QUIT_GRACE_S 3           /* after a signal, the most the shutdown may take */

struct farm_lcore *farm_lcores[RTE_MAX_LCORE];
unsigned farm_n_lcores;

static sigset_t quit_signals;   /* SIGINT, SIGTERM */
static sigset_t wait_signals;   /* those, SIGUSR1 and SIGUSR2 */
static struct farm_plog plog;   /* --poll-log; plog.dev NULL: none */
static atomic_int stats_taken;   /* 1 once someone writes the final statistics */
static atomic_int shut_down;     /* 1 once main has nothing left to do but return */
static const struct farm_config *quit_cfg;
static uint64_t quit_t0;

/* Write the poll log, if there is one; with mark, it becomes the mark. */
static void
poll_log_write(int mark)
{
	int ret;

	if (plog.dev == NULL)
		return;
	ret = farm_plog_write(&plog, quit_cfg->poll_log, rte_rdtsc(), mark);
	if (ret != 0)
		fprintf(stderr, "argos-farm: cannot write --poll-log %s: %s\n",
			quit_cfg->poll_log, strerror(-ret));
}

/* The final statistics, text and JSON, written once by whoever comes first. */
static void
final_stats(void)
{
	double seconds = (double)(rte_rdtsc() - quit_t0) / rte_get_tsc_hz();
	int ret;

	if (atomic_exchange(&stats_taken, 1))
		return;
	farm_stats_print(stdout, farm_lcores, farm_n_lcores, quit_cfg->port, seconds, 1);
	if (quit_cfg->stats_json) {
		ret = farm_stats_json(quit_cfg->stats_json, farm_lcores, farm_n_lcores,
				      quit_cfg->port, seconds);
		if (ret != 0)
			fprintf(stderr, "argos-farm: cannot write --stats-json %s: %s\n",
				quit_cfg->stats_json, strerror(-ret));
	}
	poll_log_write(0);
}

/*
 * The signal thread: on SIGUSR1 mark the instant and rewrite the poll
 * log, on SIGUSR2 only rewrite it; on SIGINT or SIGTERM stop the lcores, and end the process
 * itself when the normal shutdown hangs.  A second signal ends it at
 * once.
 */
static void *
signal_thread(void *arg)
{
	int sig;

	(void)arg;
	for (;;) {
		if (sigwait(&wait_signals, &sig) != 0)
			return NULL;
		if (sig != SIGUSR1 && sig != SIGUSR2)
			break;
		poll_log_write(sig == SIGUSR1);
	}
	farm_quit = 1;
	for (int i = 0; i < QUIT_GRACE_S * 10 && !atomic_load(&shut_down); i++) {
		struct timespec ts = { 0, 100000000 }, none = { 0, 0 };

		nanosleep(&ts, NULL);
		if (sigtimedwait(&quit_signals, NULL, &none) > 0)
			break;
	}
	if (atomic_load(&shut_down))
		return NULL;
	fprintf(stderr, "argos-farm: signal %d: the lcores or the port did not stop within "
		"%d s; exiting without closing the port\n", sig, QUIT_GRACE_S);
	final_stats();
	fflush(stdout);
	_exit(1);
}

/*
 * Configure and start port with nq RX/TX queue pairs.  Requests in the
 * backlog and delayed replies sit in mbufs, so the pool holds one full
 * backlog (shared by the lcores) and grows with the FIFOs in use.
 */
static struct rte_mempool *
port_init(const struct farm_config *c, uint16_t nq)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info dev;
	struct rte_mempool *pool;
	uint16_t nb_rxd = NB_RXD, nb_txd = NB_TXD;
	unsigned per_q = NB_RXD + NB_TXD + 2 * FARM_TX_MAX + FARM_BURST * FARM_RX_BURSTS +
			 MBUF_CACHE;
	unsigned n_mbufs;
	int socket, rc;

	if (!rte_eth_dev_is_valid_port(c->port))
		rte_exit(EXIT_FAILURE, "argos-farm: port %u does not exist (%u ports probed): "
			 "give a device with --vdev or -a\n", c->port, rte_eth_dev_count_avail());
	rc = rte_eth_dev_info_get(c->port, &dev);
	if (rc != 0)
		rte_exit(EXIT_FAILURE, "argos-farm: port %u: cannot read device info: %s\n",
			 c->port, rte_strerror(-rc));
	if (nq > dev.max_rx_queues || nq > dev.max_tx_queues)
		rte_exit(EXIT_FAILURE, "argos-farm: port %u (%s) has %u RX / %u TX queues, %u "
			 "lcores want one each: use fewer lcores or more queues (af_packet: "
			 "qpairs=N)\n", c->port, dev.driver_name, dev.max_rx_queues,
			 dev.max_tx_queues, nq);
	/* Fragments of large replies take fresh mbufs while they wait. */
	per_q += FARM_TX_MAX;
	if (c->delay_us)
		per_q += FARM_FIFO_CAP;
	if (c->slow_ppm)
		per_q += FARM_FIFO_CAP;
	socket = rte_eth_dev_socket_id(c->port);
	if (socket < 0)
		socket = (int)rte_socket_id();
	n_mbufs = per_q * nq + FARM_BACKLOG;
	pool = rte_pktmbuf_pool_create("farm_pool", n_mbufs, MBUF_CACHE, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (pool == NULL)
		rte_exit(EXIT_FAILURE, "argos-farm: cannot create the mbuf pool (%u mbufs, %u "
			 "MiB): %s (too few hugepages, or -m too small?)\n", n_mbufs,
			 (unsigned)((uint64_t)n_mbufs * (RTE_MBUF_DEFAULT_BUF_SIZE + 192) >> 20),
			 rte_strerror(rte_errno));

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(c->port, nq, nq, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(c->port, &nb_rxd, &nb_txd);
	for (uint16_t q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(c->port, q, nb_rxd, socket, NULL, pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(c->port, q, nb_txd, socket, NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(c->port);
	if (rc != 0)
		rte_exit(EXIT_FAILURE, "argos-farm: port %u (%s): configure/start failed: %s\n",
			 c->port, dev.driver_name, rte_strerror(-rc));
	/* Requests come to our MAC, ARP to broadcast; some vdevs cannot
	 * change promiscuity, which is not fatal. */
	rte_eth_promiscuous_disable(c->port);
	return pool;
}

/* The farm's SNMPv3 engine and user, made once (usm_setup). */
static struct farm_usm usm;

/* Keys from the --v3-* passphrases, localized to the farm's engine, and
 * their prepared states: once, before any lcore runs. */
static void
usm_setup(const struct farm_config *c)
{
	struct argos_usm_cred *u = &usm.cred;
	struct timespec ts;
	int rc;

	if (!c->has_v3)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	u->level = c->v3.level;
	u->auth = c->v3.auth;
	u->priv = c->v3.priv;
	u->user_len = (uint8_t)strlen(c->v3.user);
	memcpy(u->user, c->v3.user, u->user_len);
	rc = farm_usm_init(&usm, c->v3_engine, c->v3_engine_len, c->v3.auth_pass,
			   c->v3.priv_pass, c->v3_boots, (uint64_t)ts.tv_sec);
	if (rc != 0)
		rte_exit(EXIT_FAILURE, "argos-farm: SNMPv3 user %s: its keys cannot be made: %s\n",
			 c->v3.user, strerror(-rc));
	fprintf(stderr, "argos-farm: snmpv3: user %s %s%s%s%s%s engine ", c->v3.user,
		cp_usm_level_name(u->level), u->auth ? " " : "", argos_usm_auth_name(u->auth),
		u->priv ? "/" : "", argos_usm_priv_name(u->priv));
	for (size_t i = 0; i < c->v3_engine_len; i++)
		fprintf(stderr, "%02x", c->v3_engine[i]);
	fprintf(stderr, " boots %u\n", c->v3_boots);
}

static struct farm_lcore *
lcore_new(const struct farm_config *c, const struct farm_mib *mib,
	  struct rte_mempool *pool, unsigned lcore, uint16_t q)
{
	struct farm_lcore *lc;
	struct timespec ts;
	int socket = (int)rte_lcore_to_socket_id(lcore);

	lc = rte_zmalloc_socket("farm_lcore", sizeof(*lc), RTE_CACHE_LINE_SIZE, socket);
	if (lc == NULL)
		rte_exit(EXIT_FAILURE, "argos-farm: lcore %u: out of hugepage memory\n", lcore);
	lc->cfg = c;
	lc->mib = mib;
	lc->snmp = (struct farm_snmp_ctx){ mib, (const uint8_t *)c->community,
					   c->community_len, c->max_reply };
	lc->usm = &usm;
	lc->usm_lc = rte_zmalloc_socket("farm_usm", sizeof(*lc->usm_lc), RTE_CACHE_LINE_SIZE,
					socket);
	if (lc->usm_lc == NULL || (usm.enabled && farm_usm_lcore_init(lc->usm_lc, rte_rand())))
		rte_exit(EXIT_FAILURE, "argos-farm: lcore %u: out of memory for the SNMPv3 "
			 "cipher contexts\n", lcore);
	/* A reply and its duplicate, each in as many fragments as the
	 * largest reply needs. */
	lc->tx_need = 2 * farm_reply_frames(c->max_reply);
	lc->ip_id = (uint16_t)rte_rand();
	lc->pool = pool;
	rte_eth_macaddr_get(c->port, &lc->mac);
	lc->port = c->port;
	lc->queue = q;
	lc->lcore = lcore;
	lc->backlog = rte_zmalloc_socket("farm_backlog", sizeof(struct rte_mbuf *) *
					 FARM_BACKLOG, RTE_CACHE_LINE_SIZE, socket);
	if (lc->backlog == NULL)
		rte_exit(EXIT_FAILURE, "argos-farm: lcore %u: out of hugepage memory for the "
			 "request backlog\n", lcore);
	lc->rng = rte_rand() | 1;
	lc->hz = rte_get_tsc_hz();
	clock_gettime(CLOCK_REALTIME, &ts);
	lc->base_tsc = rte_rdtsc();
	lc->base_unix_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	for (int k = 0; k < 2; k++) {
		uint32_t us = k ? c->slow_delay_us : c->delay_us;

		if (k ? c->slow_ppm == 0 : c->delay_us == 0)
			continue;
		lc->fifo[k].e = rte_zmalloc_socket("farm_fifo", sizeof(struct farm_held) *
						   FARM_FIFO_CAP, RTE_CACHE_LINE_SIZE, socket);
		if (lc->fifo[k].e == NULL)
			rte_exit(EXIT_FAILURE, "argos-farm: lcore %u: out of hugepage memory "
				 "for the delay queue\n", lcore);
		lc->fifo[k].delay_tsc = lc->hz / 1000000 * us;
	}
	return lc;
}

int
main(int argc, char **argv)
{
	static struct farm_config cfg;
	static struct farm_mib mib;
	struct rte_mempool *pool;
	struct rte_ether_addr mac;
	char macs[RTE_ETHER_ADDR_FMT_SIZE];
	unsigned lcore, q = 0;
	pthread_t sig_tid;
	char **eal_argv;
	int ret;

	sigemptyset(&quit_signals);
	sigaddset(&quit_signals, SIGINT);
	sigaddset(&quit_signals, SIGTERM);
	wait_signals = quit_signals;
	sigaddset(&wait_signals, SIGUSR1);
	sigaddset(&wait_signals, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &wait_signals, NULL);
	{	/* the EAL's arguments end at "--"; see cli_eal_argv() */
		int dd = 1;

		while (dd < argc && strcmp(argv[dd], "--") != 0)
			dd++;
		eal_argv = calloc((size_t)argc + 2, sizeof(*eal_argv));
		if (eal_argv == NULL)
			rte_exit(EXIT_FAILURE, "argos-farm: out of memory\n");
		argc = cli_eal_argv(argc, argv, dd, eal_argv);
		argv = eal_argv;
	}
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "argos-farm: EAL init failed: %s\n", rte_strerror(rte_errno));
	ret = farm_config_parse(argc - ret, argv + ret, &cfg);
	if (ret != 0) {
		rte_eal_cleanup();
		free(eal_argv);
		return ret > 0 ? 0 : 2;
	}
	if (farm_mib_init(&mib, cfg.n_if) != 0)
		rte_exit(EXIT_FAILURE, "argos-farm: the MIB table is out of order (a bug)\n");
	mib.alias_bytes = cfg.alias_bytes;
	mib.port_base = cfg.udp_lo;
	usm_setup(&cfg);

	farm_n_lcores = rte_lcore_count();
	pool = port_init(&cfg, (uint16_t)farm_n_lcores);
	if (cfg.poll_log) {
		ret = farm_plog_init(&plog, cfg.dev_net, ~cfg.dev_mask + 1, cfg.n_ports,
				     cfg.udp_lo, cfg.poll_gap_ms, cfg.ping_gap_ms, rte_rdtsc(),
				     rte_get_tsc_hz());
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "argos-farm: --poll-log %s: %s for %u addresses x "
				 "%u ports (at most %u devices: a longer --devices prefix or "
				 "fewer --ports)\n", cfg.poll_log, strerror(-ret),
				 ~cfg.dev_mask + 1, cfg.n_ports, FARM_PLOG_DEVICES_MAX);
	}
	farm_lcores[q] = lcore_new(&cfg, &mib, pool, rte_get_main_lcore(), (uint16_t)q);
	farm_lcores[q++]->is_main = 1;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		farm_lcores[q] = lcore_new(&cfg, &mib, pool, lcore, (uint16_t)q);
		q++;
	}
	for (unsigned i = 0; i < q; i++)
		farm_lcores[i]->plog = plog.dev ? &plog : NULL;

	quit_cfg = &cfg;
	quit_t0 = rte_rdtsc();
	ret = pthread_create(&sig_tid, NULL, signal_thread, NULL);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "argos-farm: cannot start the signal thread: %s\n",
			 strerror(ret));
	pthread_detach(sig_tid);
	ret = farm_fault_guard_init();
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "argos-farm: cannot install the fault guard: %s\n",
			 strerror(-ret));
	q = 1;
	RTE_LCORE_FOREACH_WORKER(lcore)
		rte_eal_remote_launch(farm_worker_main, farm_lcores[q++], lcore);

	rte_eth_macaddr_get(cfg.port, &mac);
	rte_ether_format_addr(macs, sizeof(macs), &mac);
	fprintf(stderr, "argos-farm: ready: port %u mac %s ip %u.%u.%u.%u/%u devices "
		"%u.%u.%u.%u/%u (%u) ports %u-%u interfaces %u queues %u loss %g%% dead %g%% "
		"duplicate %g%% slow %g%% delay %u us slow-delay %u us%s%s\n",
		cfg.port, macs, cfg.ip >> 24, (cfg.ip >> 16) & 255, (cfg.ip >> 8) & 255,
		cfg.ip & 255, cfg.prefix_len, cfg.dev_net >> 24, (cfg.dev_net >> 16) & 255,
		(cfg.dev_net >> 8) & 255, cfg.dev_net & 255,
		cfg.dev_len, ~cfg.dev_mask + 1, cfg.udp_lo, cfg.udp_lo + cfg.n_ports - 1, cfg.n_if,
		farm_n_lcores, cfg.loss_pct, cfg.dead_pct, cfg.dup_pct, cfg.slow_pct, cfg.delay_us,
		cfg.slow_ppm ? cfg.slow_delay_us : 0, cfg.poll_log ? " poll-log " : "",
		cfg.poll_log ? cfg.poll_log : "");

	quit_t0 = rte_rdtsc();
	farm_worker_main(farm_lcores[0]);
	rte_eal_mp_wait_lcore();
	final_stats();
	rte_eth_dev_stop(cfg.port);
	rte_eth_dev_close(cfg.port);
	rte_eal_cleanup();
	atomic_store(&shut_down, 1);
	free(eal_argv);   /* the options were read long ago; LeakSanitizer checks at exit */
	return 0;
}
