# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause
#
# Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
# Do not use this from other collections or standalone plugins/modules!

"""The collection's one state folder: what a run leaves for later runs and what parallel processes share.

Each module is its own process, so what must outlive one task lives in files:

* intent records (``intents/<nonce>.json``): written before every restore request, so that a
  later task (a rerun, the drill's cleanup, the sweep, ``state: absent``) can prove which clusters
  the collection itself made, instead of inferring it from a name;
* memos (``memo-<name>.json``): small facts learnt about the API during a run (which spelling of a
  path the server routes), kept for the next process.

Home: the ``state_dir`` option or ``RESTOREKIT_STATE_DIR``, else ``$XDG_CACHE_HOME/restorekit.instaclustr/state``
(``~/.cache/...``). Inside it, one folder per API account, named by a hash of the API URL and the
username (never the key), so that two accounts or two API endpoints never see each other's records.
Folders are ``0700`` and files ``0600``; a folder that another user owns or that others can write is
refused, because a record there could make the collection delete a cluster it did not make.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import tempfile

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError

STATE_DIR_ENV = "RESTOREKIT_STATE_DIR"
# A record or memo is a few hundred bytes; anything larger is not one of ours and is not read whole.
MAX_STATE_FILE_BYTES = 256 * 1024
INTENTS = "intents"
RECORD_FORMAT = 1
_FOLDER_MODE = 0o700
_FILE_MODE = 0o600


def default_home(environ=None):
    """``$XDG_CACHE_HOME/restorekit.instaclustr/state``, or ``~/.cache/restorekit.instaclustr/state``."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "restorekit.instaclustr", "state")


def account_key(api_url, username):
    """The account folder's name: a hash of the API URL (without a trailing slash) and the username."""
    text = "%s\n%s" % ((api_url or "").rstrip("/"), username or "")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


class StateFolder:
    """The state of one API account (URL and username) under one home folder; created on first write."""

    def __init__(self, home, api_url, username):
        self.home = os.path.abspath(os.path.expanduser(home or os.environ.get(STATE_DIR_ENV) or default_home()))
        self.api_url = (api_url or "").rstrip("/")
        self.username = username
        self.path = os.path.join(self.home, account_key(api_url, username))

    # ---- files ----

    def ensure(self):
        """Create the account folder (and the home) private to this user; refuse one others can write."""
        for folder in (self.home, self.path, os.path.join(self.path, INTENTS)):
            try:
                os.makedirs(folder, mode=_FOLDER_MODE)
            except OSError as error:
                if error.errno != errno.EEXIST:
                    raise OptionError("state_dir", "cannot create the state folder %s: %s" % (folder, error.strerror))
            self._check_private(folder)
        account = os.path.join(self.path, "account.json")
        if not os.path.exists(account):
            self.write_json("account.json", {"api_url": self.api_url, "username": self.username})
        return self.path

    @staticmethod
    def _check_private(folder):
        info = os.lstat(folder)
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise OptionError("state_dir", "%s is not a folder (a link or a file); the state folder must be a real folder" % folder)
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise OptionError("state_dir", "%s belongs to another user; the state folder must be this user's own" % folder)
        if info.st_mode & 0o022:
            raise OptionError("state_dir", "%s can be written by group or others (mode %o); run chmod 700 on it"
                              % (folder, stat.S_IMODE(info.st_mode)))

    def _file(self, relative):
        return os.path.join(self.path, relative)

    def read_json(self, relative, default=None):
        """The JSON document of a state file, or ``default`` when it is missing, not a regular file, too large or not JSON."""
        try:
            descriptor = os.open(self._file(relative), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return default
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_STATE_FILE_BYTES:
                return default
            data = handle.read(MAX_STATE_FILE_BYTES + 1)
        try:
            return json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            return default

    def write_json(self, relative, document):
        """Write a state file atomically (a reader sees the old file or the new one), mode 0600."""
        target = self._file(relative)
        folder = os.path.dirname(target)
        descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                os.fchmod(handle.fileno(), _FILE_MODE)
                json.dump(document, handle, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    @contextlib.contextmanager
    def locked(self, name):
        """An exclusive lock (``flock``) on ``<name>.lock`` for a read-modify-write; released when the process dies."""
        import fcntl  # POSIX only; the controller and execution environments are POSIX

        self.ensure()
        descriptor = os.open(self._file("%s.lock" % name), os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), _FILE_MODE)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            yield
        finally:
            os.close(descriptor)

    # ---- intent records ----

    def record_intent(self, **fields):
        """Write a new intent record before the request it describes is sent; returns it (with its ``nonce``).

        Callers give what identifies the request (``operation``, ``source_cluster_id``, ``restored_name``,
        ``point_in_time_ms``, ``application``, ``api_version``, ``created_ms`` in server time, optionally ``run_id``).
        """
        import uuid  # only a restore writes a record

        self.ensure()
        record = dict(fields)
        record.update(format=RECORD_FORMAT, nonce=uuid.uuid4().hex, restored_cluster_id=record.get("restored_cluster_id"))
        self.write_json(os.path.join(INTENTS, "%s.json" % record["nonce"]), record)
        return record

    def update_intent(self, record, **fields):
        """Add what was learnt after the request (the cluster id it answered, an outcome) to a record."""
        record.update(fields)
        self.write_json(os.path.join(INTENTS, "%s.json" % record["nonce"]), record)
        return record

    def intents(self, **match):
        """Every readable intent record whose fields equal ``match``, newest (``created_ms``) first."""
        folder = self._file(INTENTS)
        try:
            names = sorted(os.listdir(folder))
        except OSError:
            return []
        records = []
        for name in names:
            if not name.endswith(".json") or name.startswith("."):
                continue
            record = self.read_json(os.path.join(INTENTS, name))
            if not isinstance(record, dict) or record.get("nonce") != name[:-len(".json")]:
                continue  # not one of ours, or renamed: a record proves nothing unless it is where it was written
            if all(record.get(key) == value for key, value in match.items()):
                records.append(record)
        records.sort(key=lambda record: (record.get("created_ms") or 0, record["nonce"]), reverse=True)
        return records

    def intent_for_cluster(self, cluster_id):
        """The record that proves the collection made ``cluster_id`` (the id a restore answered or was matched to), or None."""
        found = self.intents(restored_cluster_id=cluster_id)
        return found[0] if found else None

    # ---- memos ----

    def memo(self, name):
        """A small dictionary kept between processes (``{}`` when there is none yet)."""
        document = self.read_json("memo-%s.json" % name, {})
        return document if isinstance(document, dict) else {}

    def remember(self, name, key, value):
        """Set one entry of a memo, under its lock so that parallel processes do not lose each other's entries."""
        with self.locked("memo-%s" % name):
            document = self.memo(name)
            document[key] = value
            self.write_json("memo-%s.json" % name, document)
