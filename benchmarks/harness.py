"""Measurement primitives shared by the benchmarks: measured subprocesses, the Ansible
environment, the emulator, and small statistics.

Controller cost is the CPU time of one process tree: we start ansible-playbook (or a module
process) with ``Popen`` and reap it with ``os.wait4``, whose rusage covers that process and every
descendant it reaped (workers, module processes). The emulator is a sibling started by us, so
its CPU is never in that figure.
"""

import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = REPO_ROOT / "benchmarks"
PLAYBOOK_DIR = BENCH_DIR / "playbooks"
BASELINE_DIR = BENCH_DIR / "baseline"
RESULTS_DIR = BENCH_DIR / "results"
PYTHON = sys.executable
BIN_DIR = Path(PYTHON).parent
COLLECTION = "restorekit.instaclustr"
API_PREFIX = "/provisioning/v1"
API_PREFIXES = (API_PREFIX, "/cluster-management/v2")  # the request log's API entries, both versions

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# A collections root of our own, one per checkout: a shared link is re-pointed by any checkout to
# itself (a fresh clone under test did so in the middle of a drill; two worktrees benchmarking at
# once would do the same), which would swap the code measured.
os.environ.setdefault("RESTOREKIT_COLLECTIONS_ROOT", str(
    Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "restorekit.instaclustr"
    / ("bench-collections-" + hashlib.sha1(str(REPO_ROOT).encode()).hexdigest()[:10])))

from tests.support.collection import collections_root  # noqa: E402  (needs REPO_ROOT on sys.path)

# The collection's state folder (intent records) of the benchmark run: a temporary one, never the user's home.
if "RESTOREKIT_STATE_DIR" not in os.environ:
    import atexit
    import shutil
    import tempfile

    os.environ["RESTOREKIT_STATE_DIR"] = tempfile.mkdtemp(prefix="restorekit-bench-state-")
    atexit.register(shutil.rmtree, os.environ["RESTOREKIT_STATE_DIR"], True)


@dataclass
class ProcessRun:
    """What one measured process tree cost."""

    argv: list
    returncode: int
    wall_seconds: float
    cpu_seconds: float  # user + system of the process and the descendants it reaped
    user_seconds: float
    system_seconds: float
    max_rss_mib: float  # largest resident set among the process and its reaped descendants
    started_at: float  # epoch seconds
    ended_at: float
    stdout: str
    stderr: str
    timed_out: bool = False
    peak_pss_mib: float = None  # with sample_memory: largest sum of PSS over the process tree
    peak_cgroup_mib: float = None  # with sample_memory: largest memory.current of our cgroup, less its value at start
    memory_samples: int = 0

    def brief(self):
        """The figures without the output, for the JSON results."""
        data = asdict(self)
        data.pop("stdout")
        data.pop("stderr")
        data["argv"] = [str(part) for part in self.argv]
        return data


def _children_map():
    """``{parent pid: [child pid, ...]}`` of every process, from /proc/<pid>/stat."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def tree_pss_kib(root):
    """Proportional set size of ``root`` and all its descendants, summed (KiB): each shared page
    is divided among the processes that map it, so the sum counts it once (a sum of RSS counts a
    page the 50 forked workers share 50 times). Read from /proc/<pid>/smaps_rollup."""
    children = _children_map()
    pending, total = [root], 0
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, ()))
        try:
            with open("/proc/%d/smaps_rollup" % pid, encoding="ascii") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue  # ended meanwhile
    return total


def _cgroup_memory_file():
    """This process's cgroup v2 memory.current, else cgroup v1's memory.usage_in_bytes as seen from
    here (namespaced: our container's), or None. Either counts the page cache and every other process
    of the cgroup, so the benchmark reports its growth during a run, beside the PSS."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("0::"):
                    path = "/sys/fs/cgroup" + line.strip()[3:].rstrip("/") + "/memory.current"
                    if os.path.exists(path):
                        return path
    except OSError:
        pass
    legacy = "/sys/fs/cgroup/memory/memory.usage_in_bytes"
    return legacy if os.path.exists(legacy) else None


def _read_int(path):
    try:
        with open(path, encoding="ascii") as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


class MemorySampler(threading.Thread):
    """Samples the PSS of a process tree (and the cgroup's usage) every ``interval`` seconds."""

    def __init__(self, pid, interval=1.0):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.stopped = threading.Event()
        self.peak_pss_kib, self.samples = 0, 0
        self.cgroup_file = _cgroup_memory_file()
        self.cgroup_start = _read_int(self.cgroup_file) if self.cgroup_file else None
        self.peak_cgroup = None

    def run(self):
        while not self.stopped.wait(self.interval):
            self.peak_pss_kib = max(self.peak_pss_kib, tree_pss_kib(self.pid))
            if self.cgroup_start is not None:
                value = _read_int(self.cgroup_file)
                if value is not None:
                    self.peak_cgroup = max(self.peak_cgroup or 0, value)
            self.samples += 1

    def figures(self):
        self.stopped.set()
        self.join()
        cgroup = None if self.peak_cgroup is None else max(self.peak_cgroup - self.cgroup_start, 0) / 1048576.0
        return {"peak_pss_mib": self.peak_pss_kib / 1024.0 if self.samples else None, "peak_cgroup_mib": cgroup,
                "memory_samples": self.samples}


def run_measured(argv, env=None, cwd=None, timeout=None, sample_memory=False):
    """Run ``argv`` to completion and return a ``ProcessRun``.

    Output goes to temporary files (no pipes to drain while ``wait4`` blocks). The process gets
    its own session so a timeout can end its whole tree, and nothing else. With ``sample_memory``
    a thread samples the tree's PSS and the cgroup's usage every second (``MemorySampler``).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started_at = time.time()
        start = time.perf_counter()
        process = subprocess.Popen([str(part) for part in argv], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   env=env, cwd=str(cwd or REPO_ROOT), start_new_session=True)
        expired = threading.Event()

        def stop_tree():
            expired.set()
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

        sampler = MemorySampler(process.pid) if sample_memory else None
        if sampler:
            sampler.start()
        timer = threading.Timer(timeout, stop_tree) if timeout else None
        if timer:
            timer.daemon = True
            timer.start()
        try:
            status, usage = os.wait4(process.pid, 0)[1:]
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - start
        memory = sampler.figures() if sampler else {}
        ended_at = time.time()
        process.returncode = os.waitstatus_to_exitcode(status)  # keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        return ProcessRun(
            argv=list(argv), returncode=process.returncode, wall_seconds=wall,
            cpu_seconds=usage.ru_utime + usage.ru_stime, user_seconds=usage.ru_utime,
            system_seconds=usage.ru_stime, max_rss_mib=usage.ru_maxrss / 1024.0,
            started_at=started_at, ended_at=ended_at,
            stdout=out.read().decode("utf-8", "replace"), stderr=err.read().decode("utf-8", "replace"),
            timed_out=expired.is_set(), **memory
        )


def ansible_env(emulator=None, extra=None):
    """Environment for ansible-playbook: this tree on the collections path, the venv's Python
    for modules (requests lives there), credentials for the emulator, no colour or retry files."""
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(collections_root()),
        "ANSIBLE_PYTHON_INTERPRETER": PYTHON,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PATH": "%s%s%s" % (BIN_DIR, os.pathsep, os.environ.get("PATH", "")),
    })
    if emulator is not None:
        env.update(emulator.credentials_env())
    env.update(extra or {})
    return env


def run_playbook(playbook, emulator=None, inventory="localhost,", extra_vars=None, forks=None, env_extra=None,
                 timeout=None, verbosity=0, sample_memory=False):
    """``ansible-playbook`` measured as one process tree."""
    argv = [BIN_DIR / "ansible-playbook", "-i", inventory, playbook]
    if forks:
        argv += ["--forks", str(forks)]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    if verbosity:
        argv.append("-" + "v" * verbosity)
    return run_measured(argv, env=ansible_env(emulator, env_extra), timeout=timeout, sample_memory=sample_memory)


def recap(stdout):
    """Per-host PLAY RECAP counters, e.g. ``{"fleet-01": {"ok": 40, "failed": 0, ...}}``."""
    hosts = {}
    in_recap = False
    for line in stdout.splitlines():
        if line.startswith("PLAY RECAP"):
            in_recap = True
            continue
        if in_recap and ":" in line and "=" in line:
            host, counters = line.split(":", 1)
            hosts[host.strip()] = {key: int(value) for key, value in
                                   (item.split("=") for item in counters.split() if "=" in item)}
    return hosts


def failed_hosts(run):
    """Hosts that failed or were unreachable according to the recap (all of them if no recap)."""
    counters = recap(run.stdout)
    if not counters:
        return ["<no recap: rc %d>" % run.returncode]
    return sorted(host for host, value in counters.items() if value.get("failed") or value.get("unreachable"))


def tail(text, lines=25):
    return "\n".join(text.splitlines()[-lines:])


# --- the emulator --------------------------------------------------------------------------

FLOOR_COLLECTION = ("restorekit_bench", "floor")  # the throwaway collection of the floor modules, never shipped


def write_floor_collection(root, module_source, module_name, playbook_name, playbook_text):
    """``module_source`` (a file in benchmarks/) as module ``restorekit_bench.floor.<module_name>`` under ``root`` (a
    collections root), and ``playbook_text`` beside it as ``playbook_name``; returns the playbook's path."""
    modules = Path(root, "ansible_collections", *FLOOR_COLLECTION, "plugins", "modules")
    modules.mkdir(parents=True, exist_ok=True)
    # A module starts with its interpreter line, as modules do; the files in benchmarks/ have none (sanity's shebang rule).
    modules.joinpath(module_name + ".py").write_text("#!/usr/bin/python\n" + Path(module_source).read_text())
    playbook = Path(root, playbook_name)
    playbook.write_text(playbook_text)
    return playbook


def start_emulator(scenario="default", time_scale=1.0, backup=None, restore=None, delete=None, extra_args=()):
    """``running_emulator`` with durations in simulated seconds (None keeps the emulator's) and ``extra_args``."""
    from tests.support.emulator import running_emulator

    extra = list(extra_args)
    for flag, value in (("--backup-duration", backup), ("--restore-duration", restore), ("--delete-duration", delete)):
        if value is not None:
            extra += [flag, str(value)]
    return running_emulator(scenario=scenario, time_scale=time_scale, extra_args=extra)


def api_requests(emulator_handle):
    """The request log without the admin API (the emulator does not log it, but be sure)."""
    return [entry for entry in emulator_handle.requests_log() if entry["path"].startswith(API_PREFIXES)]


def status_count(entries, status):
    return sum(1 for entry in entries if entry.get("status") == status)


def cluster_id_by_name(emulator_handle, name):
    for cluster in emulator_handle.clusters():
        if cluster["name"] == name:
            return cluster["id"]
    raise LookupError("no cluster named %r in the emulator" % name)


def wait_polls(entries, poll_seconds):
    """Requests that belong to a wait loop: a GET repeated on the same path about one poll
    interval after the previous one (or before the next one). A lone GET, or a repeat within a
    fraction of the interval (two reads of one task), is a one-off read: fixed cost.
    """
    gap_ms = poll_seconds * 1000 * 0.5

    def repeats(first, second):
        return (first["method"] == second["method"] == "GET" and first["path"] == second["path"]
                and second["time_ms"] - first["time_ms"] >= gap_ms)

    polls = 0
    for index, entry in enumerate(entries):
        after_previous = index > 0 and repeats(entries[index - 1], entry)
        before_next = index + 1 < len(entries) and repeats(entry, entries[index + 1])
        polls += after_previous or before_next
    return polls


# --- statistics ----------------------------------------------------------------------------

def median(values):
    values = [value for value in values if value is not None]
    return statistics.median(values) if values else None


def ratio(ours, theirs):
    numbers = (int, float)
    if not isinstance(ours, numbers) or not isinstance(theirs, numbers) or theirs == 0:
        return None
    return ours / theirs


def rounded(value, digits=3):
    return None if value is None else round(value, digits)


def alternating(sides, repetitions):
    """Yield ``(repetition, side)`` so each repetition swaps which side goes first."""
    for repetition in range(repetitions):
        order = sides if repetition % 2 == 0 else list(reversed(sides))
        for side in order:
            yield repetition, side


class Log:
    """Progress lines on stderr, so stdout keeps the table."""

    def __init__(self):
        self.start = time.monotonic()

    def __call__(self, message):
        sys.stderr.write("[bench %6.1fs] %s\n" % (time.monotonic() - self.start, message))
        sys.stderr.flush()


def machine():
    """Where the figures come from."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = None
    versions = run_measured([BIN_DIR / "ansible", "--version"], env=ansible_env())
    core = versions.stdout.splitlines()[0].strip() if versions.stdout else "unknown"
    import requests

    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": sys.version.split()[0],
        "ansible_core": core,
        "requests": requests.__version__,
        "load_average_at_start": [round(value, 2) for value in load] if load else None,
        "ansible_cfg_in_repo": (REPO_ROOT / "ansible.cfg").exists(),
    }
