"""How the data plane runs engine processes: as an unprivileged user, tied to the emulator's life.

* ``engine_user()``: the user engines run as. ``initdb`` refuses root, so when the emulator runs as
  root the engines run as ``restorekit-engine`` (created with ``useradd --system`` when missing; if
  that fails, ``nobody``); otherwise as the emulator's own user. ``RESTOREKIT_ENGINE_USER`` overrides it.
* ``spawn(...)``: every long-lived engine process is started by one launcher thread that lives as long
  as the emulator, with ``PR_SET_PDEATHSIG = SIGKILL`` set after the switch of user: when the
  emulator dies, a crash or SIGKILL included, the kernel kills the engine (the signal is tied to the
  thread that forked, hence the one long-lived launcher thread).
* ``stop(process)``: a polite signal, then SIGKILL after a few seconds.
"""

import ctypes
import os
import pwd
import queue
import shutil
import signal
import subprocess
import threading

PR_SET_PDEATHSIG = 1
ENGINE_USER = "restorekit-engine"
_libc = ctypes.CDLL(None, use_errno=True)


class EngineUnavailable(RuntimeError):
    """An engine's programs are missing from this machine."""


def find_program(name, folders=(), hint=""):
    """The path of ``name`` in ``folders`` or on PATH, else EngineUnavailable with ``hint``."""
    for folder in folders:
        candidate = os.path.join(folder, name)
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found is None:
        raise EngineUnavailable(("%s not found (looked in %s and on PATH). %s"
                                 % (name, ", ".join(folders) or "nothing", hint)).strip())
    return found


_user_lock = threading.Lock()
_user = None


def engine_user():
    """``pwd`` entry of the user engines run as (see the module docstring)."""
    global _user
    with _user_lock:
        if _user is None:
            _user = _choose_user()
        return _user


def _choose_user():
    wanted = os.environ.get("RESTOREKIT_ENGINE_USER")
    if wanted:
        return pwd.getpwnam(wanted)
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(ENGINE_USER)
    except KeyError:
        pass
    subprocess.run(["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                    "--shell", "/usr/sbin/nologin", ENGINE_USER],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    try:
        return pwd.getpwnam(ENGINE_USER)
    except KeyError:
        return pwd.getpwnam("nobody")


def give_to_engine_user(*paths):
    """Make ``paths`` (folders or files) the engine user's, recursively."""
    user = engine_user()
    for path in paths:
        if os.geteuid() != 0:
            continue
        for root, folders, files in os.walk(path):
            os.chown(root, user.pw_uid, user.pw_gid)
            for name in folders + files:
                os.chown(os.path.join(root, name), user.pw_uid, user.pw_gid, follow_symlinks=False)
        if os.path.isfile(path):
            os.chown(path, user.pw_uid, user.pw_gid)


def _user_arguments():
    user = engine_user()
    if os.geteuid() != 0 or user.pw_uid == 0:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _die_with_parent(parent_pid):
    def preexec():
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the emulator died between fork and prctl
            os._exit(1)
    return preexec


class _Launcher:
    """One thread that forks every engine, so that PR_SET_PDEATHSIG follows the emulator's life."""

    def __init__(self):
        self._requests = queue.Queue()
        self._thread = threading.Thread(target=self._serve, name="engine-launcher", daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            args, kwargs, answer = self._requests.get()
            try:
                answer.put((subprocess.Popen(args, **kwargs), None))
            except Exception as problem:  # handed back to the caller
                answer.put((None, problem))

    def popen(self, args, **kwargs):
        answer = queue.Queue(maxsize=1)
        self._requests.put((args, kwargs, answer))
        process, problem = answer.get()
        if problem is not None:
            raise problem
        return process


_launcher = None
_launcher_lock = threading.Lock()


def spawn(args, log_path, cwd=None, env=None):
    """Start a long-lived engine process as the engine user; its output goes to ``log_path``."""
    global _launcher
    with _launcher_lock:
        if _launcher is None:
            _launcher = _Launcher()
    log = open(log_path, "ab")
    try:
        return _launcher.popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=cwd,
                               env=env, close_fds=True, preexec_fn=_die_with_parent(os.getpid()),
                               **_user_arguments())
    finally:
        log.close()


def run(args, as_engine_user=False, input=None, timeout=120, check=True, env=None):
    """Run a short command to its end (as the engine user when asked); return its CompletedProcess."""
    extra = _user_arguments() if as_engine_user else {}
    result = subprocess.run(args, input=input, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                            env=env, preexec_fn=_die_with_parent(os.getpid()), check=False, **extra)
    if check and result.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (os.path.basename(args[0]), result.returncode,
                                                   result.stderr.decode(errors="replace").strip()[-2000:]))
    return result


def stop(process, sig=signal.SIGTERM, grace=10.0):
    """Signal ``process`` and wait; SIGKILL when it has not stopped after ``grace`` seconds."""
    if process.poll() is not None:
        return
    try:
        process.send_signal(sig)
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    except ProcessLookupError:
        pass
