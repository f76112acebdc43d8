#!/usr/bin/env bash
# Puts tools/get_pip_offline.py where ansible-test looks for its cached pip bootstrap, for the
# pip version pinned by the installed ansible-test. Run with the virtualenv's python as $1.
set -euo pipefail
python=${1:-python3}
here=$(cd "$(dirname "$0")" && pwd)
version=$("$python" - <<'PY'
import re, ansible_test, os
src = open(os.path.join(os.path.dirname(ansible_test.__file__), '_internal', 'python_requirements.py')).read()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
)
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
install -m 0644 "$here/get_pip_offline.py" "$cache/get_pip_${version//./_}.py"
echo "ansible-test pip bootstrap stand-in: $cache/get_pip_${version//./_}.py"
