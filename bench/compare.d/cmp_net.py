# cmp_net.py - the link and the processes of bench/compare: the
# namespace argos-cmp behind the veth argosc0/argosc1, the kernel
# address and route switched on only while kernel tools run, and every
# child process started, bounded in time and stopped by its own id.
#
#   host: argosc0 (198.19.254.1/24 and a route 198.19.128.0/17 via the
#         farm only while fping, braa or snmp_exporter run; argos uses
#         198.19.254.3 from DPDK, so the kernel holds no address then)
#     |  veth
#   argos-cmp: argosc1 (no kernel address) <- argos-farm, 198.19.254.2
import os
import signal
import subprocess
import time

NS = "argos-cmp"
HOST_IF = "argosc0"
NS_IF = "argosc1"
HOST_IP = "198.19.254.1"
FARM_IP = "198.19.254.2"
ARGOS_IP = "198.19.254.3"
ROUTED = "198.19.128.0/17"        # the only range the host routes via the farm
MEMIF_SOCK = "/run/argos-cmp.sock"


class BenchError(Exception):
    """A measurement that cannot run; the message says why, in an operator's words."""


def sh(*cmd, check=True):
    """Run a short command; raise BenchError naming it when check and it fails."""
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and r.returncode != 0:
        raise BenchError("'%s' failed: %s" % (" ".join(cmd), r.stdout.strip()))
    return r.stdout


def net_down():
    """Remove the veth and the namespace (idempotent)."""
    sh("ip", "link", "del", HOST_IF, check=False)
    sh("ip", "netns", "del", NS, check=False)


def net_up():
    """The veth pair, no IPv6 chatter, checksum offload off on both ends."""
    net_down()
    sh("ip", "netns", "add", NS)
    sh("ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", NS_IF, "netns", NS)
    sh("sysctl", "-q", "-w", "net.ipv6.conf.%s.disable_ipv6=1" % HOST_IF)
    sh("sysctl", "-q", "-w", "net.ipv4.conf.%s.forwarding=0" % HOST_IF)
    sh("ip", "netns", "exec", NS, "sysctl", "-q", "-w",
       "net.ipv6.conf.%s.disable_ipv6=1" % NS_IF)
    sh("ethtool", "-K", HOST_IF, "tx", "off", "rx", "off")
    sh("ip", "netns", "exec", NS, "ethtool", "-K", NS_IF, "tx", "off", "rx", "off")
    sh("ip", "link", "set", HOST_IF, "up")
    sh("ip", "netns", "exec", NS, "ip", "link", "set", NS_IF, "up")
    sh("ip", "netns", "exec", NS, "ip", "link", "set", "lo", "up")


def kernel_on():
    """Give the host end its address and the route to the devices, for kernel tools."""
    kernel_off()
    sh("ip", "addr", "add", HOST_IP + "/24", "dev", HOST_IF)
    sh("ip", "route", "add", ROUTED, "via", FARM_IP, "dev", HOST_IF)
    # Why: while the farm's MAC is unresolved the kernel queues only a few
    # packets per neighbour and drops the rest of a burst, so the first
    # sweep of a tool would lose most of its probes to ARP, not to the farm.
    for _ in range(5):
        if subprocess.run(["fping", "-q", "-c1", "-t", "500", FARM_IP],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            return
    raise BenchError("the farm (%s) does not answer ping from the host" % FARM_IP)


def kernel_off():
    """Take the host end's address and route away again (idempotent)."""
    sh("ip", "route", "del", ROUTED, "via", FARM_IP, "dev", HOST_IF, check=False)
    sh("ip", "addr", "flush", "dev", HOST_IF, check=False)
    sh("ip", "neigh", "flush", "dev", HOST_IF, check=False)


class Procs:
    """The children of one run: each is stopped by its own pid, never by name."""

    def __init__(self):
        self.live = {}

    def start(self, name, cmd, log, ns=False, cpu=None, pipe=False):
        """Start cmd (in the namespace when ns, pinned with taskset to cpu) with its
        output in the file log, or with pipe in p.stdout (text, stderr merged) for
        the caller to read and log; ip netns exec and taskset exec, so the pid is
        cmd's."""
        if cpu is not None:
            cmd = ["taskset", "-c", str(cpu)] + cmd
        if ns:
            cmd = ["ip", "netns", "exec", NS] + cmd
        if pipe:
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, text=True, errors="replace")
        else:
            f = open(log, "w")
            p = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
            f.close()
        self.live[p.pid] = (name, p)
        return p

    def wait(self, p, timeout):
        """Wait for p at most timeout seconds, then TERM it, then KILL it.
        Returns (status, cpu seconds of the child from its rusage)."""
        deadline = time.monotonic() + timeout
        while True:
            pid, status, ru = reap(p)
            if pid == p.pid:
                break
            if time.monotonic() > deadline:
                self.signal(p, signal.SIGTERM)
                deadline = time.monotonic() + 10
                timeout = 0
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        self.live.pop(p.pid, None)
        return p.returncode, ru.ru_utime + ru.ru_stime

    def signal(self, p, sig):
        try:
            os.kill(p.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self, p, timeout=15):
        """SIGINT (DPDK programs print their summary), then wait, then KILL."""
        if p.pid not in self.live:
            return p.returncode, 0.0
        self.signal(p, signal.SIGINT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status, ru = reap(p)
            if pid == p.pid:
                p.returncode = os.waitstatus_to_exitcode(status)
                self.live.pop(p.pid, None)
                return p.returncode, ru.ru_utime + ru.ru_stime
            time.sleep(0.05)
        self.signal(p, signal.SIGKILL)
        return self.wait(p, 5)

    def stop_all(self):
        for _, p in list(self.live.values()):
            self.stop(p, timeout=5)


def reap(p):
    """os.wait4 without blocking; (0, 0, None) while p runs."""
    return os.wait4(p.pid, os.WNOHANG)


def cpu_seconds(pid):
    """utime + stime of a live process, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_memory(pid):
    """VmRSS and HugetlbPages of a live process, in KiB (None when gone)."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "HugetlbPages"):
                    out[k] = int(v.split()[0])
    except OSError:
        return None
    return out


def exited(p):
    """True once p has ended; it is left unreaped for Procs.wait's rusage."""
    r = os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    return r is not None


def wait_for_line(path, text, p, seconds):
    """Wait until the log at path holds text; False when p exits first or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with open(path, errors="replace") as f:
                if text in f.read():
                    return True
        except OSError:
            pass
        if exited(p):
            return False
        time.sleep(0.05)
    return False
