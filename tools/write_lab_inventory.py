"""Writes inventories/lab/hosts.yml from lab/topologies/demo.yml (`make lab-inventory`).

The lab prints absolute paths of its state directory; the committed inventory names them
relative to itself so that it runs from any checkout with no edits.
"""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE_DIR = os.path.join(REPO, ".lab", "demo")
RELATIVE = {
    "sra_lab_state_dir": '"{{ inventory_dir }}/../../.lab/demo"',
    "sra_ca_path": '"{{ sra_lab_state_dir }}/trust.pem"',
}
HEADER = """\
# The lab's demo topology as an inventory: runs against `make demo`'s lab with no edits.
# Generated from lab/topologies/demo.yml by `make lab-inventory` (tools/write_lab_inventory.py);
# tests/integration/test_lab_inventory.py keeps the two in step. Paths into the lab's state are
# relative to this file. Secrets are in clear text because they are the lab's own;
# inventories/examples/ vaults them.
---
"""


def main():
    text = subprocess.run([sys.executable, "-m", "lab", "inventory", "--topology", "lab/topologies/demo.yml",
                           "--state-dir", STATE_DIR], cwd=REPO, check=True, capture_output=True, text=True).stdout
    lines = []
    for line in text.splitlines():
        key = line.strip().split(":", 1)[0]
        if key in RELATIVE and line.startswith("    ") and not line.startswith("     "):
            line = "    %s: %s" % (key, RELATIVE[key])
        lines.append(line)
    with open(os.path.join(REPO, "inventories", "lab", "hosts.yml"), "w") as handle:
        handle.write(HEADER + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
