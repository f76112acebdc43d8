"""One simulated appliance: run as `python -m lab.appliance --state-dir DIR --node NAME`."""
