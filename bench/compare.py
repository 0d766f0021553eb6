#!/usr/bin/python3
"""Side-by-side benchmark: spmi against supervisord, runit, s6 and PM2.

Every scenario runs for spmi and each peer in the same run, on identical
`sleep` tasks, and reports the median of several repetitions with min and
max. Writes <out>/results.md (tables), <out>/results.json and
<out>/results.png (chart). bench/compare.sh installs the peers and calls
this; run it through that script.

Measurements:
  memory     Private_Clean + Private_Dirty (smaps_rollup) of the supervising
             processes, and Private_Dirty alone, per task: spmi's wrappers, runsv, s6-supervise each
             supervise one task; supervisord and the PM2 daemon are divided
             by the number of tasks.
  status     one task's status: spmi status, sv status, s6-svstat,
             supervisorctl status, pm2 jlist.
  list       every task's state at 10/100/1000 tasks.
  start/stop 100 tasks selected by one pattern (or the peer's equivalent).
  respawn    SIGKILL of a task up for 2 s -> the new process exists. spmi's
             watchdog runs with restart_delay = "0s" (no backoff for a
             run that was up over restart_reset_after = "1s", runsv's rule).
  stop-term  a task that ignores SIGTERM, 1 s grace: request -> gone.
  wakeups    context switches of an idle supervising process over a window.
  logs       1 GiB (quick: 8 MiB) of lines through the wrapper vs straight
             to a file.
  scale      spmi alone at 10/100/1000/10,000 tasks: apply of a new
             project, of the same file unchanged and of a changed one (every
             command edited), start of all, list of all running, stop of
             all; results-scale.png plots the cost per task against the
             number of tasks.

Physical references (what no supervisor can beat on this machine) run
beside the peers: for memory, a C program that only waits in ppoll (static
glibc, dynamic glibc, static musl when musl-gcc is there); for status, `cat`
of the task's state file.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SLEEP = "sleep 3600"
TERM_IGNORING = "trap '' TERM; while :; do sleep 1; done"


def sh(cmd, env=None, check=True, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), env=env, check=check,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def timed(cmd, env=None, ok=(0,)):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       shell=isinstance(cmd, str))
    dt = time.perf_counter() - t
    if r.returncode not in ok:
        raise RuntimeError(f"{cmd} failed ({r.returncode}): {r.stdout.strip()[:300]}")
    return dt * 1000.0


def private_kb(pid, kinds=("Private_Clean:", "Private_Dirty:")):
    total = 0
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith(kinds):
                total += int(line.split()[1])
    return total


def ctx_switches(pid):
    v = n = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                v = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                n = int(line.split()[1])
    return v + n


def running(pid):
    """True when pid is a live process (a zombie does not count)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        for c in children(todo.pop()):
            out.append(c)
            todo.append(c)
    return out


def wait_until(pred, timeout=60.0, step=0.01, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(step)
    raise RuntimeError(f"timed out waiting for {what}")


def daemon(argv, env=None, cwd=None):
    """Starts a long-lived process in its own session; returns its pid."""
    p = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    return p


def sweep(marker):
    """SIGKILLs every process whose environment carries `marker` (each
    peer's processes inherit it), by pid: what a peer's own stop left."""
    needle = marker.encode()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open(f"/proc/{d}/environ", "rb") as f:
                if needle in f.read().split(b"\0"):
                    os.kill(int(d), signal.SIGKILL)
        except OSError:
            pass


def kill_tree(pid):
    for p in [pid] + descendants(pid):
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


class Peer:
    stop_one_ok = (0,)

    """One process manager set up with n tasks under a scratch directory.

    Subclasses implement setup(n, up, command), supervisors() (the pids
    that watch the tasks), per_task_supervisors (True: one per task),
    task_pid(i), and the commands for status, list, start_all, stop_all,
    stop_one. teardown() ends everything by pid.
    """
    per_task_supervisors = True

    def __init__(self, root):
        self.root = tempfile.mkdtemp(prefix=f"{self.key}.", dir=root)
        self.env = dict(os.environ)
        self.marker = "SPMI_COMPARE_PEER=" + self.root
        self.env["SPMI_COMPARE_PEER"] = self.root
        self.pids = []

    def name(self, i):
        return f"t{i}"

    def teardown(self):
        for p in self.pids:
            kill_tree(p)
        self.pids = []
        sweep(self.marker)


class Spmi(Peer):
    def __init__(self, root, spmi, wrapper):
        self.key = "spmi-" + wrapper
        self.label = "spmi " + ("default wrapper" if wrapper == "default" else "watchdog")
        super().__init__(root)
        self.spmi, self.wrapper = spmi, wrapper
        self.env["SPMI_PATH"] = os.path.join(self.root, "state")
        # The tasks' cgroups and list's CPU samples stay this run's own.
        self.env["SPMI_CGROUP_PARENT"] = f"spmi-bench-{os.getpid()}"
        self.env["XDG_RUNTIME_DIR"] = os.path.join(self.root, "run")
        os.makedirs(self.env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)

    def setup(self, n, up=True, command=SLEEP, stop_timeout="10s"):
        self.n = n
        lines = ['[project]', 'name = "bench"', '[project.defaults.wrapper]', f'type = "{self.wrapper}"',
                 f'stop_timeout = "{stop_timeout}"']
        if self.wrapper == "watchdog":
            # No backoff for a run that was up over a second: runsv's rule.
            # runsv and s6 never give up; nor does this watchdog (10 kills in 30 s).
            lines += ['restart = "always"', 'restart_delay = "0s"', 'restart_reset_after = "1s"',
                      'max_restarts = 1000']
        for i in range(n):
            argv = json.dumps(command.split() if command == SLEEP else command)  # sleep itself is the task
            lines += [f'[project.tasks.{self.name(i)}.wrapper]', f'command = {argv}']
        path = os.path.join(self.root, "bench.toml")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        sh([self.spmi, "load", path], env=self.env)
        if up:
            sh([self.spmi, "start", "t.*"], env=self.env)

    def state(self, i, key):
        with open(os.path.join(self.env["SPMI_PATH"], self.name(i), "state")) as f:
            for line in f:
                if line.startswith(key + "="):
                    return int(line.split("=", 1)[1])
        return 0

    def supervisors(self):
        return [self.state(i, "wrapper_pid") for i in range(self.n)]

    def task_pid(self, i):
        return self.state(i, "pid")

    def status_cmd(self):
        return [self.spmi, "status", "t0"]

    def list_cmd(self):
        return [self.spmi, "list"]

    def start_all(self):
        return [self.spmi, "start", "t.*"]

    def stop_all(self):
        return [self.spmi, "stop", "t.*"]

    def stop_one(self):
        return [self.spmi, "stop", "t0"]

    def teardown(self):
        sh([self.spmi, "kill", "--no-deps", ".*"], env=self.env, check=False)
        sweep(self.marker)


class ServiceDirs(Peer):
    """runit and s6: one directory per service with a `run` script."""

    def make_dirs(self, n, up, command, extra=None):
        self.n = n
        self.dirs = []
        for i in range(n):
            d = os.path.join(self.root, "svc", self.name(i))
            os.makedirs(d)
            with open(os.path.join(d, "run"), "w") as f:
                f.write(f"#!/bin/sh\nexec sh -c {json.dumps(command)}\n" if command != SLEEP
                        else "#!/bin/sh\nexec sleep 3600\n")
            os.chmod(os.path.join(d, "run"), 0o755)
            if not up:
                open(os.path.join(d, "down"), "w").close()
            for name, text in (extra or {}).items():
                with open(os.path.join(d, name), "w") as f:
                    f.write(text)
            self.dirs.append(d)

    def task_pid(self, i):
        kids = children(self.supervisors()[i])
        return kids[0] if kids else 0

    supervisor = ready_file = None  # the per-service program; what it makes in supervise/ once ready

    def start_supervisors(self, up):
        self.procs = [daemon([self.supervisor, d], env=self.env) for d in self.dirs]
        self.pids = [p.pid for p in self.procs]
        # sv and s6-svc fail ("unable to open supervise/ok") until the
        # supervisor has made its control files.
        wait_until(lambda: all(os.path.exists(os.path.join(d, "supervise", self.ready_file)) for d in self.dirs),
                   what=f"{self.supervisor} ready")
        if up:
            wait_until(lambda: all(children(p) for p in self.pids), what=f"{self.supervisor} services up")

    def supervisors(self):
        return self.pids


class Runit(ServiceDirs):
    key, label = "runit", "runit (runsv)"
    supervisor, ready_file = "runsv", "stat"

    def setup(self, n, up=True, command=SLEEP, stop_timeout="10s"):
        self.make_dirs(n, up, command)
        self.start_supervisors(up)

    def status_cmd(self):
        return ["sv", "status", self.dirs[0]]

    def list_cmd(self):
        return ["sv", "status"] + self.dirs

    def start_all(self):
        return ["sv", "-w", "7", "up"] + self.dirs

    def stop_all(self):
        return ["sv", "-w", "7", "down"] + self.dirs

    def stop_one(self):
        # force-stop: TERM, then KILL after -w seconds (sv then exits 1: "timeout: kill").
        return ["sv", "-w", "1", "force-stop", self.dirs[0]]

    stop_one_ok = (0, 1)


class S6(ServiceDirs):
    key, label = "s6", "s6 (s6-supervise)"
    supervisor, ready_file = "s6-supervise", "status"

    def setup(self, n, up=True, command=SLEEP, stop_timeout="10s"):
        self.make_dirs(n, up, command, {"timeout-kill": "1000\n"} if command != SLEEP else None)
        self.start_supervisors(up)

    def status_cmd(self):
        return ["s6-svstat", self.dirs[0]]

    def list_cmd(self):
        return "for d in " + " ".join(self.dirs) + "; do s6-svstat $d; done"

    def start_all(self):
        return ("for d in " + " ".join(self.dirs) + "; do s6-svc -u $d; done; s6-svwait -a -u " + " ".join(self.dirs))

    def stop_all(self):
        return ("for d in " + " ".join(self.dirs) + "; do s6-svc -d $d; done; s6-svwait -a -d " + " ".join(self.dirs))

    def stop_one(self):
        return f"s6-svc -d {self.dirs[0]} && s6-svwait -d {self.dirs[0]}"


class Supervisord(Peer):
    key, label = "supervisord", "supervisord"
    per_task_supervisors = False

    def setup(self, n, up=True, command=SLEEP, stop_timeout="10s"):
        self.n = n
        sock = os.path.join(self.root, "sock")
        self.conf = os.path.join(self.root, "supervisord.conf")
        grace = 1 if command != SLEEP else 10
        with open(self.conf, "w") as f:
            f.write(f"[unix_http_server]\nfile={sock}\n[supervisord]\nlogfile={self.root}/supervisord.log\n"
                    f"pidfile={self.root}/supervisord.pid\nnodaemon=true\n"
                    "[rpcinterface:supervisor]\n"
                    "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n"
                    f"[supervisorctl]\nserverurl=unix://{sock}\n")
            for i in range(n):
                cmd = command if command == SLEEP else f"/bin/sh -c {json.dumps(command)}"
                f.write(f"[program:{self.name(i)}]\ncommand={cmd}\n"
                        f"autostart={'true' if up else 'false'}\nstartsecs=0\nstopwaitsecs={grace}\n"
                        f"stdout_logfile=NONE\nstderr_logfile=NONE\n")
        self.proc = daemon(["supervisord", "-c", self.conf], env=self.env)
        self.pids = [self.proc.pid]
        wait_until(lambda: sh(self.ctl("status"), check=False).returncode in (0, 3), what="supervisord socket")
        if up:
            wait_until(lambda: len(children(self.proc.pid)) >= n, what="supervisord programs up")

    def ctl(self, *args):
        return ["supervisorctl", "-c", self.conf] + list(args)

    def supervisors(self):
        return [self.proc.pid]

    def task_pid(self, i):
        out = sh(self.ctl("pid", self.name(i))).stdout.strip()
        return int(out) if out.isdigit() else 0

    def status_cmd(self):
        return self.ctl("status", "t0")

    def list_cmd(self):
        return self.ctl("status")

    def start_all(self):
        return self.ctl("start", "all")

    def stop_all(self):
        return self.ctl("stop", "all")

    def stop_one(self):
        return self.ctl("stop", "t0")


class Pm2(Peer):
    key, label = "pm2", "PM2"
    per_task_supervisors = False

    def __init__(self, root, pm2):
        super().__init__(root)
        self.pm2 = pm2
        self.env["PM2_HOME"] = os.path.join(self.root, "home")

    def setup(self, n, up=True, command=SLEEP, stop_timeout="10s"):
        self.n = n
        script, args = ("sleep", ["3600"]) if command == SLEEP else ("/bin/sh", ["-c", command])
        apps = [{"name": self.name(i), "script": script, "args": args, "interpreter": "none",
                 "autorestart": True, "kill_signal": "SIGTERM",
                 "kill_timeout": 1000 if command != SLEEP else 10000} for i in range(n)]
        self.eco = os.path.join(self.root, "ecosystem.config.json")
        with open(self.eco, "w") as f:
            json.dump({"apps": apps}, f)
        sh([self.pm2, "ping"], env=self.env)
        with open(os.path.join(self.env["PM2_HOME"], "pm2.pid")) as f:
            self.god = int(f.read())
        self.pids = [self.god]
        if up:
            sh([self.pm2, "start", self.eco], env=self.env)

    def supervisors(self):
        return [self.god]

    def task_pid(self, i):
        for app in json.loads(sh([self.pm2, "jlist"], env=self.env).stdout):
            if app["name"] == self.name(i):
                return app["pid"]
        return 0

    def status_cmd(self):
        return [self.pm2, "jlist"]

    def list_cmd(self):
        return [self.pm2, "jlist"]

    def start_all(self):
        return [self.pm2, "start", self.eco]

    def stop_all(self):
        return [self.pm2, "stop", "/^t[0-9]+$/"]

    def stop_one(self):
        return [self.pm2, "stop", "t0"]

    def teardown(self):
        sh([self.pm2, "kill"], env=self.env, check=False)
        super().teardown()


REFERENCE_C = r"""
#include <poll.h>
#include <signal.h>
int main(void) {
  sigset_t none;
  sigemptyset(&none);
  for (;;) ppoll(0, 0, 0, &none);
}
"""


def build_references(root):
    """The idle reference programs: {label: path}, those that could be built."""
    src = os.path.join(root, "idle.c")
    with open(src, "w") as f:
        f.write("#define _GNU_SOURCE\n" + REFERENCE_C)
    out = {}
    for label, cc, flags in (("ppoll, static glibc", "cc", ["-static"]), ("ppoll, dynamic glibc", "cc", []),
                             ("ppoll, static musl", "musl-gcc", ["-static"])):
        exe = os.path.join(root, "idle-" + label.split()[-1] + "-" + label.split()[1].rstrip(","))
        if shutil.which(cc) and subprocess.run([cc, "-O2", *flags, "-o", exe, src]).returncode == 0:
            out[label] = exe
    # Written just now: their page-cache pages would count as dirty.
    os.sync()
    return out


def summary(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples), "runs": len(samples)}


class Bench:
    def __init__(self, args):
        self.args = args
        self.root = tempfile.mkdtemp(prefix="spmi-compare.")
        self.results = {}
        self.peers = {
            "spmi-default": lambda: Spmi(self.root, args.spmi, "default"),
            "spmi-watchdog": lambda: Spmi(self.root, args.spmi, "watchdog"),
            "runit": lambda: Runit(self.root),
            "s6": lambda: S6(self.root),
            "supervisord": lambda: Supervisord(self.root),
            "pm2": lambda: Pm2(self.root, args.pm2),
        }
        self.labels = {k: v().label for k, v in self.peers.items()}
        self.references = build_references(self.root)
        self.labels.update({k: "reference: " + k for k in self.references})
        self.labels["cat state file"] = "reference: cat of the state file"

    def record(self, scenario, case, key, samples, unit):
        self.results.setdefault(scenario, {}).setdefault(case, {})[key] = dict(summary(samples), unit=unit)
        s = self.results[scenario][case][key]
        print(f"  {scenario:10} {case:18} {self.labels[key]:24} {s['median']:10.2f} {unit}"
              f" (min {s['min']:.2f}, max {s['max']:.2f})", flush=True)

    def with_peer(self, key, n, fn, **setup):
        peer = self.peers[key]()
        try:
            peer.setup(n, **setup)
            return fn(peer)
        finally:
            peer.teardown()

    def memory(self):
        for n in self.args.memory_counts:
            for key in self.peers:
                def measure(p):
                    time.sleep(1.0)
                    sups = p.supervisors()
                    out = []
                    for kinds in (("Private_Clean:", "Private_Dirty:"), ("Private_Dirty:",)):
                        kb = [private_kb(s, kinds) for s in sups]
                        out.append([sum(kb) / n] if not p.per_task_supervisors else kb)
                    return out
                private, dirty = self.with_peer(key, n, measure)
                self.record("memory", f"{n} tasks", key, private, "kB/task")
                # Clean pages (program text no other process maps, as with
                # one task) are file-backed and reclaimable; dirty ones are
                # what a supervisor really costs.
                self.record("memory", f"{n} tasks, dirty only", key, dirty, "kB/task")
            for label, exe in self.references.items():
                procs = [daemon([exe]) for _ in range(n)]
                try:
                    time.sleep(1.0)
                    self.record("memory", f"{n} tasks", label, [private_kb(p.pid) for p in procs], "kB/task")
                    self.record("memory", f"{n} tasks, dirty only", label,
                                [private_kb(p.pid, ("Private_Dirty:",)) for p in procs], "kB/task")
                finally:
                    for p in procs:
                        p.kill()
                        p.wait()

    def status(self):
        for key in self.peers:
            self.record("status", "1 task", key,
                        self.with_peer(key, 1, lambda p: [timed(p.status_cmd(), p.env) for _ in range(self.args.runs)]),
                        "ms")
        # In alternating triples, so that drift of the machine hits all
        # three alike: spmi status, sv status, and cat of spmi's state file
        # (reading one file: the physical reference).
        spmi, runit = self.peers["spmi-default"](), self.peers["runit"]()
        try:
            spmi.setup(1)
            runit.setup(1)
            cat = ["cat", os.path.join(spmi.env["SPMI_PATH"], "t0", "state")]
            a, b, c = [], [], []
            for _ in range(self.args.runs * 5):
                a.append(timed(spmi.status_cmd(), spmi.env))
                b.append(timed(runit.status_cmd(), runit.env))
                c.append(timed(cat))
        finally:
            spmi.teardown()
            runit.teardown()
        self.record("status", "1 task, alternating", "spmi-default", a, "ms")
        self.record("status", "1 task, alternating", "runit", b, "ms")
        self.record("status", "1 task, alternating", "cat state file", c, "ms")
        ratio = statistics.median(a) / statistics.median(b)
        self.results.setdefault("ratios", {})["status_vs_sv"] = ratio
        print(f"  status: spmi / sv status = {ratio:.2f} (medians of {len(a)} alternating pairs)", flush=True)

    def listing(self):
        for n in self.args.list_counts:
            for key in self.peers:
                self.record("list", f"{n} tasks", key,
                            self.with_peer(key, n, lambda p: [timed(p.list_cmd(), p.env) for _ in range(self.args.runs)]),
                            "ms")

    def start_stop(self):
        n = self.args.batch
        for key in self.peers:
            def run(p):
                starts, stops = [], []
                for _ in range(max(1, self.args.runs // 4)):
                    starts.append(timed(p.start_all(), p.env))
                    stops.append(timed(p.stop_all(), p.env))
                return starts, stops
            starts, stops = self.with_peer(key, n, run, up=False)
            self.record("start", f"{n} tasks", key, starts, "ms")
            self.record("stop", f"{n} tasks", key, stops, "ms")

    def respawn(self):
        for key in ("spmi-watchdog", "runit", "s6"):
            def run(p):
                out = []
                for _ in range(self.args.respawns):
                    time.sleep(2.0)  # runsv and s6 throttle services that die within 1 s of starting
                    old = p.task_pid(0)
                    sup = p.supervisors()[0]
                    t = time.perf_counter()
                    os.kill(old, signal.SIGKILL)
                    deadline = t + 10.0
                    while True:  # busy: the interesting part is milliseconds
                        kids = [c for c in children(sup) if c != old]
                        if kids and running(kids[0]):
                            break
                        if time.perf_counter() > deadline:
                            raise RuntimeError(f"{p.label}: no new task process 10 s after SIGKILL")
                    out.append((time.perf_counter() - t) * 1000.0)
                    wait_until(lambda: p.task_pid(0) not in (0, old), what="new task pid recorded")
                return out
            self.record("respawn", "after SIGKILL", key, self.with_peer(key, 1, run), "ms")

    def stop_term(self):
        for key in self.peers:
            def run(p):
                time.sleep(0.5)
                pid = p.task_pid(0)
                t = time.perf_counter()
                timed(p.stop_one(), p.env, p.stop_one_ok)
                wait_until(lambda: not running(pid), what="task gone", step=0.001)
                return [(time.perf_counter() - t) * 1000.0]
            samples = []
            for _ in range(max(1, self.args.runs // 5)):
                samples += self.with_peer(key, 1, run, command=TERM_IGNORING, stop_timeout="1s")
            self.record("stop-term", "1 s grace", key, samples, "ms")

    def wakeups(self):
        for key in self.peers:
            def run(p):
                time.sleep(1.0)
                sup = p.supervisors()[0]
                a = ctx_switches(sup)
                time.sleep(self.args.idle_seconds)
                return [ctx_switches(sup) - a]
            self.record("wakeups", f"idle {self.args.idle_seconds:g}s", key, self.with_peer(key, 1, run), "switches")

    def logs(self):
        size = self.args.log_bytes
        line = "a line of output as a busy task might write it, 64 bytes long..."
        writer = f"yes '{line}' | head -c {size}"
        direct, through = [], []
        for _ in range(max(1, self.args.runs // 5)):
            out = os.path.join(self.root, "direct.log")
            t = time.perf_counter()
            sh(f"{writer} > {out}")
            direct.append((time.perf_counter() - t) * 1000.0)
            os.unlink(out)
            def run(p):
                t = time.perf_counter()
                sh([self.args.spmi, "start", "t0"], env=p.env)
                sh([self.args.spmi, "wait", "t0", "--for", "exited", "--timeout", "0"], env=p.env)
                return (time.perf_counter() - t) * 1000.0
            through.append(self.with_peer("spmi-default", 1, run, up=False, command=writer))
        self.results["logs"] = {f"{size >> 20} MiB": {
            "direct": dict(summary(direct), unit="ms"), "spmi-default": dict(summary(through), unit="ms")}}
        ratio = statistics.median(direct) / statistics.median(through)
        self.results["logs_ratio"] = ratio
        print(f"  logs: direct {statistics.median(direct):.0f} ms, through the wrapper "
              f"{statistics.median(through):.0f} ms: throughput ratio {ratio:.2f}", flush=True)

    def scale(self):
        """spmi alone, growing: what each operation costs per task."""
        out = self.results.setdefault("scale", {})
        for n in self.args.scale_counts:
            p = Spmi(self.root, self.args.spmi, "default")
            try:
                path = os.path.join(p.root, "bench.toml")

                def write(tag):
                    lines = ['[project]', 'name = "bench"', '[project.defaults.wrapper]', 'type = "default"']
                    for i in range(n):
                        lines += [f'[project.tasks.t{i}.wrapper]', f'command = ["sleep", "{tag}"]']
                    with open(path, "w") as f:
                        f.write("\n".join(lines) + "\n")

                write("3600")
                row = {"apply new": timed([self.args.spmi, "apply", path], p.env),
                       "apply unchanged": timed([self.args.spmi, "apply", path], p.env)}
                write("3601")
                row["apply changed"] = timed([self.args.spmi, "apply", path], p.env)
                row["start"] = timed([self.args.spmi, "start", "t.*"], p.env)
                lists = [timed([self.args.spmi, "list"], p.env) for _ in range(max(3, self.args.runs // 4))]
                row["list"] = statistics.median(lists)
                row["stop"] = timed([self.args.spmi, "stop", "t.*"], p.env)
            finally:
                p.teardown()
                shutil.rmtree(p.root, ignore_errors=True)
            out[str(n)] = row
            print(f"  scale {n:6} tasks: " + ", ".join(f"{k} {v:.0f} ms" for k, v in row.items()), flush=True)

    def run(self):
        scenarios = [("memory", self.memory), ("status", self.status), ("list", self.listing),
                     ("start/stop", self.start_stop), ("respawn", self.respawn), ("stop-term", self.stop_term),
                     ("wakeups", self.wakeups), ("logs", self.logs), ("scale", self.scale)]
        try:
            for name, fn in scenarios:
                if self.args.only and name not in self.args.only:
                    continue
                print(f"== {name}", flush=True)
                fn()
        finally:
            drop_cgroups(f"spmi-bench-{os.getpid()}")
            shutil.rmtree(self.root, ignore_errors=True)


def drop_cgroups(parent):
    """Removes the cgroup directories named `parent` (and what the wrappers left in them)."""
    for top, dirs, _ in os.walk("/sys/fs/cgroup", topdown=False):
        if top.count("/") > 8:
            continue
        for d in dirs:
            path = os.path.join(top, d)
            if f"/{parent}" in path:
                try:
                    os.rmdir(path)
                except OSError:
                    pass


def write_report(bench, out, quick):
    res = bench.results
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(res, f, indent=2)
    keys = list(bench.peers)
    lines = ["# spmi and its peers, measured in one run", "",
             f"Mode: {'quick (tiny counts; proves the benchmark works, not the numbers)' if quick else 'full'}. "
             "Median of the runs, with [min-max]. Lower is better.", ""]
    for scenario, cases in res.items():
        if scenario in ("logs", "logs_ratio", "scale", "ratios"):
            continue
        cols = keys + [k for k in bench.labels if k not in keys and any(k in by for by in cases.values())]
        lines += [f"## {scenario}", "", "| case | " + " | ".join(bench.labels[k] for k in cols) + " |",
                  "|---" * (len(cols) + 1) + "|"]
        for case, by_peer in cases.items():
            cells = []
            for k in cols:
                s = by_peer.get(k)
                cells.append("-" if s is None else f"{s['median']:.1f} {s['unit']} [{s['min']:.1f}-{s['max']:.1f}]")
            lines.append(f"| {case} | " + " | ".join(cells) + " |")
        lines.append("")
    if "logs" in res:
        for case, by in res["logs"].items():
            lines += ["## log throughput", "", f"{case} of 64-byte lines: straight to a file "
                      f"{by['direct']['median']:.0f} ms, through spmi's wrapper {by['spmi-default']['median']:.0f} ms; "
                      f"throughput ratio {res['logs_ratio']:.2f}.", ""]
    if "ratios" in res:
        lines += [f"spmi status / sv status in alternating pairs: {res['ratios']['status_vs_sv']:.2f}.", ""]
    if "scale" in res:
        ops = list(next(iter(res["scale"].values())))
        lines += ["## scale (spmi alone)", "", "Milliseconds for all the tasks; per task in brackets.", "",
                  "| tasks | " + " | ".join(ops) + " |", "|---" * (len(ops) + 1) + "|"]
        for n, row in res["scale"].items():
            lines.append(f"| {n} | " + " | ".join(f"{row[o]:.0f} ({row[o] / int(n):.3f})" for o in ops) + " |")
        lines.append("")
    lines += ["## The original SPMI", "",
              "Not installable here; from ../shared/reference/performance-anchors.md (measured on a "
              "similar 2-core machine, not in this run): `list` of 6 / 50 tasks 110-130 / 480-550 ms.", ""]
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write("\n".join(lines))
    chart(res, bench, os.path.join(out, "results.png"))
    if "scale" in res:
        scale_chart(res["scale"], os.path.join(out, "results-scale.png"))


def scale_chart(scale, path):
    """Cost per task against the number of tasks, one line per operation."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    counts = [int(n) for n in scale]
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for op in next(iter(scale.values())):
        ax.plot(counts, [scale[str(n)][op] / n for n in counts], marker="o", label=op)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("tasks")
    ax.set_ylabel("ms per task")
    ax.set_title("spmi: cost per task as the number of tasks grows")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def chart(res, bench, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no chart", file=sys.stderr)
        return
    panels = [(s, c) for s, cases in res.items() if s not in ("logs", "logs_ratio", "scale", "ratios") for c in cases]
    if not panels:
        return
    cols = 3
    rows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.2 * rows), squeeze=False)
    for ax, (s, c) in zip(axes.flat, panels):
        by = res[s][c]
        names = [bench.labels[k] for k in by]
        med = [v["median"] for v in by.values()]
        err = [[v["median"] - v["min"] for v in by.values()], [v["max"] - v["median"] for v in by.values()]]
        ax.barh(names, med, xerr=err, color=["#2a7" if n.startswith("spmi") else "#58c" if n.startswith("reference") else "#888" for n in names])
        ax.set_title(f"{s}, {c} ({next(iter(by.values()))['unit']})", fontsize=9)
        positive = [m for m in med if m > 0]
        if positive and max(positive) / min(positive) > 50:
            ax.set_xscale("log")  # the daemons are orders of magnitude apart
        ax.tick_params(labelsize=7)
        ax.invert_yaxis()
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--spmi", required=True)
    ap.add_argument("--pm2", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true", help="tiny counts: proves the benchmark runs")
    ap.add_argument("--only", action="append", help="run only this scenario (repeatable)")
    ap.add_argument("--scale", type=int, action="append", help="the scale scenario's task counts (repeatable)")
    args = ap.parse_args()
    if args.quick:
        args.memory_counts, args.list_counts, args.batch = [1, 3], [2, 4], 3
        args.scale_counts = [2, 10]
        args.runs, args.respawns, args.idle_seconds, args.log_bytes = 3, 2, 2, 8 << 20
    else:
        args.memory_counts, args.list_counts, args.batch = [1, 50, 500], [10, 100, 1000], 100
        args.scale_counts = [10, 100, 1000, 10000]
        args.runs, args.respawns, args.idle_seconds, args.log_bytes = 20, 10, 60, 1 << 30
    if args.scale:
        args.scale_counts = args.scale
    bench = Bench(args)
    bench.run()
    write_report(bench, args.out, args.quick)
    print(f"wrote {args.out}/results.md, results.json, results.png")


if __name__ == "__main__":
    main()
