"""Every engine the data plane starts runs as an unprivileged user, listens on loopback only, and dies
with the emulator: after a normal stop, and after a SIGKILL of the emulator (no orphan postgres or
redis-server)."""

import ipaddress
import os
import signal
import socket
import struct
import time

from tests.support.emulator import running_emulator

ENGINE_NAMES = ("postgres", "redis-server")


def children(pid):
    """Every descendant of ``pid`` (from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid):
    """Running (a zombie waiting for a reaper counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def command(pid):
    """The program name (``comm``: engines rewrite their command lines)."""
    try:
        with open("/proc/%d/comm" % pid) as comm:
            return comm.read().strip()
    except OSError:
        return ""


def listening_addresses(pids):
    """IPv4 and IPv6 addresses the processes ``pids`` listen on."""
    inodes = set()
    for pid in pids:
        try:
            for fd in os.listdir("/proc/%d/fd" % pid):
                target = os.readlink("/proc/%d/fd/%s" % (pid, fd))
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    addresses = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        with open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if fields[3] != "0A" or fields[9] not in inodes:  # 0A: LISTEN
                    continue
                raw = bytes.fromhex(fields[1].split(":")[0])
                if family == socket.AF_INET:
                    addresses.append(ipaddress.IPv4Address(struct.pack("<I", int.from_bytes(raw, "big"))))
                else:
                    words = [struct.pack("<I", int.from_bytes(raw[i:i + 4], "big")) for i in range(0, 16, 4)]
                    addresses.append(ipaddress.IPv6Address(b"".join(words)))
    return addresses


def engines_of(emulator):
    pids = children(emulator.process.pid)
    engines = {pid for pid in pids if command(pid) in ENGINE_NAMES}
    assert {command(pid) for pid in engines} == set(ENGINE_NAMES)
    return pids, engines


def wait_gone(pids, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.1)
    return {pid for pid in pids if alive(pid)}


def test_engines_run_unprivileged_listen_on_loopback_only_and_stop_with_the_emulator():
    with running_emulator(scenario="mixed", extra_args=("--data-plane",)) as emulator:
        pids, engines = engines_of(emulator)
        assert all(os.stat("/proc/%d" % pid).st_uid != 0 for pid in engines) or os.geteuid() != 0
        addresses = listening_addresses(pids | {emulator.process.pid})
        assert addresses and all(address.is_loopback for address in addresses), addresses
    assert wait_gone(pids) == set()


def test_a_sigkill_of_the_emulator_leaves_no_engine_behind():
    with running_emulator(scenario="mixed", extra_args=("--data-plane",)) as emulator:
        pids, engines = engines_of(emulator)
        os.kill(emulator.process.pid, signal.SIGKILL)
        assert wait_gone(pids) == set()
