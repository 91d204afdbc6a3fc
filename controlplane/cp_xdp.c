/*
 * cp_xdp.c - configure argos's XDP steering program (bpf/argos_xdp.c).
 *
 * On net_af_xdp with xdp_prog=<build>/bpf/argos_xdp.o, net_af_xdp loads
 * the program, attaches it to the interface and fills its socket map;
 * libbpf pins the program's configuration map at
 * /sys/fs/bpf/argos_xdp_conf.  Until argos writes its entry there, the
 * program passes every frame to the kernel.  This file writes that
 * entry (argos's address, source ports and the agents' ports), keyed
 * by the interface's ifindex, and checks beforehand what would make
 * net_af_xdp fail with a vague message.
 *
 * Control plane only: it may block and make syscalls (libbpf's).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>

#include "../bpf/argos_xdp.h"
#include "cp_xdp.h"

#define XDP_PMD "net_af_xdp"

/* The agents' UDP ports; a list ending at the first 0, empty: any. */
static uint16_t agent_ports[ARGOS_XDP_AGENT_PORTS] = { 161 };

/*
 * Find key=value in a vdev's comma-separated arguments ("iface=x,...",
 * with or without the device name in front) and copy the value.
 * Returns 1 when found, 0 when not.
 */
static int
devarg_get(const char *args, const char *key, char *val, size_t vallen)
{
	size_t klen = strlen(key);
	const char *p = args, *end;

	while (p != NULL && *p != '\0') {
		end = strchr(p, ',');
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t n = end ? (size_t)(end - p) - klen - 1 : strlen(p + klen + 1);

			if (n >= vallen)
				n = vallen - 1;
			memcpy(val, p + klen + 1, n);
			val[n] = '\0';
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

static int
bpffs_mounted(void)
{
	struct statfs st;

	return statfs(ARGOS_XDP_PIN_ROOT, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/*
 * A configuration map pinned by an older argos whose entry had another
 * layout makes libbpf refuse to load the program ("couldn't reuse
 * pinned map"), which net_af_xdp reports only as a failed load.
 * Returns 0 when the pinned map is absent or fits, -1 with msg set.
 */
static int
conf_map_stale(char *msg, size_t msglen)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);
	int fd, rc = 0;

	fd = bpf_obj_get(ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP);
	if (fd < 0 && errno == EACCES) {
		/* Pinned by another user (root, or a run of another uid):
		 * libbpf would only say "Permission denied". */
		snprintf(msg, msglen, ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP " belongs to another "
			 "user than uid %u: chown it to this user (argos.service does, before start), "
			 "or rm it with every argos on net_af_xdp stopped", (unsigned)geteuid());
		return -1;
	}
	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
	    (info.type != BPF_MAP_TYPE_HASH || info.key_size != sizeof(__u32) ||
	     info.value_size != sizeof(struct argos_xdp_conf) ||
	     info.max_entries != ARGOS_XDP_MAX_IFACES)) {
		snprintf(msg, msglen, ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP " was pinned by "
			 "another version of argos's steering program (entries of %u bytes, "
			 "this argos writes %zu): stop every argos on net_af_xdp, then "
			 "rm " ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP, info.value_size,
			 sizeof(struct argos_xdp_conf));
		rc = -1;
	}
	close(fd);
	return rc;
}

/* Check one vdev string from the command line ("net_af_xdp0,iface=..."). */
static int
precheck_vdev(const char *vdev, char *msg, size_t msglen)
{
	char iface[IF_NAMESIZE + 1] = "", prog[4096], name[32];
	size_t namelen = strcspn(vdev, ",");
	unsigned ifindex;
	__u32 prog_id = 0;

	if (strncmp(vdev, XDP_PMD, strlen(XDP_PMD)) != 0 ||
	    !devarg_get(vdev, "xdp_prog", prog, sizeof(prog)))
		return 0;
	snprintf(name, sizeof(name), "%.*s", (int)(namelen < 31 ? namelen : 31), vdev);
	if (access(prog, R_OK) != 0) {
		snprintf(msg, msglen, "xdp: %s: xdp_prog=%s: %s: give the path of argos's "
			 "steering program, e.g. xdp_prog=build/bpf/argos_xdp.o (built when "
			 "clang is installed)", name, prog, strerror(errno));
		return -1;
	}
	if (!bpffs_mounted()) {
		snprintf(msg, msglen, "xdp: %s: bpffs is not mounted at " ARGOS_XDP_PIN_ROOT
			 ", where the steering program's configuration map is pinned: "
			 "mount -t bpf bpf " ARGOS_XDP_PIN_ROOT " (scripts/hugepages does it)", name);
		return -1;
	}
	if (conf_map_stale(msg, msglen) != 0)
		return -1;
	devarg_get(vdev, "iface", iface, sizeof(iface));
	ifindex = if_nametoindex(iface);
	if (ifindex == 0)
		return 0;   /* the generic "did not probe" message names the interface */
	if (bpf_xdp_query_id((int)ifindex, 0, &prog_id) == 0 && prog_id != 0) {
		snprintf(msg, msglen, "xdp: %s: interface %s already has an XDP program "
			 "attached (id %u; left by an argos that was killed?), and net_af_xdp "
			 "would fail, then detach it: check that nothing else uses it (bpftool "
			 "net show dev %s), then detach it with: ip link set dev %s xdp off",
			 name, iface, prog_id, iface, iface);
		return -1;
	}
	return 0;
}

int
cp_xdp_precheck(int argc, char **argv, char *msg, size_t msglen)
{
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;

		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--vdev") && i + 1 < argc)
			v = argv[++i];
		else if (!strncmp(argv[i], "--vdev=", 7))
			v = argv[i] + 7;
		if (v != NULL && precheck_vdev(v, msg, msglen) != 0)
			return -1;
	}
	return 0;
}

int
cp_xdp_set_agent_ports(const struct cp_device *devs, size_t n)
{
	uint16_t set[ARGOS_XDP_AGENT_PORTS] = { 0 };
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		uint16_t port = devs[i].snmp_port;
		size_t j;

		for (j = 0; j < kept && set[j] != port; j++)
			;
		if (j < kept || port == 0)
			continue;
		if (kept == ARGOS_XDP_AGENT_PORTS) {
			/* Too many to list: match any source port. */
			memset(set, 0, sizeof(set));
			kept = 0;
			break;
		}
		set[kept++] = port;
	}
	if (memcmp(agent_ports, set, sizeof(set)) == 0)
		return 0;
	memcpy(agent_ports, set, sizeof(set));
	return 1;
}

/*
 * Whether the XDP program attached to ifindex uses the map map_fd: that
 * is how argos knows the program is its own and not some other one
 * given with xdp_prog=.  Returns 1, 0, or a negative errno.
 */
static int
prog_uses_map(unsigned ifindex, int map_fd)
{
	struct bpf_map_info minfo;
	struct bpf_prog_info pinfo;
	__u32 ids[16], len, prog_id = 0;
	int prog_fd, rc, found = 0;

	rc = bpf_xdp_query_id((int)ifindex, 0, &prog_id);
	if (rc != 0)
		return rc;
	if (prog_id == 0)
		return 0;
	memset(&minfo, 0, sizeof(minfo));
	len = sizeof(minfo);
	rc = bpf_obj_get_info_by_fd(map_fd, &minfo, &len);
	if (rc != 0)
		return -errno;
	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	if (prog_fd < 0)
		return -errno;
	memset(&pinfo, 0, sizeof(pinfo));
	pinfo.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	pinfo.map_ids = (__u64)(uintptr_t)ids;
	len = sizeof(pinfo);
	rc = bpf_obj_get_info_by_fd(prog_fd, &pinfo, &len);
	if (rc != 0) {
		rc = -errno;
		goto out;
	}
	for (__u32 i = 0; i < pinfo.nr_map_ids && i < sizeof(ids) / sizeof(ids[0]); i++)
		found |= ids[i] == minfo.id;
	rc = found;
out:
	close(prog_fd);
	return rc;
}

/*
 * Delete the entries of interfaces that no longer exist.  Why: the map
 * outlives every argos (it is pinned), and a veth made afresh by each
 * test run gets a new ifindex; without pruning, the map would fill up.
 */
static void
prune_gone_interfaces(int map_fd)
{
	char name[IF_NAMESIZE];
	__u32 key, next, gone[ARGOS_XDP_MAX_IFACES];
	unsigned n = 0;
	int rc;

	for (rc = bpf_map_get_next_key(map_fd, NULL, &next); rc == 0 && n < ARGOS_XDP_MAX_IFACES;
	     rc = bpf_map_get_next_key(map_fd, &key, &next)) {
		key = next;
		if (if_indextoname(key, name) == NULL)
			gone[n++] = key;
	}
	for (unsigned i = 0; i < n; i++)
		bpf_map_delete_elem(map_fd, &gone[i]);
}

/* The kvargs of the ethdev called name, or NULL. */
static const char *
port_devargs(const char *name)
{
	struct rte_eth_dev_info dev;
	const struct rte_devargs *da;
	uint16_t port;

	if (rte_eth_dev_get_port_by_name(name, &port) != 0 ||
	    rte_eth_dev_info_get(port, &dev) != 0 || dev.device == NULL)
		return NULL;
	da = rte_dev_devargs(dev.device);
	return da ? da->args : NULL;
}

int
cp_xdp_configure(const struct argos_port_info *port, uint32_t ip, uint16_t sport_lo,
		 uint16_t sport_hi, char *msg, size_t msglen)
{
	struct argos_xdp_conf conf;
	char iface[IF_NAMESIZE + 1] = "", prog[4096] = "";
	const char *args;
	unsigned ifindex;
	int map_fd = -1, rc;

	if (strncmp(port->name, XDP_PMD, strlen(XDP_PMD)) != 0)
		return 0;
	args = port_devargs(port->name);
	if (args == NULL || !devarg_get(args, "iface", iface, sizeof(iface)))
		return 0;
	if (!devarg_get(args, "xdp_prog", prog, sizeof(prog))) {
		fprintf(stderr, "argos: xdp: %s runs libxdp's default program on %s: argos takes "
			"every frame of its queues from the kernel; give xdp_prog=<build>/bpf/"
			"argos_xdp.o to share the interface\n", port->name, iface);
		return 0;
	}
	ifindex = if_nametoindex(iface);
	if (ifindex == 0) {
		snprintf(msg, msglen, "xdp: %s: interface %s is gone: %s", port->name, iface,
			 strerror(errno));
		return -ENODEV;
	}
	map_fd = bpf_obj_get(ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP);
	if (map_fd < 0) {
		rc = -errno;
		if (rc == -ENOENT && bpffs_mounted()) {
			fprintf(stderr, "argos: xdp: %s: xdp_prog=%s is not argos's steering program "
				"(no " ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP "): argos configures "
				"nothing, that program decides what argos receives\n", port->name,
				prog);
			return 0;
		}
		snprintf(msg, msglen, "xdp: cannot open the steering program's configuration map "
			 ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP ": %s: is bpffs mounted? "
			 "mount -t bpf bpf " ARGOS_XDP_PIN_ROOT, strerror(-rc));
		return rc;
	}
	rc = prog_uses_map(ifindex, map_fd);
	if (rc == -EPERM) {
		/* Reading another program's maps takes CAP_SYS_ADMIN, which a
		 * service run with only what it needs lacks.  Writing argos's
		 * entry is harmless if the program is not argos's: configure. */
		fprintf(stderr, "argos: xdp: cannot check that the program on %s uses "
			ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP " (that needs CAP_SYS_ADMIN); "
			"writing argos's entry anyway\n", iface);
		rc = 1;
	}
	if (rc < 0) {
		snprintf(msg, msglen, "xdp: cannot read the XDP program attached to %s: %s",
			 iface, strerror(-rc));
		goto out;
	}
	if (rc == 0) {
		fprintf(stderr, "argos: xdp: %s: the program on %s (xdp_prog=%s) does not use "
			ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP ": not argos's steering program, "
			"argos configures nothing\n", port->name, iface, prog);
		rc = 0;
		goto out;
	}

	prune_gone_interfaces(map_fd);
	memset(&conf, 0, sizeof(conf));
	conf.ip = ip;
	conf.sport_lo = sport_lo;
	conf.sport_hi = sport_hi;
	memcpy(conf.agent_ports, agent_ports, sizeof(conf.agent_ports));
	if (bpf_map_update_elem(map_fd, &ifindex, &conf, BPF_ANY) != 0) {
		rc = -errno;
		snprintf(msg, msglen, "xdp: cannot write argos's entry into " ARGOS_XDP_PIN_ROOT "/"
			 ARGOS_XDP_CONF_MAP ": %s (the map holds %d interfaces; stale entries "
			 "go with: rm " ARGOS_XDP_PIN_ROOT "/" ARGOS_XDP_CONF_MAP ", then restart "
			 "argos)", strerror(-rc), ARGOS_XDP_MAX_IFACES);
		goto out;
	}
	fprintf(stderr, "argos: xdp: steering on %s (ifindex %u): UDP to ports %u-%u, ICMP echo "
		"and ARP for argos's address go to argos, the rest to the kernel\n", iface,
		ifindex, sport_lo, sport_hi);
	rc = 0;
out:
	close(map_fd);
	return rc;
}
