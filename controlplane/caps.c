/*
 * caps.c - argos's privileges checked before the EAL starts (see
 * cp_caps.h for what each port needs and how that was found).
 *
 * The effective set is read from /proc/self/status (CapEff), so no
 * library is needed and root in a container that was given fewer
 * capabilities is judged by what it really has.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cp_caps.h"

/* Capability numbers (linux/capability.h), spelled here to need no
 * header newer than the build machine's. */
enum {
	CAP_NET_ADMIN_ = 12,
	CAP_NET_RAW_ = 13,
	CAP_IPC_LOCK_ = 14,
	CAP_SYS_ADMIN_ = 21,
	CAP_PERFMON_ = 38,
	CAP_BPF_ = 39,
};

struct need {
	int cap;
	const char *name;
	const char *why;
};

static const struct need af_packet[] = {
	{ CAP_NET_RAW_, "CAP_NET_RAW", "its packet socket" },
	{ CAP_NET_ADMIN_, "CAP_NET_ADMIN", "setting the interface's flags at port start" },
	{ CAP_IPC_LOCK_, "CAP_IPC_LOCK", "its packet rings of 32 KiB frames, which are locked "
	  "memory past 8 MiB (or LimitMEMLOCK=infinity)" },
	{ -1, NULL, NULL },
};

static const struct need af_xdp[] = {
	{ CAP_NET_RAW_, "CAP_NET_RAW", "its AF_XDP sockets" },
	{ CAP_NET_ADMIN_, "CAP_NET_ADMIN", "attaching the XDP program" },
	{ CAP_BPF_, "CAP_BPF", "loading the program and its maps" },
	{ CAP_PERFMON_, "CAP_PERFMON", "the verifier's acceptance of the program" },
	{ CAP_IPC_LOCK_, "CAP_IPC_LOCK", "the UMEM, which is locked memory (or LimitMEMLOCK=infinity)" },
	{ -1, NULL, NULL },
};

/* The effective capability set, or all bits when it cannot be read
 * (then the EAL's own errors speak). */
static uint64_t
cap_eff(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	uint64_t v = UINT64_MAX;

	if (f == NULL)
		return v;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %" SCNx64, &v) == 1)
			break;
	fclose(f);
	return v;
}

static int
has_cap(uint64_t eff, int cap)
{
	if (eff & (1ull << cap))
		return 1;
	/* The kernel lets CAP_SYS_ADMIN stand for the two split from it. */
	return (cap == CAP_BPF_ || cap == CAP_PERFMON_) && (eff & (1ull << CAP_SYS_ADMIN_));
}

static int
memlock_unlimited(void)
{
	struct rlimit r;

	return getrlimit(RLIMIT_MEMLOCK, &r) == 0 && r.rlim_cur == RLIM_INFINITY;
}

/* Check one port's needs.  @return 0, or -1 with msg set. */
static int
check_port(const char *vdev, const struct need *need, uint64_t eff, char *msg, size_t len)
{
	char all[256] = "";
	size_t n = strcspn(vdev, ",");

	for (const struct need *k = need; k->name != NULL; k++)
		snprintf(all + strlen(all), sizeof(all) - strlen(all), "%s%s", all[0] ? " " : "",
			 k->name);
	for (const struct need *k = need; k->name != NULL; k++) {
		if (has_cap(eff, k->cap))
			continue;
		if (k->cap == CAP_IPC_LOCK_ && memlock_unlimited())
			continue;
		snprintf(msg, len, "%.*s needs %s for %s, and argos runs without it (uid %u): "
			 "give the service %s (AmbientCapabilities= and CapabilityBoundingSet= "
			 "in argos.service; docs/setup.md), or run it as root", (int)n, vdev,
			 k->name, k->why, (unsigned)geteuid(), all);
		return -1;
	}
	return 0;
}

/* The hugetlbfs directory the EAL will use: --huge-dir, else the first
 * hugetlbfs mount.  @return 0 with dir set, or -1 when there is none. */
static int
huge_dir(int argc, char **argv, char *dir, size_t len)
{
	char line[1024], dev[256], mnt[512], type[64];
	FILE *f;

	for (int i = 1; i + 1 < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--huge-dir")) {
			snprintf(dir, len, "%s", argv[i + 1]);
			return 0;
		}
	f = fopen("/proc/mounts", "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %511s %63s", dev, mnt, type) == 3 &&
		    !strcmp(type, "hugetlbfs")) {
			snprintf(dir, len, "%s", mnt);
			fclose(f);
			return 0;
		}
	fclose(f);
	return -1;
}

int
cp_caps_precheck(int argc, char **argv, char *msg, size_t msglen)
{
	uint64_t eff = cap_eff();
	int in_memory = 0;
	char dir[512];

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		const char *v = NULL;

		if (!strcmp(argv[i], "--in-memory") || !strcmp(argv[i], "--no-huge"))
			in_memory = 1;
		if (!strcmp(argv[i], "--vdev") && i + 1 < argc)
			v = argv[++i];
		else if (!strncmp(argv[i], "--vdev=", 7))
			v = argv[i] + 7;
		if (v == NULL)
			continue;
		if (!strncmp(v, "net_af_packet", 13) && check_port(v, af_packet, eff, msg, msglen))
			return -1;
		if (!strncmp(v, "net_af_xdp", 10) && check_port(v, af_xdp, eff, msg, msglen))
			return -1;
	}
	if (!in_memory && huge_dir(argc, argv, dir, sizeof(dir)) == 0 && access(dir, W_OK) != 0) {
		snprintf(msg, msglen, "the EAL keeps its hugepage files in %s, which uid %u cannot "
			 "write (%s): give the EAL --in-memory (hugepages without files; what "
			 "argos.service does), or --huge-dir with a hugetlbfs mount this user owns",
			 dir, (unsigned)geteuid(), strerror(errno));
		return -1;
	}
	return 0;
}
