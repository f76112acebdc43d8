"""The launcher: status, idempotent up, inventory, issue-cert, stop/start."""
from pathlib import Path

import yaml
from cryptography import x509

from lab import cli, labstate
from lab.tests.blocks import address, block


def test_up_is_idempotent_and_status_shows_every_node(lab, capsys):
    pids = {name: entry["pid"] for name, entry in lab["nodes"].items()}
    assert cli.main(["up", "--state-dir", lab["state_dir"]]) == 0
    assert "already running" in capsys.readouterr().out
    after = labstate.load(lab["state_dir"])
    assert {name: entry["pid"] for name, entry in after["nodes"].items()} == pids
    assert cli.main(["status", "--state-dir", lab["state_dir"]]) == 0
    assert capsys.readouterr().out.count(" yes") == 2


def test_up_refuses_a_state_dir_of_another_block(lab, capsys):
    topology = lab["state_dir"] + "/topology.yml"
    assert cli.main(["up", "--topology", topology, "--block", block(9), "--state-dir", lab["state_dir"]]) != 0
    assert "holds lab" in capsys.readouterr().err
    assert labstate.load(lab["state_dir"])["topology"]["block"] == lab["topology"]["block"]


def test_lab_started_quickly(lab):
    assert lab["start_seconds"] < 10


def test_inventory(lab, capsys):
    assert cli.main(["inventory", "--state-dir", lab["state_dir"]]) == 0
    inventory = yaml.safe_load(capsys.readouterr().out)
    variables = inventory["all"]["vars"]
    assert variables["sra_shared_ips"] == [f"{address(0, 52)}/24"]
    assert variables["sra_network_method"] == "shared_ip"
    assert variables["sra_ca_path"] == lab["trust_bundle"]
    assert variables["sra_port"] == lab["port"]
    assert "sra_cluster_method" not in variables
    site1 = inventory["all"]["children"]["sra_failover_pair"]["hosts"]["site1.test.sra.test"]
    assert site1["sra_interfaces"] == {"eth0": {"ips": [f"{address(0, 11)}/24"], "gateway": address(0, 1)}}
    assert site1["ansible_python_interpreter"] == "{{ ansible_playbook_python }}"


def test_demo_inventory_has_traffic_nodes(capsys, tmp_path):
    assert cli.main(["inventory", "--topology", "lab/topologies/demo.yml", "--state-dir", str(tmp_path)]) == 0
    inventory = yaml.safe_load(capsys.readouterr().out)
    nodes = inventory["all"]["children"]["sra_traffic_nodes"]["hosts"]
    assert set(nodes) == {"tn1.eu-west.lab.sra.test", "tn2.eu-west.lab.sra.test", "tn3.us-east.lab.sra.test"}
    assert nodes["tn1.eu-west.lab.sra.test"]["sra_region"] == "eu-west"
    assert inventory["all"]["vars"]["sra_cluster_method"] == "random"


def test_issue_cert(lab, tmp_path):
    cert_file, key_file = tmp_path / "c.pem", tmp_path / "k.pem"
    assert cli.main(["issue-cert", "--state-dir", lab["state_dir"], "--name", "site.test", "--node", "site1",
                     "--san", "site.test", "--out-cert", str(cert_file), "--out-key", str(key_file)]) == 0
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "site1.test.sra.test" in names.get_values_for_type(x509.DNSName)
    assert (key_file.stat().st_mode & 0o777) == 0o600


def test_stop_and_start(site2, lab):
    assert cli.main(["stop", "site2", "--state-dir", lab["state_dir"]]) == 0
    assert not labstate.is_running(labstate.load(lab["state_dir"])["nodes"]["site2"]["pid"], "site2")
    assert cli.main(["start", "site2", "--state-dir", lab["state_dir"]]) == 0
    assert site2.command("check_health").status_code == 200


def _sans(path):
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return names.get_values_for_type(x509.DNSName), names.get_values_for_type(x509.IPAddress)


def test_up_writes_a_site_certificate_without_ip_sans(lab):
    dns, ips = _sans(Path(lab["state_dir"]) / "site.pem")
    assert ips == []
    assert dns == ["support.test.sra.test", "site1.test.sra.test", "site2.test.sra.test"]


def test_issue_cert_names_only_and_wildcards(lab, tmp_path, capsys):
    cert_file, key_file = tmp_path / "c.pem", tmp_path / "k.pem"
    assert cli.main(["issue-cert", "--state-dir", lab["state_dir"], "--name", "support.test.sra.test",
                     "--san", "support.test.sra.test", "--node", "site1", "--names-only",
                     "--wildcard", "test.sra.test", "--out-cert", str(cert_file), "--out-key", str(key_file)]) == 0
    dns, ips = _sans(cert_file)
    assert ips == [] and dns == ["support.test.sra.test", "*.test.sra.test", "site1.test.sra.test"]
    assert cli.main(["issue-cert", "--state-dir", lab["state_dir"], "--name", "x", "--san", "127.0.0.9",
                     "--names-only", "--out-cert", str(cert_file), "--out-key", str(key_file)]) == 1
    assert "--names-only" in capsys.readouterr().err
