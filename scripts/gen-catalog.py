#!/usr/bin/env python3
"""Generate src/catalog/data/catalog.txt, the IAM action catalog that hyperpod-iam embeds.

Source of truth: cfnlint/data/AdditionalSpecs/Policies.json inside the PyPI wheel of
cfn-lint (pinned below, MIT-0). cfn-lint builds that file from the AWS Service Authorization
Reference; it keeps, per service prefix, each action (lower-cased) with the names of the resource
types it takes, and per resource type its ARN formats (truncated at the first placeholder of the
resource part, which becomes `.*`) and condition keys. It does not keep the "required" flag of a
resource type, action-level condition keys, or proper-case action names.

Proper-case action names are recovered, where possible, from the same wheel: cfn-lint's
CloudFormation resource schemas list the IAM permissions of each handler ("sagemaker:CreateCluster").
An action spelled there is marked `s` (seen). For the others the lower-case name is split into
words seen in those spellings, or failing that in the schemas' property names (a unigram
segmentation), and marked `i` (inferred; about 98% right when tried on held-out seen names, the
misses being compounds such as RuleSet/Ruleset); when no split exists the name stays lower-case
and is marked `l`. IAM action names are case-insensitive, so the
spelling only matters for what we print.

Usage: python3 scripts/gen-catalog.py [--wheel PATH]   (python3 standard library only)
Without --wheel the pinned wheel is fetched with `python3 -m pip download`. Output is
deterministic: the same wheel always gives the same bytes.
"""

import argparse
import collections
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import zipfile

CFN_LINT_VERSION = "1.58.0"
WHEEL_NAME = f"cfn_lint-{CFN_LINT_VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "9d9f06043160756a6158f5c3f92a44ce38254b1c578127461608305bc8262987"
POLICIES = "cfnlint/data/AdditionalSpecs/Policies.json"
SCHEMAS = "cfnlint/data/schemas/"
CATALOG_VERSION = f"cfn-lint {CFN_LINT_VERSION} Policies.json"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "catalog", "data", "catalog.txt")

PROPERTY = re.compile(r'"([A-Z][A-Za-z0-9]+)"\s*:')
PERMISSION = re.compile(r'"([a-z0-9-]+):([A-Za-z0-9]+)"')
# Words of a camel-case name: "DescribeDBInstances" -> Describe, DB, Instances;
# "ListARNs" -> List, ARNs; "CreateLocationS3" -> Create, Location, S3.
WORD = re.compile(r"[A-Z]+[0-9]+(?=[A-Z]|$)|[A-Z]{2,}s(?=[A-Z0-9]|$)|[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|[A-Z][a-z]*|[a-z]+|[0-9]+")


def fetch_wheel(tmp):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", f"cfn-lint=={CFN_LINT_VERSION}", "-d", tmp],
        check=True,
    )
    return os.path.join(tmp, WHEEL_NAME)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_schemas(wheel, known):
    """Spellings and property-name words found in cfn-lint's resource schemas.

    Returns ((prefix, lower-case action) -> spelling most often used, word -> count)."""
    counts = collections.defaultdict(collections.Counter)
    words = collections.Counter()
    for name in sorted(wheel.namelist()):
        if not (name.startswith(SCHEMAS) and name.endswith(".json")):
            continue
        text = wheel.read(name).decode("utf-8")
        if name.startswith(SCHEMAS + "resources/"):
            for m in PROPERTY.finditer(text):
                words.update(WORD.findall(m.group(1)))
        for m in PERMISSION.finditer(text):
            prefix, action = m.group(1), m.group(2)
            if (prefix, action.lower()) in known:
                counts[(prefix, action.lower())][action] += 1
    best = {}
    for key, forms in counts.items():
        # Prefer a spelling that starts with a capital (IAM's convention), then the most used one.
        best[key] = max(forms.items(), key=lambda kv: (kv[0][:1].isupper(), kv[1], kv[0]))[0]
    return best, words


class Speller:
    """Splits a lower-case action name into words seen in known spellings (fewest, most common),
    falling back to words of property names, which cost more."""

    def __init__(self, spellings, property_words):
        self.words = collections.defaultdict(collections.Counter)
        self.local = collections.defaultdict(lambda: collections.defaultdict(collections.Counter))
        for (prefix, _), name in sorted(spellings.items()):
            for word in WORD.findall(name):
                self.words[word.lower()][word] += 1
                self.local[prefix][word.lower()][word] += 1
        self.total = sum(sum(c.values()) for c in self.words.values())
        self.extra = collections.defaultdict(collections.Counter)
        for word, count in sorted(property_words.items()):
            self.extra[word.lower()][word] += count
        self.extra_total = sum(property_words.values())

    def _form(self, prefix, low):
        forms = self.local[prefix].get(low) or self.words[low]
        return max(forms.items(), key=lambda kv: (kv[1], kv[0]))[0]

    def _options(self, prefix, piece):
        """(cost, spelling) of `piece` read as one word, or as a known word plus a plural s."""
        out = []
        if piece in self.words and (len(piece) > 1 or piece.isdigit()):
            cost = -math.log(sum(self.words[piece].values()) / self.total) + 6
            cost -= 2 if piece in self.local[prefix] else 0
            out.append((cost, self._form(prefix, piece)))
        stem = piece[:-1]
        if piece.endswith("s") and len(piece) > 2 and stem in self.words:
            cost = -math.log(sum(self.words[stem].values()) / self.total) + 7
            cost -= 2 if stem in self.local[prefix] else 0
            out.append((cost, self._form(prefix, stem) + "s"))
        if not out and len(piece) > 2 and piece in self.extra:
            forms = self.extra[piece]
            cost = -math.log(sum(forms.values()) / self.extra_total) + 16
            out.append((cost, max(forms.items(), key=lambda kv: (kv[1], kv[0]))[0]))
        return out

    def spell(self, prefix, low):
        n = len(low)
        best = [math.inf] * (n + 1)
        back = [None] * (n + 1)
        best[0] = 0.0
        for i in range(1, n + 1):
            for j in range(max(0, i - 40), i):
                if best[j] == math.inf:
                    continue
                for cost, form in self._options(prefix, low[j:i]):
                    if best[j] + cost < best[i]:
                        best[i], back[i] = best[j] + cost, (j, form)
        if best[n] == math.inf:
            return None
        words, i = [], n
        while i > 0:
            j, form = back[i]
            words.append(form)
            i = j
        name = "".join(reversed(words))
        name = name[:1].upper() + name[1:]
        return name if name.lower() == low else None


def service_line(prefix, service, spellings, speller):
    resources = sorted(service.get("Resources", {}).items())
    index = {name: i for i, (name, _) in enumerate(resources)}
    keys = sorted({k for _, r in resources for k in r.get("ConditionKeys", [])})
    key_index = {k: i for i, k in enumerate(keys)}
    actions = []
    for low, action in sorted(service.get("Actions", {}).items()):
        assert low == low.lower(), (prefix, low)
        refs = []
        for ref in action.get("Resources", []):
            if ref.lower() not in index:
                raise SystemExit(f"{prefix}:{low}: resource type {ref!r} is not defined")
            refs.append(index[ref.lower()])
        if (prefix, low) in spellings:
            name, how = spellings[(prefix, low)], "s"
        else:
            guess = speller.spell(prefix, low)
            name, how = (guess, "i") if guess else (low, "l")
        actions.append([name, how, sorted(set(refs))])
    types = [
        [name, list(r.get("ARNFormats", [])), sorted(key_index[k] for k in set(r.get("ConditionKeys", [])))]
        for name, r in resources
    ]
    body = json.dumps({"a": actions, "r": types, "k": keys}, separators=(",", ":"), ensure_ascii=True, sort_keys=True)
    if "\\" in body or "\t" in body or "\n" in body:
        raise SystemExit(f"{prefix}: escapes in the service line (the crate borrows strings without unescaping)")
    return f"{prefix}\t{body}\n"


def render(policies, spellings, property_words, wheel_sha):
    speller = Speller(spellings, property_words)
    prefixes = sorted(policies)
    for p in prefixes:
        if not re.fullmatch(r"[a-z0-9-]+", p):
            raise SystemExit(f"unexpected service prefix {p!r}")
    lines = [service_line(p, policies[p], spellings, speller) for p in prefixes]
    counts = collections.Counter(a[1] for line in lines for a in json.loads(line.split("\t", 1)[1])["a"])
    header = [
        "# hyperpod-iam IAM action catalog. Generated by scripts/gen-catalog.py; do not edit.",
        f"# Source: {POLICIES} in the PyPI wheel {WHEEL_NAME}",
        f"#   (sha256 {wheel_sha}), licence MIT-0.",
        f"# Spellings: {counts['s']} seen in cfn-lint's resource schemas (s), {counts['i']} inferred from words (i),",
        f"#   {counts['l']} lower case (l). IAM action names are case-insensitive.",
        "# Layout: `version <text>`; one `service <prefix> <bytes>` line per service, sorted by prefix;",
        "#   `end`; then one line per service in the same order, `<prefix>TAB<json>LF`, <bytes> long.",
        '# JSON: {"a": [[action, spelling, [resource type index]]], "r": [[resource type, [ARN format],',
        '#   [condition key index]]], "k": [condition key]}, each list sorted by lower-case name.',
        f"version {CATALOG_VERSION}",
    ]
    header += [f"service {p} {len(line.encode('utf-8'))}" for p, line in zip(prefixes, lines)]
    header.append("end")
    return "\n".join(header) + "\n" + "".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wheel", help=f"use this {WHEEL_NAME} instead of downloading it")
    parser.add_argument("--out", default=OUT, help="output file (default: src/catalog/data/catalog.txt)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.wheel or fetch_wheel(tmp)
        digest = sha256(path)
        if digest != WHEEL_SHA256:
            raise SystemExit(f"{path}: sha256 {digest}, expected {WHEEL_SHA256}")
        with zipfile.ZipFile(path) as wheel:
            policies = json.loads(wheel.read(POLICIES).decode("utf-8"))
            known = {(p, a) for p, s in policies.items() for a in s.get("Actions", {})}
            spellings, property_words = read_schemas(wheel, known)
    text = render(policies, spellings, property_words, digest)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(args.out)}: {len(policies)} services, {len(known)} actions, {len(text.encode())} bytes")


if __name__ == "__main__":
    main()
