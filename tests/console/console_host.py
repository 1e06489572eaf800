"""Start the real host (natively, or host.exe under Wine) with the web console on, from the Linux side.

Shared by test_console_api.py, test_console_rules.py and browser_test.py, with the checks and small
helpers they all use. Event data and paths are the test's own; the host is the real binary with the real
modules beside it.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request


failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def wait_for(pred, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.3)
    return pred()


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def failing_exec(wine):
    """An exec action whose program exits 3: its exit code and error show in the live view and the
    dashboard's failures."""
    return ({"action": "exec", "command": "cmd.exe", "args": ["/c", "exit 3"]} if wine else
            {"action": "exec", "command": "/bin/sh", "args": ["-c", "exit 3"]})


def later_source(host):
    """A file source on a folder made only during the test: it fails to start, and starts once the
    folder is there."""
    return {"id": "later", "module": "file", "paths": [host.native(os.path.join(host.dir, "later"))]}


class Host:
    def __init__(self, host, emulator=None, rules=None, extra_rules=None, extra_sources=None):
        self.host = os.path.abspath(host)
        self.emulator = emulator or None
        self.wine = bool(self.emulator)
        self.dir = tempfile.mkdtemp(prefix="wee-console-")
        self.watch = os.path.join(self.dir, "w")
        os.mkdir(self.watch)
        self.log = os.path.join(self.dir, "fired.log")
        self.stop_file = os.path.join(self.dir, "STOP")
        if self.wine:
            self.control = "\\\\.\\pipe\\wee-console-test-%d" % os.getpid()
        else:
            self.control = os.path.join(self.dir, "ctl.sock")
        self.config = os.path.join(self.dir, "config.json")
        cfg = {
            "version": 1,
            "engine": {"workers": 2, "control": {"path": self.control}, "console": {"listen": "127.0.0.1:0"}},
            "sources": [{"id": "inbox", "module": "file", "paths": [self.native(self.watch)]}]
                       + (extra_sources(self) if callable(extra_sources) else extra_sources or []),
            "rules": rules or [
                {"name": "new file", "when": {"event": "file.created"},
                 "do": [{"action": "log", "target": "file", "file": self.native(self.log), "message": "created {{name}}"}]},
                {"name": "pings", "when": {"event": "custom.ping"},
                 "do": [{"action": "log", "target": "file", "file": self.native(self.log), "message": "ping {{n}}"}]},
            ] + (extra_rules(self) if callable(extra_rules) else extra_rules or []),
        }
        with open(self.config, "w") as f:
            json.dump(cfg, f, indent=2)
        self.proc = None
        self.url = self.token = None
        self.port = 0

    def native(self, path):
        """The path as the host sees it (Wine maps / to drive Z:)."""
        return "Z:" + path.replace("/", "\\") if self.wine else path

    def argv(self, *args):
        return ([self.emulator] if self.emulator else []) + [self.host] + list(args)

    def start(self, timeout=60):
        self.out = open(os.path.join(self.dir, "host.out"), "w")
        self.proc = subprocess.Popen(self.argv("--config", self.native(self.config), "--stop-file",
                                               self.native(self.stop_file)),
                                     stdout=self.out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("host exited %s:\n%s" % (self.proc.returncode, self.output()))
            r = subprocess.run(self.argv("--control", self.control, "console"), capture_output=True, text=True,
                               stdin=subprocess.DEVNULL, timeout=60)
            m = re.match(r"^(http://127\.0\.0\.1:(\d+)/)#token=([0-9a-f]{64})$", r.stdout.strip())
            if r.returncode == 0 and m:
                self.url, self.port, self.token = m.group(1), int(m.group(2)), m.group(3)
                break
            time.sleep(0.5)
        else:
            raise AssertionError("`host console` printed no URL within %d s:\n%s" % (timeout, self.output()))
        # Under Wine a server answers a moment after it binds: wait for a first answer.
        while time.time() < deadline:
            try:
                if self.get("/api/status")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError("the console did not answer within %d s:\n%s" % (timeout, self.output()))

    def output(self):
        try:
            with open(os.path.join(self.dir, "host.out")) as f:
                return f.read()
        except OSError:
            return ""

    def request(self, method, path, body=None, headers=None, token=True, timeout=30):
        h = {"X-WEE-Token": self.token} if token else {}
        h.update(headers or {})
        req = urllib.request.Request(self.url.rstrip("/") + path, data=body, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_json(self, path, doc, headers=None, **kw):
        """POSTs doc (bytes as they are, anything else as JSON); (status, parsed answer)."""
        body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        hd = dict({"Content-Type": "application/json"}, **(headers or {}))
        code, raw = self.request("POST", path, body=body, headers=hd, **kw)
        try:
            return code, json.loads(raw)
        except ValueError:
            return code, {"raw": raw.decode("utf-8", "replace")}

    def status(self):
        code, body = self.get("/api/status")
        assert code == 200, (code, body)
        return json.loads(body)

    def stop(self, timeout=90):
        if not self.proc:
            return None
        open(self.stop_file, "w").close()
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.out.close()
        self.proc = None
        return rc

    def cleanup(self):
        if self.proc:
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
