#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Validates a JSON document against one of the schemas in this directory, offline.

    /usr/bin/python3 tests/schemas/validate.py SCHEMA FILE

Every *.json here is registered under its own id and under that id's directory plus its file
name, so the relative $refs of the CycloneDX schema (spdx.SNAPSHOT.schema.json,
jsf-0.82.SNAPSHOT.schema.json) resolve to the local copies; any other reference is an error,
never a download. Exit 0 when valid, 1 with the errors on stderr when not, 2 on usage or I/O
errors. Needs Debian's python3-jsonschema (4.x)."""
import glob
import json
import os
import sys
from urllib.parse import urljoin

import jsonschema


class OfflineResolver(jsonschema.RefResolver):
    def resolve_remote(self, uri):
        raise jsonschema.RefResolutionError("not in tests/schemas, no download: %s" % uri)


def main(argv):
    if len(argv) != 3:
        print("usage: validate.py SCHEMA FILE", file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    store = {}
    for path in sorted(glob.glob(os.path.join(here, "*.json"))):
        with open(path, encoding="utf-8") as f:
            s = json.load(f)
        sid = s.get("$id") or s.get("id")
        if not sid:
            continue
        store[sid.rstrip("#")] = s
        store[urljoin(sid, os.path.basename(path))] = s
    try:
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        with open(argv[2], "rb") as f:
            doc = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError) as e:
        print("validate.py: %s" % e, file=sys.stderr)
        return 2 if isinstance(e, OSError) else 1
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    sid = schema.get("$id") or schema.get("id") or ""
    v = cls(schema, resolver=OfflineResolver(sid, schema, store=store),
            format_checker=jsonschema.FormatChecker())
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.absolute_path))
    for e in errors:
        where = "/".join(str(p) for p in e.absolute_path)
        print("%s: /%s: %s" % (argv[2], where, e.message), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
