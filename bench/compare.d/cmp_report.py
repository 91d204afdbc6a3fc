# cmp_report.py - bench/compare's figures as the `compare` section of
# docs/benchmarks.md (between its BEGIN/END markers, nothing else is
# touched) and as a gnuplot plot of polls/s against device count.
import os
import re
import subprocess

BEGIN, END = "<!-- BEGIN compare -->", "<!-- END compare -->"


def _f(v, fmt="%.0f"):
    return "n/a" if v is None else fmt % v


def _ratio(a, b):
    return "n/a" if not a or not b else "%.2fx" % (a / b)


def machine():
    """lscpu model, CPUs, kernel."""
    model = "unknown"
    out = subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True).stdout
    m = re.search(r"Model name:\s*(.+)", out)
    if m:
        model = m.group(1).strip()
    return "%s, %d CPUs, kernel %s" % (model, os.cpu_count(), os.uname().release)


def _targets(r):
    """Each target of the issue: (text, met?, figure)."""
    h = r["points"][str(r["headline"])]
    ai, asn = h.get("argos_icmp") or {}, h.get("argos_snmp") or {}
    tp = (r.get("testpmd") or {}).get("tx_pps")
    out = []
    ratio = ai.get("icmp_probes_per_s", 0) / tp if tp else None
    out.append(("ICMP >= 90% of testpmd txonly pps, >= 99.9% matched",
                ratio is not None and ratio >= 0.9 and ai.get("matched_ratio", 0) >= 0.999,
                "%s of testpmd, %s matched" % (_f(ratio and 100 * ratio, "%.1f%%"),
                                                _f(ai.get("matched_ratio", 0) * 100, "%.2f%%"))))
    for peer, want in (("braa", 50), ("exporter", 20)):
        p = (h.get(peer) or {}).get("walks_per_s")
        x = asn.get("snmp_polls_per_s", 0) / p if p else None
        out.append(("SNMP >= %dx %s (walks/s)" % (want, peer), x is not None and x >= want,
                    _f(x, "%.2fx")))
    mem = r.get("memory_per_device_bytes")
    out.append(("dataplane memory <= 1 KiB per device at 1M devices",
                mem is not None and mem <= 1024, _f(mem, "%.0f B per device")))
    return out


def section(r):
    """The markdown between the markers."""
    n = r["headline"]
    h = r["points"][str(n)]
    ai, asn, fp, br, ex = (h.get(k) or {} for k in
                           ("argos_icmp", "argos_snmp", "fping", "braa", "exporter"))
    tp, mi, ms = r.get("testpmd") or {}, r.get("memif_icmp") or {}, r.get("memif_snmp") or {}
    L = ["## argos against testpmd, fping, braa and snmp_exporter (bench/compare)", "",
         "- Date: %s; machine: %s." % (r["date"], r["machine"]),
         "- Command: `%s` (%s mode; %d simulated devices of %d interfaces at the headline)."
         % (r["command"], r["mode"], n, r["interfaces"]),
         "- Link: veth argosc0 (host, argos or the tool) / argosc1 (namespace argos-cmp, "
         "argos-farm) on net_af_packet; then memif between argos and the farm.",
         "- Pinning (2 CPUs): the farm and testpmd's receiver on CPU 1 (`--lcores 0@1`); "
         "argos's main and worker lcores on CPU 0 (`--lcores 0@0,1@0`), and each peer "
         "(testpmd txonly, fping, braa, snmp_exporter) on CPU 0 with taskset.  Every tool "
         "gets one CPU; the host also runs other test beds, so absolute figures are noisy "
         "and the ratios, measured in the same run, are the result.",
         "- argos's CPU per 1k polls is one busy-polling core over the run; the kernel "
         "tools' CPU is their own utime + stime (rusage, or /proc/PID/stat for "
         "snmp_exporter), without the farm's.", "",
         "| measurement | figure | matched | CPU s per 1k | argos / peer |",
         "|---|---|---|---|---|",
         "| testpmd txonly (I/O limit, 98-byte frames; best of %s) | %s pps | | | |" % (
             ", ".join(_f(t.get("tx_pps")) for t in r.get("testpmd_runs", [])) or "one run",
             _f(tp.get("tx_pps"))),
         "| testpmd rxonly, other end of the link | %s pps | | | |" % _f(tp.get("rx_pps")),
         "| argos ICMP (af_packet) | %s probes/s | %s | %s | %s of testpmd txonly |" % (
             _f(ai.get("icmp_probes_per_s")), _f(ai.get("matched_ratio", 0) * 100, "%.2f%%"),
             _f(ai.get("cpu_s_per_1k"), "%.3f"),
             _ratio(ai.get("icmp_probes_per_s"), tp.get("tx_pps"))),
         "| fping -C1 -i 0 | %s probes/s | %s | %s | argos %s |" % (
             _f(fp.get("probes_per_s")), _f(fp.get("matched_ratio", 0) * 100, "%.2f%%"),
             _f(fp.get("cpu_s_per_1k"), "%.3f"),
             _ratio(ai.get("icmp_probes_per_s"), fp.get("probes_per_s"))),
         "| argos ifXTable walks (af_packet) | %s walks/s | %s | %s | |" % (
             _f(asn.get("snmp_polls_per_s"), "%.1f"),
             _f(asn.get("matched_ratio", 0) * 100, "%.2f%%"), _f(asn.get("cpu_s_per_1k"), "%.3f")),
         "| braa -2 walks (GETNEXT) | %s walks/s | %s complete | %s | argos %s |" % (
             _f(br.get("walks_per_s"), "%.1f"), _f(br.get("complete")),
             _f(br.get("cpu_s_per_1k"), "%.3f"),
             _ratio(asn.get("snmp_polls_per_s"), br.get("walks_per_s"))),
         "| snmp_exporter if_mib, %d scrapes at once | %s walks/s | %s of %s | %s | argos %s |"
         % (r["parallel"], _f(ex.get("walks_per_s"), "%.1f"), _f(ex.get("walks")),
            _f(ex.get("asked")), _f(ex.get("cpu_s_per_1k"), "%.3f"),
            _ratio(asn.get("snmp_polls_per_s"), ex.get("walks_per_s"))),
         "| argos ICMP over memif (%s devices) | %s probes/s | %s | | %s of af_packet |" % (
             r.get("memif_devices"),
             _f(mi.get("icmp_probes_per_s")), _f(mi.get("matched_ratio", 0) * 100, "%.2f%%"),
             _ratio(mi.get("icmp_probes_per_s"), ai.get("icmp_probes_per_s"))),
         "| argos ifXTable walks over memif (%s devices) | %s walks/s | %s | | %s of af_packet |" % (
             r.get("memif_devices"),
             _f(ms.get("snmp_polls_per_s"), "%.1f"),
             _f(ms.get("matched_ratio", 0) * 100, "%.2f%%"),
             _ratio(ms.get("snmp_polls_per_s"), asn.get("snmp_polls_per_s"))),
         "", "Farm loss over the whole run (tx dropped, queue full, imissed, rx_nombuf): "
         "af_packet %s, memif %s." % (r.get("farm_loss_af_packet"), r.get("farm_loss_memif")),
         "", "Memory of argos (SNMP runs, sampled mid-run): DPDK heap allocated "
         "(dpdk-telemetry /eal/heap_info), hugepages mapped and RSS (/proc/PID/status).", "",
         "| devices | heap allocated | hugepages mapped | RSS |", "|---|---|---|---|"]
    for k in sorted(r["points"], key=int):
        s = r["points"][k].get("argos_snmp") or {}
        L.append("| %s | %s MiB | %s MiB | %s MiB |" % (
            k, _f(s.get("heap_alloc_bytes") and s["heap_alloc_bytes"] / 2**20, "%.1f"),
            _f(s.get("hugetlb_kib") and s["hugetlb_kib"] / 1024, "%.1f"),
            _f(s.get("rss_kib") and s["rss_kib"] / 1024, "%.1f")))
    L += ["", r.get("memory_note", ""), "", "| target | met | figure |", "|---|---|---|"]
    for text, met, fig in _targets(r):
        L.append("| %s | %s | %s |" % (text, "yes" if met else "**no**", fig))
    if len(r["points"]) > 1:
        L += ["", "Polls per second against device count (same run): "
              "![polls/s against devices](%s)" % os.path.basename(r["plot"] or "")]
    L += ["", "### Why targets are missed", ""] + r.get("analysis", [])
    for prof in r.get("profile") or []:
        L += ["", "Profile (`%s`), self time:" % prof["command"], "",
              "| share | command, object, symbol |", "|---|---|"]
        L += ["| %s | `%s` |" % (s, sym) for s, sym in prof["top"]]
        if not prof["top"]:
            L.append("| - | %s |" % (prof.get("note") or "no samples"))
    return "\n".join(L) + "\n"


def write_docs(path, text):
    """Replace the text between the compare markers of path (append them if missing)."""
    with open(path) as f:
        doc = f.read()
    if BEGIN in doc and END in doc:
        a, rest = doc.split(BEGIN, 1)
        _, b = rest.split(END, 1)
        doc = a + BEGIN + "\n" + text + END + b
    else:
        doc = doc.rstrip("\n") + "\n\n" + BEGIN + "\n" + text + END + "\n"
    with open(path + ".tmp", "w") as f:
        f.write(doc)
    os.replace(path + ".tmp", path)


def plot(r, data, gp, out):
    """polls/s of every tool against device count, with gnuplot, into out (SVG)."""
    cols = [("argos_icmp", "icmp_probes_per_s"), ("fping", "probes_per_s"),
            ("argos_snmp", "snmp_polls_per_s"), ("braa", "walks_per_s"),
            ("exporter", "walks_per_s")]
    with open(data, "w") as f:
        f.write("# devices argos_icmp fping argos_snmp braa exporter\n")
        for k in sorted(r["points"], key=int):
            p = r["points"][k]
            f.write(k + " " + " ".join(_f((p.get(t) or {}).get(c), "%.3f").replace("n/a", "NaN")
                                       for t, c in cols) + "\n")
    subprocess.run(["gnuplot", "-e", "data='%s'; out='%s'" % (data, out), gp], check=True)
