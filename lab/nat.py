"""The NAT device: a TCP forwarder for the site address, aimed at one appliance at a time.

`python -m lab.nat --state-dir DIR` (the launcher starts it when the topology has `nat:`). It
listens on the NAT address at the lab's appliance port and forwards each new connection to the
appliance named by `nat.target` in lab.json, read again for every connection, so that
`python -m lab nat --target site2` swings new connections at once while connections already
open stay with their appliance, as on a NAT device that tracks connections. TLS passes through
untouched: a client sees the target appliance's certificate.
"""
import argparse
import contextlib
import socket
import sys
import threading

from lab import labstate

BUFFER = 65536


def target_address(state_dir):
    lab = labstate.load(state_dir)
    return lab["nodes"][lab["nat"]["target"]]["address"], lab["port"]


def pipe(source, destination):
    """Copies one direction until the source closes, then half-closes the destination."""
    try:
        while data := source.recv(BUFFER):
            destination.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            destination.shutdown(socket.SHUT_WR)


def forward(client, state_dir):
    try:
        upstream = socket.create_connection(target_address(state_dir), timeout=5)
    except (OSError, labstate.LabError, KeyError):
        client.close()
        return
    upstream.settimeout(None)
    backward = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
    backward.start()
    pipe(client, upstream)
    backward.join()
    client.close()
    upstream.close()


def serve(state_dir):
    lab = labstate.load(state_dir)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((lab["nat"]["address"], lab["port"]))
    listener.listen(64)
    print(f"nat: forwarding {lab['nat']['address']}:{lab['port']} to the target in lab.json",
          file=sys.stderr, flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=forward, args=(client, state_dir), daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description="The lab's NAT device (a TCP forwarder).")
    parser.add_argument("--state-dir", required=True)
    serve(parser.parse_args().state_dir)


if __name__ == "__main__":
    main()
