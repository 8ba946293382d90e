"""Which network interface gloo uses to reach the other nodes.

Gloo advertises the address its host name resolves to. On many machines (Debian's /etc/hosts, containers,
network namespaces) that is 127.0.0.1 or 127.0.1.1, so the other nodes are told to connect to their own
loopback and the run stops with "connectFullMesh failed ... Connection refused". Unless the operator set
GLOO_SOCKET_IFNAME, the interface the kernel routes MASTER_ADDR through is the one to use. NCCL picks its
own interfaces (it skips loopback), so this is for CPU nodes only.
"""

from __future__ import annotations

import fcntl
import ipaddress
import logging
import os
import socket
import struct

log = logging.getLogger("airlock_trainer")

_SIOCGIFADDR = 0x8915  # Linux ioctl: an interface's IPv4 address


def interface_towards(address: str) -> str | None:
    """The name of the local interface whose IPv4 address the kernel would send packets to `address` from, or None
    (loopback, an unroutable address, or not Linux)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect((address, 9))  # UDP: no packet is sent, the kernel only picks the route
            local = probe.getsockname()[0]
    except OSError:
        return None
    if ipaddress.ip_address(local).is_loopback:
        return None
    for _, name in socket.if_nameindex():
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as query:
                packed = fcntl.ioctl(query.fileno(), _SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
        except OSError:
            continue  # no IPv4 address on this interface
        if socket.inet_ntoa(packed[20:24]) == local:
            return name
    return None


def choose_gloo_interface() -> None:
    """Sets GLOO_SOCKET_IFNAME to the interface towards MASTER_ADDR when the operator has not set it."""
    master = os.environ.get("MASTER_ADDR", "")
    if not master or os.environ.get("GLOO_SOCKET_IFNAME"):
        return
    try:
        address = socket.gethostbyname(master)
    except OSError:
        return  # the node check and the rendezvous report an unknown master in their own words
    name = interface_towards(address)
    if name:
        os.environ["GLOO_SOCKET_IFNAME"] = name
        log.info("gloo reaches the master %s through %s (set GLOO_SOCKET_IFNAME to choose another)", master, name)
