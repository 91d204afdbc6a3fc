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


def _pct(v):
    return _f(None if v is None else 100 * v, "%.2f%%")


def icmp_ratio(r, link):
    """argos's probes/s at full blast over testpmd txonly's pps on link, or None."""
    b = r.get("blast_" + link) or {}
    t = (r.get("testpmd") if link == "af_packet" else r.get("testpmd_memif")) or {}
    if not b.get("icmp_probes_per_s") or not t.get("tx_pps"):
        return None
    return b["icmp_probes_per_s"] / t["tx_pps"]


def braa_done(b):
    """True when braa completed every walk it was given."""
    return bool(b) and b.get("walks_per_s") is not None and b.get("complete") == b.get("walks")


def exporter_done(e):
    """True when every scrape snmp_exporter was asked for returned a whole table."""
    return bool(e) and e.get("walks", 0) > 0 and e.get("walks") == e.get("asked")


def fping_done(f):
    """True when fping reported every probe of every address (answered or not)."""
    return bool(f) and f.get("sent", 0) > 0


def braa_ratio(r):
    """argos's ifXTable walks/s over braa's, both on braa's devices, or None
    when braa did not complete every walk."""
    p = r["points"].get(str(r.get("braa_devices"))) or {}
    b, a = p.get("braa"), p.get("argos_snmp") or {}
    if not braa_done(b) or not a.get("snmp_polls_per_s"):
        return None
    return a["snmp_polls_per_s"] / b["walks_per_s"]


def exporter_ratio(r):
    """argos's walks/s over snmp_exporter's at the headline, or None when the
    exporter did not complete what it was asked."""
    h = r["points"][str(r["headline"])]
    e, a = h.get("exporter"), h.get("argos_snmp") or {}
    if not exporter_done(e) or not a.get("snmp_polls_per_s"):
        return None
    return a["snmp_polls_per_s"] / e["walks_per_s"]


def targets(r):
    """Each target of the issue: (goal, met?, figure).  A ratio against a peer
    that did not complete its work is no figure: the target is then not met
    and the figure says why."""
    out = []
    for link in ("af_packet", "memif"):
        x, b = icmp_ratio(r, link), r.get("blast_" + link) or {}
        out.append(("ICMP >= 90%% of testpmd txonly pps, >= 99.9%% matched (%s)" % link,
                    x is not None and x >= 0.9 and b.get("matched_ratio", 0) >= 0.999,
                    "%s of testpmd, %s matched" % (_f(x and 100 * x, "%.1f%%"),
                                                    _pct(b.get("matched_ratio")))))
    x = braa_ratio(r)
    p = r["points"].get(str(r.get("braa_devices"))) or {}
    b = p.get("braa") or {}
    out.append(("SNMP walks >= 50x braa", x is not None and x >= 50,
                "%.0fx (%d devices, braa completed %d of %d walks)"
                % (x, r["braa_devices"], b["complete"], b["walks"]) if x is not None else
                "no ratio: braa completed %s of %s walks" % (b.get("complete"), b.get("walks"))))
    x = exporter_ratio(r)
    e = r["points"][str(r["headline"])].get("exporter") or {}
    out.append(("SNMP walks >= 20x snmp_exporter", x is not None and x >= 20,
                "%.1fx (%d devices, %d of %d scrapes whole)"
                % (x, r["headline"], e["walks"], e["asked"]) if x is not None else
                "no ratio: snmp_exporter returned %s of %s scrapes whole"
                % (e.get("walks"), e.get("asked"))))
    pc = r.get("pacing") or {}
    if pc:
        runs = [pc.get(k) or {} for k in ("icmp_auto", "get_auto", "walk_auto")]
        worst = min(x.get("matched_ratio", 0) for x in runs)
        out.append(("matched >= 99.9% at full blast with --pace auto (af_packet)", worst >= 0.999,
                    "lowest %s (ICMP, single GETs, ifXTable walks; %d devices)"
                    % (_pct(worst), pc["devices"])))
    mem = r.get("memory_per_device_bytes")
    out.append(("dataplane memory <= 1 KiB per device at 1M devices",
                mem is not None and mem <= 1024, _f(mem, "%.0f B per device")))
    return out


def section(r):
    """The markdown between the markers."""
    n = r["headline"]
    h = r["points"][str(n)]
    ai, asn, fp, ex = (h.get(k) or {} for k in ("argos_icmp", "argos_snmp", "fping", "exporter"))
    bn = r.get("braa_devices")
    bp = r["points"].get(str(bn)) or {}
    br, abr = bp.get("braa") or {}, bp.get("argos_snmp") or {}
    tp, tm = r.get("testpmd") or {}, r.get("testpmd_memif") or {}
    mi, ms = r.get("memif_icmp") or {}, r.get("memif_snmp") or {}
    K = r.get("probes_per_device")
    L = ["## argos against testpmd, fping, braa and snmp_exporter (bench/compare)", "",
         "- Date: %s; load average at the start: %s (at the end: %s); machine: %s.  The "
         "machine is shared with other test beds: figures move from run to run, the ratios "
         "measured within one run are the result."
         % (r["date"], r.get("load_start"), r.get("load_end"), r["machine"]),
         "- Command: `%s` (%s mode, %.0f s; %d simulated devices of %d interfaces at the "
         "headline)." % (r["command"], r["mode"], r.get("seconds", 0), n, r["interfaces"]),
         ] + (["- Text written anew by `%s` from this run's figures (no new measurement)."
              % r["reported_by"]] if r.get("reported_by") else []) + [
         "- Link: veth argosc0 (host: argos, testpmd txonly or the kernel tool) / argosc1 "
         "(namespace argos-cmp: argos-farm, testpmd rxonly or icmpecho) on net_af_packet; "
         "then memif between the same two ends, where the kernel is out of the path.",
         "- Pinning (2 CPUs): the farm and testpmd's receiving end (rxonly, icmpecho) on CPU 1; "
         "argos's main and worker lcores on CPU 0 (`--lcores 0@0,1@0`), and each peer (testpmd "
         "txonly, fping, braa, snmp_exporter) on CPU 0 with taskset.",
         "- argos paces itself in every run (`--pace auto`, its default: the send rate "
         "follows what the link answers, docs/argos.1.md); the pacing section below runs "
         "the same work with `--pace off` beside it.",
         "- Limits argos ran under: every ICMP run lifts the pacing knob `%s` (default 100 "
         "ping jobs started per loop turn, about 100k/s: the cap of earlier runs); "
         "`--max-inflight` is its default, 8192 jobs per core; one worker.  ICMP against "
         "fping: both send %d probes to every device (argos `--once --ping-count %d "
         "--ping-interval %d`, fping %d sweeps of `-C1 -i 0`), and each rate is all probes "
         "over the time to the last answer.  SNMP: argos walks ifXTable back to back for the "
         "run's seconds (GETBULK, max-repetitions 25)."
         % (r.get("full_blast"), K, K, r.get("ping_interval_ms"), K),
         "- A peer's rate is compared only when the peer completed its work: its completion "
         "is shown next to its rate.", ""]
    # I/O limits and argos at full blast.
    L += ["### ICMP against testpmd on the same link (%s devices)" % r.get("blast_devices"), "",
          "| link | testpmd txonly -> rxonly (I/O limit, 98-byte frames) | argos ICMP at full "
          "blast against testpmd icmpecho | matched | argos / testpmd txonly | argos with the "
          "default --ping-batch-count 100 |", "|---|---|---|---|---|---|"]
    for link, t in (("af_packet", tp), ("memif", tm)):
        b, c = r.get("blast_" + link) or {}, r.get("capped_" + link) or {}
        runs = r.get("testpmd_runs", []) if link == "af_packet" else [t]
        L.append("| %s | %s pps tx, %s pps rx%s | %s probes/s (%s sent, %s answered) | %s | "
                 "%s | %s |" % (
                     link, _f(t.get("tx_pps")), _f(t.get("rx_pps")),
                     " (best of %s)" % ", ".join(_f(x.get("tx_pps")) for x in runs)
                     if len(runs) > 1 else "",
                     _f(b.get("icmp_probes_per_s")), _f(b.get("ping_sent")),
                     _f(b.get("ping_matched")), _pct(b.get("matched_ratio")),
                     _f(icmp_ratio(r, link), "%.2fx"),
                     "%s probes/s, %s matched" % (_f(c.get("icmp_probes_per_s")),
                                                  _pct(c.get("matched_ratio"))) if c else "not run"))
    # Peers at the headline.
    L += ["", "### Peers against argos-farm (%d devices unless said)" % n, "",
          "| measurement | work | completed | rate | matched | CPU s per 1k | argos / peer |",
          "|---|---|---|---|---|---|---|"]
    L.append("| argos ICMP, af_packet | %d x %s probes | %s sent, %s answered | %s probes/s | %s "
             "| one core | |" % (n, K, _f(ai.get("ping_sent")), _f(ai.get("ping_matched")),
                                 _f(ai.get("icmp_probes_per_s")), _pct(ai.get("matched_ratio"))))
    L.append("| fping, %s sweeps of -C1 -i 0 | %d x %s probes | %s | %s probes/s | %s | %s | %s |"
             % (K, n, K, "%s sent, every address reported" % _f(fp.get("sent"))
                if fping_done(fp) else "**did not complete**",
                _f(fp.get("probes_per_s")), _pct(fp.get("matched_ratio")),
                _f(fp.get("cpu_s_per_1k"), "%.3f"),
                "argos %.2fx" % (ai["icmp_probes_per_s"] / fp["probes_per_s"])
                if fping_done(fp) and ai.get("icmp_probes_per_s") else "no ratio"))
    L.append("| argos ifXTable walks, af_packet | back to back, %d s | %s walks ok, %s failed | "
             "%s walks/s | %s | %s | |" % (
                 r.get("run_seconds", 0), _f(asn.get("snmp_polls_ok")),
                 _f(asn.get("snmp_polls_failed")), _f(asn.get("snmp_polls_per_s"), "%.1f"),
                 _pct(asn.get("matched_ratio")), _f(asn.get("cpu_s_per_1k"), "%.3f")))
    L.append("| snmp_exporter if_mib, %d scrapes at once | scrapes for %d s | %s | %s walks/s | "
             "| %s | %s |" % (
                 r["parallel"], r.get("run_seconds", 0),
                 "%s of %s whole" % (_f(ex.get("walks")), _f(ex.get("asked"))) if ex else "not run",
                 _f(ex.get("walks_per_s"), "%.1f"), _f(ex.get("cpu_s_per_1k"), "%.3f"),
                 "argos %.1fx" % exporter_ratio(r) if exporter_ratio(r) else
                 "no ratio: did not complete"))
    if bn != n:
        L.append("| argos ifXTable walks, af_packet, %s devices | back to back, %d s | %s walks ok, "
                 "%s failed | %s walks/s | %s | %s | |" % (
                     bn, r.get("run_seconds", 0), _f(abr.get("snmp_polls_ok")),
                     _f(abr.get("snmp_polls_failed")), _f(abr.get("snmp_polls_per_s"), "%.1f"),
                     _pct(abr.get("matched_ratio")), _f(abr.get("cpu_s_per_1k"), "%.3f")))
    L.append("| braa -2 (GETNEXT), %s devices | one walk of every device | %s of %s walks "
             "complete | %s walks/s (%s requests/s) | | %s | %s |" % (
                 bn, _f(br.get("complete")), _f(br.get("walks")),
                 _f(br.get("walks_per_s"), "%.2f"), _f(br.get("requests_per_s")),
                 _f(br.get("cpu_s_per_1k"), "%.1f"),
                 "argos %.0fx" % braa_ratio(r) if braa_ratio(r) else
                 "no ratio: braa did not complete"))
    L.append("| argos ICMP over memif | %s x %s probes | %s sent, %s answered | %s probes/s | %s "
             "| | %s of af_packet |" % (
                 r.get("memif_devices"), K, _f(mi.get("ping_sent")), _f(mi.get("ping_matched")),
                 _f(mi.get("icmp_probes_per_s")), _pct(mi.get("matched_ratio")),
                 _ratio(mi.get("icmp_probes_per_s"), ai.get("icmp_probes_per_s"))))
    L.append("| argos ifXTable walks over memif | back to back, %d s | %s walks ok, %s failed | "
             "%s walks/s | %s | | %s of af_packet |" % (
                 r.get("run_seconds", 0), _f(ms.get("snmp_polls_ok")),
                 _f(ms.get("snmp_polls_failed")), _f(ms.get("snmp_polls_per_s"), "%.1f"),
                 _pct(ms.get("matched_ratio")),
                 _ratio(ms.get("snmp_polls_per_s"), asn.get("snmp_polls_per_s"))))
    if br:
        L += ["", "What had stopped braa, and the fix: earlier runs gave braa every device of "
              "the headline set for 15 s (`-a 15`) and counted its varbinds / varbinds per "
              "walk as walks; at its rate one walk of each of 32766 devices takes hours, so it "
              "completed none.  The fix is in the invocation and the judging, not in the farm "
              "or in braa: braa walks the smallest set of devices, all to the end, within a "
              "budget it meets, and a walk counts only when every varbind of it and then the "
              "end of the table have arrived."]
        L += ["", "braa's walks: %s  A walk is complete when braa printed its %s varbinds and "
              "then the farm's endOfMibView after the table, which braa cannot decode (\"Message "
              "cannot be decoded!\"): it retries that request and gives the walk up, so its "
              "time is counted to that answer, not to braa's exit.  braa sends one request per "
              "turn of its host list with a usleep(250) between turns and 20 ms at the end of "
              "each pass: about %s requests/s here, whatever the number of devices, so the "
              "larger sets of devices would take it %s."
              % ("`%s`." % br.get("command") if br.get("command") else "",
                 br.get("varbinds_per_walk"), _f(br.get("requests_per_s")),
                 _braa_longer(r, br))]
    lost = [x for x in (ai, fp) if x.get("matched_ratio", 1) < 1]
    if lost and r.get("farm_loss_af_packet") == 0:
        L += ["", "ICMP against the farm at %d devices: argos had %s of its probes answered, "
              "fping %s, though the farm's counters show no loss (below): the probes or "
              "replies of a burst of thousands were lost where the farm does not count, in "
              "the kernel's veth and af_packet rings or at the receiver (argos's af_packet "
              "ring, fping's socket buffer); both tools send through the same path, and this "
              "run does not tell those places apart." % (n, _pct(ai.get("matched_ratio")), _pct(fp.get("matched_ratio")))]
    L += ["", "Farm loss over the whole run (tx dropped, queue full, imissed, rx_nombuf): "
          "af_packet %s, memif %s." % (r.get("farm_loss_af_packet"), r.get("farm_loss_memif"))]
    # Every device count.
    if len(r["points"]) > 1:
        L += ["", "Every device count (same run; load average at the start of each):", "",
              "| devices | load | argos ICMP (matched) | fping (matched) | argos walks/s "
              "(matched) | braa walks/s (complete) | snmp_exporter walks/s (whole) |",
              "|---|---|---|---|---|---|---|"]
        for k in sorted(r["points"], key=int):
            p = r["points"][k]
            a_, f_, s_, b_, e_ = (p.get(x) or {} for x in
                                  ("argos_icmp", "fping", "argos_snmp", "braa", "exporter"))
            L.append("| %s | %s | %s (%s) | %s (%s) | %s (%s) | %s | %s |" % (
                k, p.get("load", ""), _f(a_.get("icmp_probes_per_s")), _pct(a_.get("matched_ratio")),
                _f(f_.get("probes_per_s")), _pct(f_.get("matched_ratio")),
                _f(s_.get("snmp_polls_per_s"), "%.1f"), _pct(s_.get("matched_ratio")),
                "%s (%s of %s)" % (_f(b_.get("walks_per_s"), "%.2f"), b_["complete"], b_["walks"])
                if b_ else "not run",
                "%s (%s of %s)" % (_f(e_.get("walks_per_s"), "%.1f"), e_.get("walks"),
                                   e_.get("asked")) if e_ else "not run"))
    pc = r.get("pacing") or {}
    if pc:
        L += ["", "### argos paces itself: --pace auto against --pace off (%d devices, af_packet, "
              "full blast)" % pc["devices"], "",
              "Every argos run of this section paces itself (`--pace auto`, the default); here "
              "the same work runs again with `--pace off`, against the same farm in the same "
              "run.  Matched = replies matched / requests sent (retries and probes included).", "",
              "| work | --pace | rate | matched | retries | paced rate at the end (cuts) | "
              "auto / off |", "|---|---|---|---|---|---|---|"]
        for what, key, unit in (("ICMP, %d x 3 probes, --once" % pc["devices"], "icmp",
                                 "icmp_probes_per_s"),
                                ("single GETs (sysUpTime), back to back", "get",
                                 "snmp_polls_per_s")):
            for m in ("auto", "off"):
                x = pc.get("%s_%s" % (key, m)) or {}
                o = pc.get("%s_off" % key) or {}
                L.append("| %s | %s | %s %s | %s | %s | %s | %s |" % (
                    what, m, _f(x.get(unit), "%.0f"), "probes/s" if key == "icmp" else "polls/s",
                    _pct(x.get("matched_ratio")), x.get("snmp_retries", 0),
                    "%s (%s)" % (_f(x.get("pace_rate_pps")), x.get("pace_backoffs"))
                    if m == "auto" else "-",
                    _ratio(x.get(unit), o.get(unit)) if m == "auto" else ""))
        w = pc.get("walk_auto") or {}
        L.append("| ifXTable walks (the headline above) | auto | %s walks/s | %s | %s | %s (%s) "
                 "| |" % (_f(w.get("snmp_polls_per_s"), "%.1f"), _pct(w.get("matched_ratio")),
                          w.get("snmp_retries", 0), _f(w.get("pace_rate_pps")),
                          w.get("pace_backoffs")))
        ia, io = pc.get("icmp_auto") or {}, pc.get("icmp_off") or {}
        if io.get("matched_ratio", 1) < 0.999 <= ia.get("matched_ratio", 0):
            L += ["", "Why --pace off loses probes here and --pace auto does not: with --once "
                  "every device is due at the start, and without pacing argos starts %d ping jobs "
                  "as fast as its core can (--max-inflight at a time): %d of %d probes went "
                  "unanswered though the farm counted no loss (%s), so they were lost in the "
                  "kernel's veth and af_packet rings, which a burst of thousands overflows.  "
                  "Paced, argos starts at 20,000 packets/s and grows x1.25 every 100 ms while "
                  "every probe comes back, so that burst never forms; its rate over the run "
                  "(every probe over the time to the last answer) is %s the unpaced one." % (pc["devices"], io["ping_sent"] - io["ping_matched"],
                                        io["ping_sent"], "farm loss %s on af_packet over the run"
                                        % r.get("farm_loss_af_packet"),
                                        _ratio(ia.get("icmp_probes_per_s"),
                                               io.get("icmp_probes_per_s")))]
    L += ["", "Memory of argos (SNMP runs, sampled mid-run): DPDK heap allocated "
          "(dpdk-telemetry /eal/heap_info), hugepages mapped and RSS (/proc/PID/status).", "",
          "| devices | heap allocated | hugepages mapped | RSS |", "|---|---|---|---|"]
    for k in sorted(r["points"], key=int):
        s = r["points"][k].get("argos_snmp") or {}
        L.append("| %s | %s MiB | %s MiB | %s MiB |" % (
            k, _f(s.get("heap_alloc_bytes") and s["heap_alloc_bytes"] / 2**20, "%.1f"),
            _f(s.get("hugetlb_kib") and s["hugetlb_kib"] / 1024, "%.1f"),
            _f(s.get("rss_kib") and s["rss_kib"] / 1024, "%.1f")))
    L += ["", r.get("memory_note", ""), "", "| target | met | figure |", "|---|---|---|"]
    for text, met, fig in targets(r):
        L.append("| %s | %s | %s |" % (text, "yes" if met else "**no**", fig))
    if len(r["points"]) > 1:
        L += ["", "Polls per second against device count (same run): "
              "![polls/s against devices](%s)" % os.path.basename(r["plot"] or "")]
    L += ["", "### Why targets are missed", ""] + r.get("analysis", [])
    for prof in r.get("profile") or []:
        L += ["", "Profile of argos, %s (`%s`), self time:" % (prof["what"], prof["command"]), "",
              "| share | command, object, symbol |", "|---|---|"]
        L += ["| %s | `%s` |" % (s, sym) for s, sym in prof["top"]]
        if not prof["top"]:
            L.append("| - | %s |" % (prof.get("note") or "no samples"))
    L += ["", "Exact commands of this run (argos's own options after `--`):", ""]
    for k, c in sorted((r.get("commands") or {}).items()):
        L.append("- %s: `%s`" % (k, c))
    return "\n".join(L) + "\n"


def _braa_longer(r, br):
    """How long braa would need for the larger device counts, at its own rate."""
    rate = br.get("requests_per_s")
    if not rate:
        return "longer"
    per = br["varbinds_per_walk"] + 1
    out = []
    for k in sorted(r["points"], key=int):
        if int(k) > r.get("braa_devices", 0) and "fping" in r["points"][k]:
            sec = int(k) * per / rate
            out.append("%s devices about %s" % (k, "%.0f min" % (sec / 60) if sec < 5400
                                                   else "%.1f h" % (sec / 3600)))
    return ", ".join(out) if out else "longer"


SECTION_NAME = "argos against testpmd, fping, braa and snmp_exporter"
# The rows of the summary table at the top of docs/benchmarks.md that this
# benchmark feeds, by the start of their first cell.
SUMMARY_KEYS = ("ICMP >= 90%", "SNMP walks >= 50x braa", "SNMP walks >= 20x snmp_exporter",
                "dataplane memory <= 1 KiB", "matched >= 99.9% at full blast")


def summary_rows(r):
    """The summary table's rows this run feeds: {key: markdown row}."""
    t = {text: (met, fig) for text, met, fig in targets(r)}
    ia = t["ICMP >= 90% of testpmd txonly pps, >= 99.9% matched (af_packet)"]
    im = t["ICMP >= 90% of testpmd txonly pps, >= 99.9% matched (memif)"]
    rows = {}
    rows[SUMMARY_KEYS[0]] = (
        "| ICMP >= 90%% of testpmd txonly's pps on the same link, >= 99.9%% matched | "
        "af_packet: %s; memif: %s (argos at full blast, --ping-batch-count lifted) | %s | %s |"
        % (ia[1], im[1], "yes" if ia[0] and im[0] else "no", SECTION_NAME))
    for key, text in ((SUMMARY_KEYS[1], "SNMP walks >= 50x braa"),
                      (SUMMARY_KEYS[2], "SNMP walks >= 20x snmp_exporter"),
                      (SUMMARY_KEYS[3], "dataplane memory <= 1 KiB per device at 1M devices")):
        met, fig = t[text]
        m = r.get("memory")
        if key == SUMMARY_KEYS[3] and m:
            fig = ("DPDK heap %.0f B per device, fixed at %.0f MiB (sized by --max-inflight); "
                   "RSS %.0f B per device; %.0f B per device extrapolated to 1M"
                   % (m["heap_per_device"], m["heap_fixed_mib"], m["rss_per_device"],
                      m["per_device_at_1m"]))
        rows[key] = "| %s | %s | %s | %s |" % (text, fig, "yes" if met else "no", SECTION_NAME)
    pace = "matched >= 99.9% at full blast with --pace auto (af_packet)"
    if pace in t:
        met, fig = t[pace]
        rows[SUMMARY_KEYS[4]] = ("| matched >= 99.9%% at full blast, argos pacing itself "
                                 "(issue 14) | %s | %s | %s |"
                                 % (fig, "yes" if met else "no", SECTION_NAME))
    return rows


def write_docs(path, text, rows=None):
    """Replace the text between the compare markers of path (append them if
    missing) and the summary table's rows this benchmark feeds (rows: key ->
    row; a row whose first cell starts with key is replaced; none is added)."""
    with open(path) as f:
        doc = f.read()
    if BEGIN in doc and END in doc:
        a, rest = doc.split(BEGIN, 1)
        _, b = rest.split(END, 1)
        doc = a + BEGIN + "\n" + text + END + b
    else:
        doc = doc.rstrip("\n") + "\n\n" + BEGIN + "\n" + text + END + "\n"
    if rows:
        head, sep, tail = doc.partition(BEGIN)
        out = []
        for ln in head.split("\n"):
            for key, row in rows.items():
                if ln.startswith("| " + key):
                    ln = row
            out.append(ln)
        doc = "\n".join(out) + sep + tail
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
