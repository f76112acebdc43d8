"""`python -m lab.appliance --state-dir DIR --node NAME`: one appliance process."""
import argparse
import signal

from lab.appliance.node import Appliance


def main():
    parser = argparse.ArgumentParser(description="Run one simulated B Series appliance.")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--node", required=True)
    args = parser.parse_args()
    appliance = Appliance(args.state_dir, args.node)
    # SIGTERM is a graceful stop: listeners close, the database is already consistent.
    signal.signal(signal.SIGTERM, lambda *_: appliance.stop())
    signal.signal(signal.SIGINT, lambda *_: appliance.stop())
    appliance.run()


if __name__ == "__main__":
    main()
