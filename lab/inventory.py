"""The Ansible inventory of a lab (DESIGN §5 variable names)."""
from pathlib import Path

LOCAL_HOST = {"ansible_connection": "local",
              "ansible_python_interpreter": "{{ ansible_playbook_python }}"}


def build_inventory(topology, port, state_dir):
    state_dir = Path(state_dir).resolve()
    groups = {"sra_failover_pair": {}, "sra_traffic_nodes": {}, "sra_standalone": {}}
    for node in topology["appliances"].values():
        group, host_vars = _host(node, topology, port)
        groups[group][node["hostname"]] = host_vars
    return {"all": {
        "vars": _all_vars(topology, port, state_dir, bool(groups["sra_traffic_nodes"])),
        # Every group, empty ones too, so playbooks naming all three match without a warning.
        "children": {name: {"hosts": hosts} if hosts else {} for name, hosts in groups.items()},
    }}


def _all_vars(topology, port, state_dir, clustered):
    account, admin = topology["api_account"], topology["appliance_admin"]
    variables = {"sra_site_hostname": topology["site_hostname"]}
    if topology["shared_ips"]:
        variables["sra_network_method"] = "shared_ip"
        variables["sra_shared_ips"] = [f"{ip['address']}/{ip['prefix']}" for ip in topology["shared_ips"]]
    variables.update({
        "sra_client_id": account["client_id"],
        "sra_client_secret": account["client_secret"],
        "sra_appliance_user": admin["user"],
        "sra_appliance_password": admin["password"],
        "sra_inter_appliance_key": topology["inter_appliance_key"],
        "sra_ca_path": str(state_dir / "trust.pem"),
        "sra_port": port,
        "sra_lab_state_dir": str(state_dir),
        # Written by `lab up`: the lab CA's certificate for the site and every node.
        "sra_certificate": {
            "chain": "{{ lookup('ansible.builtin.file', sra_lab_state_dir ~ '/site.pem') }}",
            "key": "{{ lookup('ansible.builtin.file', sra_lab_state_dir ~ '/site.key') }}",
        },
    })
    if clustered:
        variables["sra_cluster_method"] = "random"
    return variables


def _host(node, topology, port):
    common = {
        "sra_address": node["address"],
        "sra_model": node["model"],
        "sra_interfaces": {"eth0": {"ips": [f"{node['address']}/{node['prefix']}"],
                                    "gateway": topology["gateway"]}},
    }
    if node["role"] == "pair":
        return "sra_failover_pair", {"sra_normal_role": node["normal_role"], **common, **LOCAL_HOST}
    if node["role"] == "traffic":
        return "sra_traffic_nodes", {
            "sra_region": node["region"], **common,
            "sra_public_port": port,
            "sra_internal_address": node["address"],
            "sra_timezone_offset": node["timezone_offset"],
            "sra_network_prefixes": node["network_prefixes"],
            "sra_accepting_connections": True,
            **LOCAL_HOST,
        }
    return "sra_standalone", {**common, **LOCAL_HOST}
