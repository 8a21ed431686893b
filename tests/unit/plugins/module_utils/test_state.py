# -*- coding: utf-8 -*-
# Copyright: (c) 2026, restorekit maintainers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The state folder: private per account, atomic records, memos shared between processes."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat

import pytest

from ansible_collections.restorekit.instaclustr.plugins.module_utils._errors import OptionError
from ansible_collections.restorekit.instaclustr.plugins.module_utils._state import (
    MAX_STATE_FILE_BYTES,
    StateFolder,
    account_key,
    default_home,
)

URL = "https://api.instaclustr.com"


def test_default_home_follows_xdg_cache_home(tmp_path):
    assert default_home({"XDG_CACHE_HOME": str(tmp_path)}) == str(tmp_path / "restorekit.instaclustr" / "state")
    assert default_home({}).endswith(os.path.join(".cache", "restorekit.instaclustr", "state"))


def test_the_environment_variable_sets_the_home_when_no_option_does(tmp_path, monkeypatch):
    monkeypatch.setenv("RESTOREKIT_STATE_DIR", str(tmp_path / "from-env"))
    assert StateFolder(None, URL, "alice").home == str(tmp_path / "from-env")
    assert StateFolder(str(tmp_path / "option"), URL, "alice").home == str(tmp_path / "option")


def test_accounts_are_kept_apart_by_url_and_username_never_by_key(tmp_path):
    keys = {account_key(URL, "alice"), account_key(URL + "/", "alice"), account_key(URL, "bob"), account_key("http://127.0.0.1:8099", "alice")}
    assert len(keys) == 3  # a trailing slash is the same API
    folder = StateFolder(str(tmp_path), URL, "alice")
    folder.ensure()
    assert json.loads((tmp_path / account_key(URL, "alice") / "account.json").read_text()) == {"api_url": URL, "username": "alice"}


def test_folders_are_private_and_files_are_0600(tmp_path):
    folder = StateFolder(str(tmp_path / "state"), URL, "alice")
    record = folder.record_intent(operation="restore", restored_name="orders-copy", source_cluster_id="c1", created_ms=5)
    for path in (tmp_path / "state", tmp_path / "state" / account_key(URL, "alice")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
    written = tmp_path / "state" / account_key(URL, "alice") / "intents" / ("%s.json" % record["nonce"])
    assert stat.S_IMODE(written.stat().st_mode) == 0o600


def test_a_folder_others_can_write_is_refused(tmp_path):
    home = tmp_path / "state"
    home.mkdir(mode=0o700)
    os.chmod(home, 0o777)
    with pytest.raises(OptionError, match="state_dir: .* can be written by group or others"):
        StateFolder(str(home), URL, "alice").ensure()


def test_a_linked_account_folder_is_refused(tmp_path):
    home = tmp_path / "state"
    home.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    os.symlink(elsewhere, home / account_key(URL, "alice"))
    with pytest.raises(OptionError, match="is not a folder"):
        StateFolder(str(home), URL, "alice").ensure()


def test_intent_records_are_found_by_their_fields_newest_first(tmp_path):
    folder = StateFolder(str(tmp_path), URL, "alice")
    older = folder.record_intent(operation="restore", restored_name="copy", source_cluster_id="c1", created_ms=1000)
    newer = folder.record_intent(operation="restore", restored_name="copy", source_cluster_id="c1", created_ms=2000)
    folder.record_intent(operation="restore", restored_name="other", source_cluster_id="c1", created_ms=3000)
    assert older["nonce"] != newer["nonce"]
    assert [record["nonce"] for record in folder.intents(restored_name="copy")] == [newer["nonce"], older["nonce"]]
    assert folder.intent_for_cluster("r1") is None
    folder.update_intent(older, restored_cluster_id="r1")
    assert folder.intent_for_cluster("r1")["nonce"] == older["nonce"]
    assert StateFolder(str(tmp_path), URL, "bob").intents() == []  # another account sees none


def test_unreadable_or_foreign_files_prove_nothing(tmp_path):
    folder = StateFolder(str(tmp_path), URL, "alice")
    real = folder.record_intent(operation="restore", restored_name="copy", created_ms=1)
    intents = os.path.join(folder.path, "intents")
    with open(os.path.join(intents, "broken.json"), "w") as handle:
        handle.write("{not json")
    with open(os.path.join(intents, "renamed.json"), "w") as handle:
        json.dump(dict(real, restored_cluster_id="victim"), handle)  # a copy under another name
    with open(os.path.join(intents, "huge.json"), "w") as handle:
        handle.write(" " * (MAX_STATE_FILE_BYTES + 1) + "{}")
    os.symlink("/dev/zero", os.path.join(intents, "zero.json"))
    os.mkfifo(os.path.join(intents, "fifo.json"))
    assert [record["nonce"] for record in folder.intents()] == [real["nonce"]]
    assert folder.intent_for_cluster("victim") is None


def _remember(home, index):
    StateFolder(home, URL, "alice").remember("spelling", "key-%d" % index, index)


def test_memos_keep_every_entry_written_by_parallel_processes(tmp_path):
    context = multiprocessing.get_context("fork")
    processes = [context.Process(target=_remember, args=(str(tmp_path), index)) for index in range(8)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(30)
    assert StateFolder(str(tmp_path), URL, "alice").memo("spelling") == {"key-%d" % index: index for index in range(8)}
