#!/usr/bin/env python3
"""Compare `spoor scope --format json` with a simulation's ground truth.

    scope-vs-truth.py SCOPE.json TRUTH_DIR [--json]

Prints precision and recall of the compromised agencies and of the mailboxes
data was taken from, and for each truly emptied mailbox the bytes and items
spoor attributes against the truth (and the totals).  Exit 0 always; the
numbers are the result (tests assert on --json)."""
import json
import os
import sys


def pr(found, truth):
    tp = len(found & truth)
    p = tp / len(found) if found else (1.0 if not truth else 0.0)
    r = tp / len(truth) if truth else 1.0
    return {"true_positive": tp, "found": len(found), "truth": len(truth), "precision": round(p, 4),
            "recall": round(r, 4), "missed": sorted(truth - found), "extra": sorted(found - truth)}


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    as_json = "--json" in sys.argv
    scope = json.load(open(args[0]))
    truth = json.load(open(os.path.join(args[1], "summary.json")))
    t_ag = {a["agency"] for a in truth["agencies_compromised"]}
    # an agency is found compromised when an alert of level high or above names it
    f_ag = {k["agency"] for k in scope["kill_chain"] if k["agency"] not in ("-", None)}
    t_mb = {m["mailbox"].lower(): m for m in truth["mailboxes_taken"]}
    f_mb = {t["name"].lower(): t for t in scope["data_taken"] if t["kind"] == "mailbox"}
    rows = []
    for name, t in sorted(t_mb.items()):
        f = f_mb.get(name)
        rows.append({"mailbox": name, "truth_bytes": t["bytes"], "truth_items": t["items"],
                     "spoor_bytes": f["bytes"] if f else 0, "spoor_items": f["items"] if f else 0})
    tb = sum(r["truth_bytes"] for r in rows)
    sb_true = sum(r["spoor_bytes"] for r in rows)
    sb_all = sum(t["bytes"] for t in f_mb.values())
    out = {
        "agencies": pr(f_ag, t_ag),
        "mailboxes": pr(set(f_mb), set(t_mb)),
        "bytes": {"truth": tb, "spoor_on_true_mailboxes": sb_true, "spoor_all_mailboxes": sb_all,
                  "ratio_on_true": round(sb_true / tb, 4) if tb else None},
        "per_mailbox": rows,
    }
    if as_json:
        print(json.dumps(out, indent=1))
        return 0
    a, m = out["agencies"], out["mailboxes"]
    print("compromised agencies: precision %.2f recall %.2f (%d found, %d true)" %
          (a["precision"], a["recall"], a["found"], a["truth"]))
    print("mailboxes data was taken from: precision %.2f recall %.2f (%d found, %d true)" %
          (m["precision"], m["recall"], m["found"], m["truth"]))
    print("%-40s %14s %14s %8s %8s" % ("mailbox (truth)", "bytes truth", "bytes spoor", "items t", "items s"))
    for r in rows:
        print("%-40s %14d %14d %8d %8d" % (r["mailbox"], r["truth_bytes"], r["spoor_bytes"], r["truth_items"],
                                           r["spoor_items"]))
    b = out["bytes"]
    print("bytes taken: truth %d, spoor on those mailboxes %d (%.1f%%), spoor on every mailbox it names %d" %
          (b["truth"], b["spoor_on_true_mailboxes"], 100 * (b["ratio_on_true"] or 0), b["spoor_all_mailboxes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
