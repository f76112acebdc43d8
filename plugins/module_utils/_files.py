# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files on the controller that hold secrets (an exported key, a site backup): written so that
no other user can read them, not even for a moment, and so that a reader sees the old file or
the whole new one."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

PRIVATE_MODE = 0o600


def private_temp_file(path, fill, prefix=None, suffix=""):
    """(temporary path, what ``fill`` returned): a mode 0600 file in the directory of ``path``,
    written by ``fill(stream)`` and flushed to disk. It is removed when ``fill`` fails; the
    caller renames it over ``path`` (os.replace) or removes it."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=prefix or ".%s." % os.path.basename(path), suffix=suffix,
                                         dir=directory)
    try:
        os.fchmod(handle, PRIVATE_MODE)
        with os.fdopen(handle, "wb") as stream:
            filled = fill(stream)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    return temporary, filled


def write_private_file(path, data):
    """Replace ``path`` atomically with ``data`` (bytes), mode 0600."""
    temporary, dummy = private_temp_file(path, lambda stream: stream.write(data))
    os.replace(temporary, path)


def file_mode(path):
    """The permission bits of ``path`` as four octal digits ('0600'), or None when it is missing."""
    return "%04o" % (os.stat(path).st_mode & 0o7777) if os.path.exists(path) else None


def make_private(path):
    """Give an existing file mode 0600; whether that changed it."""
    if file_mode(path) == "%04o" % PRIVATE_MODE:
        return False
    os.chmod(path, PRIVATE_MODE)
    return True
