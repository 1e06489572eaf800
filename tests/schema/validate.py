#!/usr/bin/env python3
"""Validates configs against the committed JSON Schema with python3-jsonschema (Debian package).

usage: validate.py [--host HOST] SCHEMA VALID.json... [--invalid INVALID.json...]
Every file before --invalid must validate; every file after it must not. With --host, the host's own
`validate` must reject each invalid file too (the schema may not be stricter than the host there).
Errors are printed with their JSON path. Exit 0 only when every file did what was expected.
"""
import json
import subprocess
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("validate.py: python3-jsonschema is missing; install it (tools/install-deps.sh does)")


def path_of(error):
    out = ""
    for p in error.absolute_path:
        out += "[%d]" % p if isinstance(p, int) else ("." if out else "") + str(p)
    return out or "(document)"


def main(argv):
    host = None
    if len(argv) > 2 and argv[1] == "--host":
        host = argv[2]
        argv = argv[:1] + argv[3:]
    if len(argv) < 3:
        sys.exit(__doc__)
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    expect_valid, failures, checked = True, 0, 0
    for name in argv[2:]:
        if name == "--invalid":
            expect_valid = False
            continue
        with open(name, encoding="utf-8") as f:
            doc = json.load(f)
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
        checked += 1
        if expect_valid and errors:
            failures += 1
            for e in errors:
                print("%s: %s: %s" % (name, path_of(e), e.message))
        elif not expect_valid and not errors:
            failures += 1
            print("%s: expected the schema to reject this file, but it validates" % name)
        elif not expect_valid and host and subprocess.run([host, "validate", name], capture_output=True).returncode == 0:
            failures += 1
            print("%s: the schema rejects it but `host validate` accepts it" % name)
        else:
            print("%s: %s as expected%s" % (name, "valid" if expect_valid else "rejected",
                                            "" if expect_valid else " (%s: %s)" % (path_of(errors[0]), errors[0].message[:100])))
    if checked == 0:
        sys.exit("validate.py: no config files given")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
