# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

import pytest

from ansible_collections.sra.appliance.plugins.module_utils import _files


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_write_private_file_replaces_atomically_with_mode_0600(tmp_path):
    target = tmp_path / "site.p12"
    target.write_bytes(b"old")
    os.chmod(target, 0o644)
    _files.write_private_file(str(target), b"new")
    assert target.read_bytes() == b"new" and mode(target) == 0o600
    assert os.listdir(tmp_path) == ["site.p12"]


def test_temporary_file_is_private_while_written_and_removed_on_failure(tmp_path):
    seen = []

    def fill(stream):
        seen.append(mode(stream.name))
        stream.write(b"partial")
        raise RuntimeError("the download broke")

    with pytest.raises(RuntimeError):
        _files.private_temp_file(str(tmp_path / "backup.nsb"), fill, prefix=".sra-backup-", suffix=".part")
    assert seen == [0o600] and os.listdir(tmp_path) == []


def test_temporary_file_is_left_to_the_caller(tmp_path):
    temporary, filled = _files.private_temp_file(str(tmp_path / "backup.nsb"), lambda stream: stream.write(b"12345"),
                                                 prefix=".sra-backup-", suffix=".part")
    assert filled == 5 and os.path.basename(temporary).startswith(".sra-backup-") and temporary.endswith(".part")
    assert mode(temporary) == 0o600 and open(temporary, "rb").read() == b"12345"


def test_make_private_and_file_mode(tmp_path):
    target = tmp_path / "f"
    assert _files.file_mode(str(target)) is None
    target.write_bytes(b"x")
    os.chmod(target, 0o640)
    assert _files.file_mode(str(target)) == "0640"
    assert _files.make_private(str(target)) is True and _files.file_mode(str(target)) == "0600"
    assert _files.make_private(str(target)) is False
