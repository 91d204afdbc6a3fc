# cmp_tools.py - one function per measurement of bench/compare: the
# farm, testpmd's I/O limit and testpmd icmpecho (on af_packet or memif),
# argos (ICMP or SNMP, over af_packet or memif), fping, braa and
# prometheus-snmp-exporter.  Each returns a dict of figures, with what
# the tool completed next to its rate, or raises BenchError saying why it
# could not measure.
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
# argos at full blast: --ping-batch-count (ping jobs started per loop turn,
# default 100, about 100k probes/s) is a pacing knob for a database's
# bursts of due pings, not a limit of the dataplane; every ICMP run of
# bench/compare lifts it, so what is measured is the dataplane and the link.
FULL_BLAST = ["--ping-batch-count", "1000000"]


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


def farm_start(run, link, devices, extra=()):
    """argos-farm answering devices on link, on CPU 1 (extra: more farm options,
    bench/v3-bench's --v3-*); returns its process."""
    if link == "memif" and os.path.exists(MEMIF_SOCK):
        os.unlink(MEMIF_SOCK)
    log = run.path("farm-%s.log" % link)
    run.farm_json = run.path("farm-%s.json" % link)
    cmd = [run.farm, "--lcores", "0@1", "--file-prefix", "cmpfarm", "-m", "256", "--no-pci",
           "--vdev", vdev(link, "server"), "--", "--ip", FARM_IP + "/24", "--devices", devices,
           "--interfaces", str(run.interfaces), "--stats-json", run.farm_json] + list(extra)
    run.commands["argos-farm-" + link] = " ".join(cmd)
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


def _unlink_sock(link):
    if link == "memif" and os.path.exists(MEMIF_SOCK):
        os.unlink(MEMIF_SOCK)


def testpmd(run, seconds, link="af_packet"):
    """testpmd txonly on argos's end of link (CPU 0) into testpmd rxonly on the
    farm's end (CPU 1): the packets per second the link carries with frames of
    argos's echo size.  The same programs, pinning and vdevs on af_packet and
    memif, so that each link has its own I/O limit."""
    common = ["-m", "256", "--no-pci"]
    rx_log, tx_log = run.path("testpmd-rx-%s.log" % link), run.path("testpmd-tx-%s.log" % link)
    _unlink_sock(link)
    rx_cmd = (["dpdk-testpmd", "--lcores", "0@1,1@1", "--file-prefix", "cmptestpmdrx"] + common +
              ["--vdev", vdev(link, "server"), "--", "--forward-mode=rxonly",
               "--stats-period", "1", "--nb-cores=1"])
    tx_cmd = (["dpdk-testpmd", "--lcores", "0@0,1@0", "--file-prefix", "cmptestpmd"] + common +
              ["--vdev", vdev(link, "client"), "--", "--forward-mode=txonly",
               "--txpkts=98", "--stats-period", "1", "--nb-cores=1"])
    run.commands["testpmd-rxonly-" + link] = " ".join(rx_cmd)
    run.commands["testpmd-txonly-" + link] = " ".join(tx_cmd)
    rx = run.procs.start("testpmd rxonly", rx_cmd, rx_log, ns=(link != "memif"))
    if not wait_for_line(rx_log, "Port statistics", rx, EAL_READY_S):
        run.procs.stop(rx)
        raise BenchError("testpmd rxonly did not start on %s (see %s): %s"
                         % (link, rx_log, run.tail(rx_log)))
    tx = run.procs.start("testpmd txonly", tx_cmd, tx_log)
    ok = wait_for_line(tx_log, "Port statistics", tx, EAL_READY_S)
    time.sleep(seconds + 1 if ok else 0)
    run.procs.stop(tx)
    run.procs.stop(rx)
    tx_pps, rx_pps = _pps(tx_log, "Tx-pps"), _pps(rx_log, "Rx-pps")
    if not ok or tx_pps is None or rx_pps is None:
        raise BenchError("testpmd measured no packet rate on %s (see %s, %s): %s"
                         % (link, tx_log, rx_log, run.tail(tx_log)))
    return {"tx_pps": tx_pps, "rx_pps": rx_pps, "link": link}


def echo_start(run, link):
    """testpmd icmpecho on the farm's end of link (CPU 1): the peer that answers
    argos's probes when argos is measured against testpmd txonly's I/O limit,
    the same program and pinning as testpmd rxonly there.  It answers every
    ARP request and every echo request, whatever the address.
    Returns (process, log path)."""
    log = run.path("testpmd-echo-%s.log" % link)
    _unlink_sock(link)
    cmd = ["dpdk-testpmd", "--lcores", "0@1,1@1", "--file-prefix", "cmptestpmdecho", "-m", "256",
           "--no-pci", "--vdev", vdev(link, "server"), "--", "--forward-mode=icmpecho",
           "--stats-period", "1", "--nb-cores=1"]
    run.commands["testpmd-icmpecho-" + link] = " ".join(cmd)
    p = run.procs.start("testpmd icmpecho", cmd, log, ns=(link != "memif"))
    if not wait_for_line(log, "Port statistics", p, EAL_READY_S):
        run.procs.stop(p)
        raise BenchError("testpmd icmpecho did not start on %s (see %s): %s"
                         % (link, log, run.tail(log)))
    return p, log


def echo_stop(run, echo):
    """Stop testpmd icmpecho; returns the packets it received and sent over its
    run (its last cumulative port statistics)."""
    p, log = echo
    run.procs.stop(p)
    with open(log, errors="replace") as f:
        text = f.read()
    rx = [int(x) for x in re.findall(r"RX-packets:\s+(\d+)", text)]
    tx = [int(x) for x in re.findall(r"TX-packets:\s+(\d+)", text)]
    return {"rx": max(rx) if rx else None, "tx": max(tx) if tx else None}


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


def loadavg():
    """The 1, 5 and 15 minute load averages, as /proc/loadavg gives them."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def icmp_args(count=1, interval_ms=None, once=False):
    """argos's ICMP options: count probes per device and ping, interval_ms apart,
    back to back (--duration) or each device once (--once); full blast."""
    a = ["--ping-only", "--ping-count", str(count)] + FULL_BLAST
    if interval_ms is not None:
        a += ["--ping-interval", str(interval_ms)]
    return a + (["--once"] if once else [])


SNMP_ARGS = ["--snmp-only", "--oids", IFX]


def argos(run, name, link, cidr, poll, seconds, profile=False, once=False, devices=None):
    """argos --devices-cidr cidr (or --devices devices, a file: bench/sx-bench)
    with the options poll (icmp_args(), SNMP_ARGS, or modules),
    main and worker lcores on CPU 0: for seconds (--duration), or with once
    until every device is done (seconds is then a bound).  Returns its
    --summary-json plus memory and CPU figures (memory and perf only for a
    --duration run, sampled in its middle)."""
    log, js = run.path(name + ".log"), run.path(name + ".json")
    cmd = [run.argos, "--lcores", "0@0,1@0", "--file-prefix", "cmpargos", "-m", "512",
           "--no-pci", "--vdev", vdev(link, "client"), "--", "--ip", ARGOS_IP + "/24",
           "--gateway", FARM_IP] + (["--devices", devices] if devices else
                                    ["--devices-cidr", cidr]) + ["--summary-json", js] + poll
    if not once:
        cmd += ["--duration", str(seconds)]
    run.commands[name] = " ".join(cmd)
    if os.path.exists(js):
        os.unlink(js)
    p = run.procs.start("argos", cmd, log)
    if not wait_for_line(log, "argos: ready:", p, EAL_READY_S + 30):
        run.procs.stop(p)
        raise BenchError("argos did not get ready (%s): %s" % (log, run.tail(log)))
    t_ready = time.monotonic()
    mem, heap, perf, perf_note = {}, None, None, None
    if not once:
        time.sleep(seconds * 0.6)
        mem = proc_memory(p.pid) or {}
        heap = _heap_alloc("cmpargos")
        if profile and exited(p):
            perf_note = "argos had exited before perf could attach"
        elif profile:
            perf = run.path(name + ".perf.data")
            pr = subprocess.run(["perf", "record", "-q", "-g", "-o", perf, "-p", str(p.pid),
                                 "--", "sleep", str(max(1.0, seconds * 0.3))],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            if pr.returncode != 0:
                perf_note = "perf record failed: %s" % " ".join(pr.stderr.split())[:200]
    rc, cpu = run.procs.wait(p, seconds + 60 - (time.monotonic() - t_ready))
    if rc != 0 or not os.path.exists(js):
        raise BenchError("argos %s exited with status %s%s (%s): %s"
                         % (name, rc, "" if os.path.exists(js) else " and no summary", log,
                            run.tail(log)))
    with open(js) as f:
        out = json.load(f)
    out["exit_status"] = rc
    out.update({"rss_kib": mem.get("VmRSS"), "hugetlb_kib": mem.get("HugetlbPages"),
                "heap_alloc_bytes": heap, "cpu_s": cpu, "perf_data": perf,
                "perf_note": perf_note, "command": " ".join(cmd)})
    return out


def fping(run, addrs, count):
    """count sweeps of fping -C1 over addrs on CPU 0, one after the other: count
    probes per address, no gap between addresses (-i 0), the probes argos's
    --once --ping-count count sends.  Why sweeps and not one -C count run:
    fping keeps 65535 sequence numbers for 10 s and refuses more probes than
    that ("not enough sequence numbers available"), fewer than 2 per address
    at 32k addresses.  Probes/s is every probe over the sweeps' whole time."""
    lst, log = run.path("fping.list"), run.path("fping.out")
    with open(lst, "w") as f:
        f.write("\n".join(addrs) + "\n")
    cmd = ["fping", "-q", "-C1", "-i", "0", "-r", "0", "-t", "1000", "-f", lst]
    sent = got = 0
    cpu = 0.0
    kernel_on()
    try:
        t0 = time.monotonic()
        for _ in range(count):
            p = run.procs.start("fping", cmd, log, cpu=0)
            rc, c = run.procs.wait(p, 60 + len(addrs) / 1000)
            cpu += c
            with open(log, errors="replace") as f:
                res = [ln.split(" : ", 1)[1].split() for ln in f if " : " in ln]
            if len(res) != len(addrs) or rc not in (0, 1):
                raise BenchError("fping reported %d of %d addresses, status %s (%s): %s"
                                 % (len(res), len(addrs), rc, log, run.tail(log)))
            sent += len(addrs)
            got += sum(1 for r in res for x in r if x != "-")
        wall = time.monotonic() - t0
    finally:
        kernel_off()
    return {"probes_per_s": sent / wall, "matched_ratio": got / sent, "sent": sent,
            "probes_per_host": count, "cpu_s": cpu, "cpu_s_per_1k": 1000 * cpu / sent,
            "seconds": wall, "command": "%d x taskset -c 0 %s" % (count, " ".join(cmd))}


BRAA_LINE = re.compile(r"(\d+\.\d+\.\d+\.\d+):(?:\d+ms:|( Message cannot be decoded!))")


def braa(run, addrs, budget):
    """braa -2 walks of ifXTable, one per address, all in one braa process on
    CPU 0, until every walk has ended or budget seconds have passed.

    How braa walks (braa 0.82): one GETNEXT per walk and turn of its list of
    hosts, a usleep(250) between turns and 20 ms at the end of each pass, so
    it sends about 2-3k requests/s whatever the number of hosts, and a walk
    of 19 columns x --interfaces rows takes as many passes.  Its own BER
    decoder does not know the v2c exception endOfMibView, the farm's answer
    after ifXTable, the last object of its MIB: braa prints "Message cannot
    be decoded!", resends that request -r times 500 ms apart, then gives up
    the walk.  So a walk counts as complete when braa printed all of its
    varbinds and then that end (the answer to the GETNEXT past the table),
    and its time is when that end arrived: braa's retries after it and its
    -t wait are not counted against it.  Lines are timed as they come
    (stdbuf -oL)."""
    q, log = run.path("braa.queries"), run.path("braa.out")
    with open(q, "w") as f:
        f.write("".join("public@%s:161:.%s.*\n" % (a, IFX) for a in addrs))
    per_walk = IFX_COLUMNS * run.interfaces
    cmd = ["braa", "-2", "-t", "1", "-r", "3", "-a", str(int(budget)), "-f", q]
    lines, ended = {}, {}
    kernel_on()
    try:
        t0 = time.monotonic()
        p = run.procs.start("braa", ["stdbuf", "-oL"] + cmd, log, cpu=0, pipe=True)

        def reader():
            with open(log, "w") as out:
                for ln in p.stdout:
                    out.write(ln)
                    m = BRAA_LINE.match(ln)
                    if not m:
                        continue
                    host = m.group(1)
                    if m.group(2):
                        ended.setdefault(host, time.monotonic() - t0)
                    else:
                        lines[host] = lines.get(host, 0) + 1
        th = threading.Thread(target=reader)
        th.start()
        _, cpu = run.procs.wait(p, budget + 15)
        th.join(10)
        wall = time.monotonic() - t0
    finally:
        kernel_off()
    done = [h for h in addrs if lines.get(h, 0) >= per_walk and h in ended]
    vb = sum(lines.values())
    out = {"walks": len(addrs), "complete": len(done), "varbinds": vb,
           "varbinds_per_walk": per_walk, "cpu_s": cpu, "budget_s": budget,
           "run_seconds": wall, "command": "taskset -c 0 stdbuf -oL " + " ".join(cmd),
           "requests_per_s": vb / wall if wall else None}
    if len(done) == len(addrs):
        t = max(ended[h] for h in done)
        out.update({"seconds": t, "walks_per_s": len(done) / t,
                    "cpu_s_per_1k": 1000 * cpu / len(done)})
    else:
        out.update({"seconds": wall, "walks_per_s": None, "cpu_s_per_1k": None,
                    "note": "braa completed %d of %d walks in %d s (%d varbinds of %d)"
                    % (len(done), len(addrs), budget, vb, per_walk * len(addrs))})
    return out


def braa_estimate(devices, interfaces, rate):
    """Seconds braa would need to walk ifXTable on devices at rate requests/s."""
    return devices * (IFX_COLUMNS * interfaces + 1) / rate


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
            "cpu_s_per_1k": 1000 * cpu / ok, "seconds": wall, "parallel": parallel,
            "command": "taskset -c 0 prometheus-snmp-exporter --config.file=bench/compare.d/"
                       "snmp.yml; %d clients each GET /snmp?module=if_mib&target=ADDRESS, "
                       "every address at most once, for %d s" % (parallel, seconds)}
