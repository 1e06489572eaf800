#!/usr/bin/env python3
"""Browser test of the web console: starts the real host (natively or under Wine) and runs
browser_test.js in Debian's Chromium through playwright-core. Screenshots go to --shots.
Exit 77 (CTest: skipped) with the reason printed when Chromium or node cannot run here.

usage: browser_test.py --host PATH/host[.exe] --shots DIR [--emulator WINE]
"""
import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_host import Host, failing_exec, later_source  # noqa: E402

NODE_MODULES = os.path.join(os.environ.get("WEE_NPM_PREFIX", os.path.expanduser("~/.cache/wee/npm")), "node_modules")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--shots", required=True)
    ap.add_argument("--emulator", default="")
    a = ap.parse_args()
    node = shutil.which("node")
    if not node:
        print("SKIP: node is not installed (tools/install-deps.sh installs nodejs)")
        return 77
    if not os.path.exists(os.environ.get("WEE_CHROMIUM", "/usr/bin/chromium")):
        print("SKIP: /usr/bin/chromium is not installed (tools/install-deps.sh installs it)")
        return 77
    os.makedirs(a.shots, exist_ok=True)
    # A program that exits 3 (its error shows in the live view and the dashboard's failures); "later"
    # watches a folder made only during the test (the Sources page shows why it is not running, and
    # starts it once the folder is there).
    h = Host(a.host, a.emulator,
             extra_rules=[{"name": "fails", "when": {"event": "custom.fail"}, "do": [failing_exec(a.emulator)]}],
             extra_sources=lambda host: [later_source(host)])
    try:
        h.start()
        env = dict(os.environ, NODE_PATH=NODE_MODULES)
        r = subprocess.run([node, os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser_test.js"),
                            h.url + "#token=" + h.token, h.watch, a.shots,
                            # the Rules steps: the log file a rule made in the form writes, as the host and as we see it
                            h.native(os.path.join(h.dir, "form.log")), os.path.join(h.dir, "form.log"),
                            os.path.join(h.dir, "later")],
                           env=env, timeout=240)
        rc = h.stop()
        if r.returncode == 0 and rc != 0:
            print("FAIL the host exited with %s:\n%s" % (rc, h.output()[-3000:]))
            return 1
        if r.returncode == 1:
            print(h.output()[-3000:])
        if r.returncode == 0:
            print("screenshots: " + ", ".join(os.path.join(a.shots, f) for f in sorted(os.listdir(a.shots))))
        return r.returncode
    finally:
        h.cleanup()


if __name__ == "__main__":
    sys.exit(main())
