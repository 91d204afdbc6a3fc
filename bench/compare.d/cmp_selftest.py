#!/usr/bin/env python3
# cmp_selftest.py RUN.json - the report of bench/compare gives a ratio only
# against a peer that completed its work: from a run's own figures (its
# --json), the section as written names an argos/peer ratio for braa and
# snmp_exporter when both completed, and none once braa is one walk short
# and snmp_exporter one scrape short; and it names the limits argos ran
# under and the exact command of each peer's figure.  Exits 0 when that holds, 1 (saying
# what was wrong) otherwise.  Used by tests/integration/bench_compare_quick.sh.
import copy
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cmp_report  # noqa: E402


def rows(text):
    """The braa and snmp_exporter rows of the peers table."""
    return [ln for ln in text.splitlines()
            if ln.startswith("| braa") or ln.startswith("| snmp_exporter")]


def main():
    r = json.load(open(sys.argv[1]))
    h = r["points"][str(r["headline"])]
    b = r["points"][str(r["braa_devices"])]
    if not (cmp_report.braa_done(b.get("braa")) and cmp_report.exporter_done(h.get("exporter"))):
        print("cmp_selftest: the run's braa or snmp_exporter did not complete; nothing to cut")
        return 1
    text = cmp_report.section(r)
    # Each figure names the limits it ran under and the command that made it.
    need = ["Limits argos ran under", r["full_blast"], "--max-inflight",
            "%d probes to every device" % r["probes_per_device"], "Exact commands of this run"]
    need += ["- %s: `" % k for k in ("fping", "braa", "snmp_exporter", "testpmd-txonly-memif",
                                     "testpmd-icmpecho-memif", "argos-blast-memif")]
    missing = [x for x in need if x not in text]
    if missing:
        print("cmp_selftest: the report does not name %s" % missing)
        return 1
    whole = rows(text)
    if len(whole) != 2 or any("argos " not in ln.split("|")[-2] for ln in whole):
        print("cmp_selftest: with complete peers the report gave no ratio: %s" % whole)
        return 1
    cut_r = copy.deepcopy(r)
    cut_r["points"][str(r["braa_devices"])]["braa"]["complete"] -= 1
    cut_r["points"][str(r["headline"])]["exporter"]["walks"] -= 1
    text = cmp_report.section(cut_r)
    cut = rows(text)
    bad = [ln for ln in cut if "no ratio" not in ln or "argos " in ln.split("|")[-2]]
    targets = [t for t in cmp_report.targets(cut_r) if "braa" in t[0] or "exporter" in t[0]]
    if len(cut) != 2 or bad or any(met or "no ratio" not in fig for _, met, fig in targets):
        print("cmp_selftest: a ratio against a peer that did not complete: %s %s" % (bad, targets))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
