#!/usr/bin/env python3
"""Build spoor's built-in intel pack for the BlackTech / Taidoor campaign.

Reads the public material staged in ../shared/data/intel (see its SOURCE.txt)
and writes:
  intel/blacktech-taidoor.json  a STIX 2.1 bundle: the groups and software
      (ATT&CK ids, names, aliases; MISP galaxy synonyms), who uses what, and
      indicators (hashes, user agent, certificate, command line) with their
      provenance in external_references / description.  No ATT&CK prose is
      copied: names, ids and relationships only.  No attack-patterns: the
      default pack attributes by rule tag and indicator, not by technique.
  src/intel/pack-data.c         the same bytes as a C string (the library
      embeds the pack; tests check that both agree).

Usage: scripts/make-intel-pack.py [SHARED_DATA]   (default ../shared/data)
"""
import csv, json, os, sys, uuid

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
shared = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "..", "shared", "data")
intel = os.path.join(shared, "intel")
NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX 2.1 id namespace
WHEN = "2026-11-29T00:00:00.000Z"
ident = "identity--" + str(uuid.uuid5(NS, "spoor built-in intel pack"))

att = json.load(open(os.path.join(intel, "mitre-attack", "blacktech_taidoor_attack_stix21.json")))
galaxy = json.load(open(os.path.join(intel, "misp-galaxy", "threat-actor_blacktech_taidoor.json")))

def ext_id(o):
    for r in o.get("external_references", []):
        if r.get("source_name") == "mitre-attack":
            return r.get("external_id")
    return None

objs = [{"type": "identity", "spec_version": "2.1", "id": ident, "created": WHEN, "modified": WHEN,
         "name": "spoor built-in intel pack", "identity_class": "system",
         "description": "Compiled by scripts/make-intel-pack.py from public sources named per object."}]
keep = {}
syn = {v["value"].lower(): v.get("meta", {}).get("synonyms", []) for v in galaxy["values"]}
for o in att["objects"]:
    if o["type"] not in ("intrusion-set", "malware", "tool"):
        continue
    x = {"type": o["type"], "spec_version": "2.1", "id": o["id"], "created": o["created"],
         "modified": o["modified"], "created_by_ref": ident, "name": o["name"],
         "external_references": [{"source_name": "mitre-attack", "external_id": ext_id(o),
                                  "url": next((r.get("url") for r in o.get("external_references", [])
                                               if r.get("source_name") == "mitre-attack"), None)}]}
    al = list(o.get("aliases", []) or o.get("x_mitre_aliases", []))
    for s in syn.get(o["name"].lower(), []):
        if s not in al:
            al.append(s)
    if al:
        x["aliases"] = al
    if o["type"] == "malware":
        x["is_family"] = True
    if o.get("x_mitre_deprecated"):
        x["x_mitre_deprecated"] = True
    keep[o["id"]] = o
    objs.append(x)
for o in att["objects"]:
    if o["type"] == "relationship" and o["relationship_type"] == "uses" and \
            o["source_ref"] in keep and o["target_ref"] in keep:
        objs.append({"type": "relationship", "spec_version": "2.1", "id": o["id"], "created": o["created"],
                     "modified": o["modified"], "created_by_ref": ident, "relationship_type": "uses",
                     "source_ref": o["source_ref"], "target_ref": o["target_ref"]})

by_name = {o["name"].lower(): o["id"] for o in keep.values() if o["type"] != "intrusion-set"}
blacktech = next(o["id"] for o in keep.values() if o["type"] == "intrusion-set" and o["name"] == "BlackTech")
paths = {"sha256": "file:hashes.'SHA-256'", "sha1": "file:hashes.'SHA-1'", "md5": "file:hashes.MD5",
         "http-user-agent": "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
         "x509-serial": "x509-certificate:serial_number", "x509-fingerprint-sha1": "x509-certificate:hashes.'SHA-1'"}
rows = list(csv.DictReader(open(os.path.join(intel, "iocs", "blacktech_taidoor_iocs.csv"), newline="")))
skipped = 0
for r in rows:
    t, v = r["type"], r["value"]
    if t in paths:
        pat = "[%s = '%s']" % (paths[t], v.replace("\\", "\\\\").replace("'", "\\'"))
    elif t == "cmdline-substring":
        pat = "[process:command_line MATCHES '%s']" % v.replace("\\", "\\\\").replace("'", "\\'")
    else:
        skipped += 1  # filepath regexes: no STIX property spoor matches
        continue
    iid = "indicator--" + str(uuid.uuid5(NS, pat))
    fam = r["family"]
    objs.append({"type": "indicator", "spec_version": "2.1", "id": iid, "created": WHEN, "modified": WHEN,
                 "created_by_ref": ident, "name": "%s %s" % (fam, t), "indicator_types": ["malicious-activity"],
                 "pattern": pat, "pattern_type": "stix", "valid_from": WHEN,
                 "description": r["note"],
                 "external_references": [{"source_name": s.strip()[:200]} for s in r["source"].split(" | ")]})
    target = by_name.get(fam.lower(), blacktech)
    objs.append({"type": "relationship", "spec_version": "2.1",
                 "id": "relationship--" + str(uuid.uuid5(NS, iid + target)), "created": WHEN, "modified": WHEN,
                 "created_by_ref": ident, "relationship_type": "indicates", "source_ref": iid, "target_ref": target})

bundle = {"type": "bundle", "id": "bundle--" + str(uuid.uuid5(NS, "spoor pack blacktech-taidoor")), "objects": objs}
text = json.dumps(bundle, indent=1, ensure_ascii=True) + "\n"
os.makedirs(os.path.join(root, "intel"), exist_ok=True)
open(os.path.join(root, "intel", "blacktech-taidoor.json"), "w").write(text)
with open(os.path.join(root, "src", "intel", "pack-data.c"), "w") as f:
    f.write("/* Generated by scripts/make-intel-pack.py from intel/blacktech-taidoor.json: do not edit. */\n")
    f.write('#include "intel/intel-int.h"\n\nconst char intel_pack_json[] =\n')
    for line in text.splitlines(True):
        f.write('    "%s"\n' % line.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n"))
    f.write(";\nconst size_t intel_pack_len = sizeof(intel_pack_json) - 1;\n")
print("intel pack: %d objects, %d indicators (%d CSV rows skipped: file-path regexes)" %
      (len(objs), sum(o["type"] == "indicator" for o in objs), skipped), file=sys.stderr)
