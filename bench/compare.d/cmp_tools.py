# cmp_tools.py - one function per measurement of bench/compare: the
# farm, testpmd's I/O limit, argos (ICMP or SNMP, over af_packet or
# memif), fping, braa and prometheus-snmp-exporter.  Each returns a dict
# of figures or raises BenchError saying why it could not measure.
#
# Pinning (2 CPUs): the farm, and testpmd's receiver, poll on CPU 1;
# whatever is measured (argos main + worker lcores, testpmd's sender,
# fping, braa, snmp_exporter) runs on CPU 0.  Every peer gets the same
# single CPU as argos, and the noise of a shared machine hits all of them
# within the same run.
import ipaddress
import json
import os
import re
import socket
import statistics
import subprocess
import threading
import time
import urllib.request

from cmp_net import (ARGOS_IP, FARM_IP, HOST_IF, MEMIF_SOCK, NS_IF, BenchError,
                     cpu_seconds, exited, kernel_off, kernel_on, proc_memory,
                     wait_for_line)

IFX = "1.3.6.1.2.1.31.1.1.1"
IFX_COLUMNS = 19
EAL_READY_S = 30           # EAL start-up on vdevs takes seconds on a busy host
FRAMES = 8192              # af_packet ring frames (bursts of thousands of requests)


def hosts(cidr):
    """The host addresses of cidr, as argos --devices-cidr counts them."""
    return [str(a) for a in ipaddress.IPv4Network(cidr).hosts()]


def vdev(link, role):
    """The EAL --vdev of argos (role client) or the farm (role server) on link.
    Why rsize=14 for the client: over memif the client sets the ring size, and
    argos opens a round with one request per device at once; the default 1024
    slots overflow at argos's TX whenever the farm waits for its CPU."""
    if link == "memif":
        return "net_memif0,role=%s,socket=%s%s" % (role, MEMIF_SOCK,
                                                   ",rsize=14" if role == "client" else "")
    iface = HOST_IF if role == "client" else NS_IF
    return "net_af_packet0,iface=%s,framecnt=%d" % (iface, FRAMES)


def farm_start(run, link, devices):
    """argos-farm answering devices on link, on CPU 1; returns its process."""
    if link == "memif" and os.path.exists(MEMIF_SOCK):
        os.unlink(MEMIF_SOCK)
    log = run.path("farm-%s.log" % link)
    run.farm_json = run.path("farm-%s.json" % link)
    cmd = [run.farm, "--lcores", "0@1", "--file-prefix", "cmpfarm", "-m", "256", "--no-pci",
           "--vdev", vdev(link, "server"), "--", "--ip", FARM_IP + "/24", "--devices", devices,
           "--interfaces", str(run.interfaces), "--stats-json", run.farm_json]
    p = run.procs.start("argos-farm", cmd, log, ns=(link != "memif"))
    if not wait_for_line(log, "argos-farm: ready:", p, EAL_READY_S):
        run.procs.stop(p)
        raise BenchError("argos-farm did not get ready on %s (see %s): %s"
                         % (link, log, run.tail(log)))
    return p


def farm_stop(run, p):
    """Stop the farm; returns the counters that mean lost work (all should be 0)."""
    run.procs.stop(p)
    try:
        with open(run.farm_json) as f:
            j = json.load(f)
    except (OSError, ValueError):
        raise BenchError("argos-farm wrote no --stats-json %s" % run.farm_json)
    t, port = j["total"], j.get("port", {})
    return {"tx_dropped": t["tx_dropped"], "queue_full": t["drop_queue_full"],
            "loss": t["drop_loss"], "imissed": port.get("imissed", 0),
            "rx_nombuf": port.get("rx_nombuf", 0), "replies": t["rep_icmp"] + t["rep_snmp"]}


def _pps(log, key):
    """Median of testpmd's per-second 'Rx-pps:' or 'Tx-pps:' figures that are not 0."""
    with open(log, errors="replace") as f:
        v = [int(x) for x in re.findall(key + r":\s+(\d+)", f.read())]
    v = [x for x in v if x > 0]
    if not v:
        return None
    return statistics.median(v[1:] if len(v) > 2 else v)


def testpmd(run, seconds):
    """testpmd txonly on argosc0 (CPU 0) into testpmd rxonly on argosc1 (CPU 1):
    the packets per second the link carries with frames of argos's echo size."""
    common = ["-m", "256", "--no-pci"]
    rx_log, tx_log = run.path("testpmd-rx.log"), run.path("testpmd-tx.log")
    rx = run.procs.start("testpmd rxonly", [
        "dpdk-testpmd", "--lcores", "0@1,1@1", "--file-prefix", "cmptestpmdrx"] + common +
        ["--vdev", vdev("af_packet", "server"), "--", "--forward-mode=rxonly",
         "--stats-period", "1", "--nb-cores=1"], rx_log, ns=True)
    if not wait_for_line(rx_log, "Port statistics", rx, EAL_READY_S):
        run.procs.stop(rx)
        raise BenchError("testpmd rxonly did not start (see %s): %s" % (rx_log, run.tail(rx_log)))
    tx = run.procs.start("testpmd txonly", [
        "dpdk-testpmd", "--lcores", "0@0,1@0", "--file-prefix", "cmptestpmd"] + common +
        ["--vdev", vdev("af_packet", "client"), "--", "--forward-mode=txonly",
         "--txpkts=98", "--stats-period", "1", "--nb-cores=1"], tx_log)
    ok = wait_for_line(tx_log, "Port statistics", tx, EAL_READY_S)
    time.sleep(seconds + 1 if ok else 0)
    run.procs.stop(tx)
    run.procs.stop(rx)
    tx_pps, rx_pps = _pps(tx_log, "Tx-pps"), _pps(rx_log, "Rx-pps")
    if not ok or tx_pps is None or rx_pps is None:
        raise BenchError("testpmd measured no packet rate (see %s, %s): %s"
                         % (tx_log, rx_log, run.tail(tx_log)))
    return {"tx_pps": tx_pps, "rx_pps": rx_pps}


def _heap_alloc(prefix):
    """Bytes allocated from DPDK's heap 0 (dpdk-telemetry.py /eal/heap_info), or None."""
    try:
        r = subprocess.run(["dpdk-telemetry.py", "-f", prefix], input="/eal/heap_info,0\n",
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    for m in re.finditer(r"\{.*\}", r.stdout):
        try:
            info = json.loads(m.group(0)).get("/eal/heap_info")
        except ValueError:
            continue
        if isinstance(info, dict) and "Alloc_size" in info:
            return int(info["Alloc_size"])
    return None


def argos(run, name, link, cidr, mode, seconds, profile=False, poll=None, devices=None):
    """argos --devices-cidr cidr --duration seconds, ICMP (mode 'icmp') or
    ifXTable walks (mode 'snmp'), main and worker lcores on CPU 0.
    poll, when given, replaces the polling flags (bench/sx-bench: modules);
    devices, a devices file instead of cidr.
    Returns its --summary-json plus memory and CPU figures."""
    log, js = run.path(name + ".log"), run.path(name + ".json")
    if poll is None:
        poll = (["--ping-only", "--ping-count", "1"] if mode == "icmp" else
                ["--snmp-only", "--oids", IFX])
    cmd = [run.argos, "--lcores", "0@0,1@0", "--file-prefix", "cmpargos", "-m", "512",
           "--no-pci", "--vdev", vdev(link, "client"), "--", "--ip", ARGOS_IP + "/24",
           "--gateway", FARM_IP] + (["--devices", devices] if devices else
                                    ["--devices-cidr", cidr]) + [
           "--duration", str(seconds), "--summary-json", js] + poll
    run.commands[name] = " ".join(cmd)
    if os.path.exists(js):
        os.unlink(js)
    p = run.procs.start("argos", cmd, log)
    if not wait_for_line(log, "argos: ready:", p, EAL_READY_S + 30):
        run.procs.stop(p)
        raise BenchError("argos did not get ready (%s): %s" % (log, run.tail(log)))
    t_ready = time.monotonic()
    time.sleep(seconds * 0.6)
    mem = proc_memory(p.pid) or {}
    heap = _heap_alloc("cmpargos")
    perf = perf_note = None
    if profile and exited(p):
        perf_note = "argos had exited before perf could attach"
    elif profile:
        perf = run.path(name + ".perf.data")
        pr = subprocess.run(["perf", "record", "-q", "-g", "-o", perf, "-p", str(p.pid), "--",
                             "sleep", str(max(1.0, seconds * 0.3))],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if pr.returncode != 0:
            perf_note = "perf record failed: %s" % " ".join(pr.stderr.split())[:200]
    rc, cpu = run.procs.wait(p, seconds + 60 - (time.monotonic() - t_ready))
    if rc != 0 or not os.path.exists(js):
        raise BenchError("argos %s exited with status %s and no summary (%s): %s"
                         % (name, rc, log, run.tail(log)))
    with open(js) as f:
        out = json.load(f)
    out.update({"rss_kib": mem.get("VmRSS"), "hugetlb_kib": mem.get("HugetlbPages"),
                "heap_alloc_bytes": heap, "cpu_s": cpu, "perf_data": perf,
                "perf_note": perf_note})
    return out


def fping(run, addrs, seconds):
    """fping -C1 sweeps over addrs on CPU 0, repeated until seconds have passed."""
    lst = run.path("fping.list")
    with open(lst, "w") as f:
        f.write("\n".join(addrs) + "\n")
    kernel_on()
    sent = got = 0
    cpu = 0.0
    t0 = time.monotonic()
    try:
        while sent == 0 or time.monotonic() - t0 < seconds:
            log = run.path("fping.out")
            p = run.procs.start("fping", ["fping", "-q", "-C1", "-r0", "-t", "1000", "-i", "0",
                                          "-f", lst], log, cpu=0)
            _, c = run.procs.wait(p, 60 + len(addrs) / 1000)
            cpu += c
            with open(log, errors="replace") as f:
                res = [ln.rsplit(":", 1)[1].strip() for ln in f if " : " in ln]
            sent += len(addrs)
            got += sum(1 for r in res if r != "-")
    finally:
        wall = time.monotonic() - t0
        kernel_off()
    return {"probes_per_s": sent / wall, "matched_ratio": got / sent, "sent": sent,
            "cpu_s": cpu, "cpu_s_per_1k": 1000 * cpu / sent, "seconds": wall}


def braa(run, addrs, seconds):
    """braa -2 walks of ifXTable on every address at once, on CPU 0, at most
    seconds.  Walks/s counts varbinds received / varbinds of one walk."""
    q, log = run.path("braa.queries"), run.path("braa.out")
    with open(q, "w") as f:
        f.write("".join("public@%s:161:.%s.*\n" % (a, IFX) for a in addrs))
    per_walk = IFX_COLUMNS * run.interfaces
    kernel_on()
    try:
        t0 = time.monotonic()
        p = run.procs.start("braa", ["braa", "-2", "-t", "1", "-r", "2", "-a",
                                     str(int(seconds)), "-f", q], log, cpu=0)
        _, cpu = run.procs.wait(p, seconds + 15)
        wall = time.monotonic() - t0
    finally:
        kernel_off()
    per_host = {}
    with open(log, errors="replace") as f:
        for ln in f:
            m = re.match(r"(\d+\.\d+\.\d+\.\d+):\d+ms:", ln)
            if m:
                per_host[m.group(1)] = per_host.get(m.group(1), 0) + 1
    vb = sum(per_host.values())
    if vb == 0:
        # A result, not a broken run: the CI check wants a number above 0.
        return {"walks_per_s": 0.0, "walks": 0, "varbinds": 0, "complete": 0, "cpu_s": cpu,
                "cpu_s_per_1k": None, "seconds": wall,
                "note": "braa printed no varbind within %d s for %d walks" % (seconds, len(addrs))}
    walks = vb / per_walk
    return {"walks_per_s": walks / wall, "walks": walks, "varbinds": vb,
            "complete": sum(1 for v in per_host.values() if v >= per_walk),
            "cpu_s": cpu, "cpu_s_per_1k": 1000 * cpu / walks, "seconds": wall}


def _free_port(first):
    for port in range(first, first + 50):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise BenchError("no free TCP port from %d for snmp_exporter" % first)


def _scrape(url, full):
    """One scrape; True when it returned the whole ifXTable."""
    try:
        with urllib.request.urlopen(url, timeout=20) as resp:
            body = resp.read()
        return resp.status == 200 and len(body) >= 0.9 * full
    except OSError:
        return False


def exporter(run, addrs, seconds, parallel=64, yml=None, pdus=None):
    """prometheus-snmp-exporter (module if_mib of compare.d/snmp.yml, or of
    yml) on CPU 0, scraped by `parallel` client threads, each address once
    at most, for `seconds`.  A scrape counts when it is as large as a
    whole one; the first must return pdus PDUs (default: the ifXTable)."""
    port = _free_port(9116)
    base = "http://127.0.0.1:%d/snmp?module=if_mib&target=" % port
    if pdus is None:
        pdus = IFX_COLUMNS * run.interfaces
    elog = run.path("exporter.log")
    kernel_on()
    e = run.procs.start("snmp_exporter", [
        "prometheus-snmp-exporter", "--config.file=" + (yml or run.snmp_yml),
        "--web.listen-address=127.0.0.1:%d" % port], elog, cpu=0)
    try:
        if not wait_for_line(elog, "Listening on", e, 15):
            raise BenchError("prometheus-snmp-exporter did not start (%s): %s"
                             % (elog, run.tail(elog)))
        one = subprocess.run(["curl", "-s", "--max-time", "10", base + addrs[0]],
                             stdout=subprocess.PIPE, text=True).stdout
        if pdus == "auto":   # the first scrape says how many; a whole one has some
            m = re.search(r"^snmp_scrape_pdus_returned (\d+)$", one, re.M)
            pdus = int(m.group(1)) if m and int(m.group(1)) > 0 else -1
        if "snmp_scrape_pdus_returned %d" % pdus not in one:
            raise BenchError("snmp_exporter's scrape of %s did not return %d PDUs"
                             % (addrs[0], pdus))
        full = len(one.encode())
        todo = iter(addrs[1:] + addrs[:1])
        lock = threading.Lock()
        tally = {"ok": 0, "bad": 0}
        c0, t0 = cpu_seconds(e.pid), time.monotonic()
        deadline = t0 + seconds

        def client():
            while time.monotonic() < deadline:
                with lock:
                    a = next(todo, None)
                if a is None:
                    return
                good = _scrape(base + a, full)
                with lock:
                    tally["ok" if good else "bad"] += 1

        threads = [threading.Thread(target=client) for _ in range(parallel)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, cpu = time.monotonic() - t0, cpu_seconds(e.pid) - c0
    finally:
        run.procs.stop(e)
        kernel_off()
    ok = tally["ok"]
    if ok == 0:
        raise BenchError("no snmp_exporter scrape returned a whole ifXTable (%s)" % elog)
    return {"walks_per_s": ok / wall, "walks": ok, "asked": ok + tally["bad"], "cpu_s": cpu,
            "cpu_s_per_1k": 1000 * cpu / ok, "seconds": wall}
