"""The gateway device: something real at the block's gateway address that answers TCP.

`python -m lab.gateway --state-dir DIR` (the launcher starts it when the topology has
`gateway: {offset: N}`). It listens on the gateway address at the lab's appliance port, accepts
every connection and closes it: what the backup's network connectivity test (automatic failover)
and a controller's own connectivity check need to reach. `python -m lab gateway down` stops it
(the address then refuses connections, as a gateway that is gone), `gateway up` starts it again.
"""
import argparse
import socket
import sys

from lab import labstate


def serve(state_dir):
    lab = labstate.load(state_dir)
    address, port = lab["gateway"]["address"], lab["port"]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, port))
    listener.listen(64)
    print(f"gateway: answering TCP on {address}:{port}", file=sys.stderr, flush=True)
    while True:
        connection, _ = listener.accept()
        connection.close()


def main():
    parser = argparse.ArgumentParser(description="The lab's gateway device (answers TCP, nothing more).")
    parser.add_argument("--state-dir", required=True)
    serve(parser.parse_args().state_dir)


if __name__ == "__main__":
    main()
