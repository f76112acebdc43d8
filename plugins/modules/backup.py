#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: sra.appliance contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: backup
short_description: Download the site backup of a B Series appliance to the controller
description:
  - Downloads the site backup (settings and data of C(/login), the vendor's "Download Backup") through the vendor's
    backup API C(/api/backup) and writes it to a file on the controller, mode C(0600), atomically (a partial download
    never replaces an existing file).
  - The vendor's backup covers C(/login) only; the C(/appliance) configuration (network, certificates) is not in it.
  - Returns the file's size and SHA-256. When the downloaded backup is identical to O(dest), the file is left alone and
    the module reports no change.
  - Uses only the vendor's public API, so it works unchanged against a real appliance. The API account needs the backup
    permission; before downloading, the module reads the account's permissions (O(check_account)) and refuses, in check
    mode too, when the backup permission is off.
  - An answer with HTTP 200 whose body is an error rather than a backup (a JSON or XML document, an HTML page, or a
    short text such as C(Invalid credentials)) is refused with the appliance's words, and nothing is written. The
    vendor does not document the backup's format, so any other body is taken as the backup.
version_added: 0.1.0
author:
  - sra.appliance maintainers (@sra-appliance)
extends_documentation_fragment:
  - sra.appliance.connection
  - sra.appliance.attributes
attributes:
  check_mode:
    support: full
    details: Downloads nothing and writes nothing; reports the file it would write. The account check (a read) still
      runs, so a refused backup shows in the plan.
  diff_mode:
    support: full
    details: Shows the file's size and SHA-256 before and after; in check mode the new values are unknown.
options:
  dest:
    description:
      - The file to write on the controller.
      - When O(dest) is an existing directory, the file is written into it as
        C(<host>-<UTC time>.nsb), a new file on every run.
    type: path
    required: true
  password:
    description:
      - The password of a password-protected backup (sent in the request body, never in the URL).
    type: str
  check_account:
    description:
      - Read the API account's permissions first (C(get_api_info), or v2 C(/info) when the XML API does not answer) and
        refuse before writing anything when the backup permission (C(perm_backup)) is off.
      - Reading them needs command API access; set V(false) for a backup-only account that has none.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Download a backup before maintenance
  sra.appliance.backup:
    host: "{{ sra_address }}"
    dest: "/var/backups/sra/{{ inventory_hostname }}-before-upgrade.nsb"
  register: site_backup

- name: Download with a backup-only API account, which cannot read its own permissions
  sra.appliance.backup:
    host: "{{ sra_address }}"
    dest: /var/backups/sra/
    check_account: false
"""

RETURN = r"""
dest:
  description: The file written (in check mode, the file that would be written).
  returned: success
  type: str
  sample: /var/backups/sra/site1-before-upgrade.nsb
size:
  description: Size of the backup in bytes.
  returned: success and not check mode
  type: int
  sample: 1048576
sha256:
  description: SHA-256 of the backup, lowercase hex.
  returned: success and not check mode
  type: str
"""

import hashlib
import os
import tempfile
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.sra.appliance.plugins.module_utils._client import AUTH, REFUSED, ApplianceError
from ansible_collections.sra.appliance.plugins.module_utils._diff import DiffTracker
from ansible_collections.sra.appliance.plugins.module_utils._module import ModuleFailure, argument_spec, client_for, run
from ansible_collections.sra.appliance.plugins.module_utils._vendor import VendorApi, account_problems, read_account

FILE_MODE = 0o600


def target_path(dest, host, now=None):
    if os.path.isdir(dest):
        stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
        return os.path.join(dest, "%s-%s.nsb" % (host.replace(":", "_"), stamp))
    directory = os.path.dirname(os.path.abspath(dest))
    if not os.path.isdir(directory):
        raise ModuleFailure("the directory of dest does not exist: %s; create it first" % directory)
    return dest


def file_facts(path):
    """(size, sha256) of an existing file, (None, None) otherwise."""
    if not os.path.isfile(path):
        return None, None
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
    return os.path.getsize(path), digest.hexdigest()


def download(vendor, path, password):
    """Download into a private temporary file next to ``path``; return (temp path, size, sha256)."""
    handle, temp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".sra-backup-", suffix=".part")
    try:
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "wb") as stream:
            size, sha256 = vendor.download_backup(stream, password)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException:
        os.unlink(temp)
        raise
    return temp, size, sha256


def check_account(vendor):
    """Refuse before anything is written when the API account may not use the backup API."""
    try:
        info = read_account(vendor)
    except ApplianceError as exc:
        if exc.status != 403 and exc.kind != REFUSED:
            raise
        raise exc.with_hint("The backup's account check reads the API account's permissions, which needs command API "
                            "access; set check_account: false for an account without it")
    problems = account_problems(info, ["backup"], vendor.name)
    if problems:
        raise ModuleFailure("; ".join(problems) + ". Nothing was downloaded or written", failure=AUTH,
                            permissions=info["permissions"])


def save_backup(module, result):
    params = module.params
    path = target_path(params["dest"], params["host"])
    before_size, before_sha = file_facts(path)
    result["dest"] = path
    diff = DiffTracker()
    vendor = VendorApi(client_for(params))
    if params["check_account"]:
        check_account(vendor)
    if module.check_mode:
        diff.add("file", dict(size=before_size, sha256=before_sha), dict(size=None, sha256=None), changed=True)
        result["changed"] = True
    else:
        temp, size, sha256 = download(vendor, path, params["password"])
        result.update(size=size, sha256=sha256)
        if sha256 == before_sha:
            os.unlink(temp)
            result["changed"] = ensure_mode(path)
        else:
            os.replace(temp, path)
            result["changed"] = True
        diff.add("file", dict(size=before_size, sha256=before_sha), dict(size=size, sha256=sha256))
    if module._diff:
        result["diff"] = diff.diff()


def ensure_mode(path):
    if os.stat(path).st_mode & 0o777 == FILE_MODE:
        return False
    os.chmod(path, FILE_MODE)
    return True


def main():
    module = AnsibleModule(
        argument_spec=argument_spec(dict(
            dest=dict(type="path", required=True),
            password=dict(type="str", no_log=True),
            check_account=dict(type="bool", default=True),
        )),
        supports_check_mode=True)
    run(module, save_backup)


if __name__ == "__main__":
    main()
