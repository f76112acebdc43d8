"""Offline stand-in for the pip bootstrap script that ansible-test downloads.

ansible-test fetches get-pip.py from a host this project's machines cannot reach, and every
ansible-test mode fails at first use without it. It runs the script as
``python get_pip.py pip==<version> --no-setuptools --no-wheel`` with the interpreter of the
virtualenv it builds. This stand-in puts the pip wheel bundled with Python's ``ensurepip`` on
sys.path and lets that pip install the requested pip from the package index.
"""
import glob
import os
import sys

import ensurepip


def main(argv):
    bundled = glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl"))
    if not bundled:
        sys.exit("get_pip_offline: no pip wheel bundled with ensurepip in " + sys.executable)
    sys.path.insert(0, bundled[0])
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel

    requirements = [arg for arg in argv if arg not in ("--no-setuptools", "--no-wheel")]
    return pip_main(["install", "--disable-pip-version-check"] + requirements)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
