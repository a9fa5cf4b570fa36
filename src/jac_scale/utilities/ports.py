"""Whether a TCP port can still be bound on this host, checked the way a server will bind it."""

import socket
from collections.abc import Iterable

#: jac binds 0.0.0.0, so a port is free for it only when both addresses can bind it.
DEFAULT_HOSTS = ("0.0.0.0", "127.0.0.1")


def port_is_free(port: int, hosts: Iterable[str] = DEFAULT_HOSTS) -> bool:
    """True when `port` can be bound on every address in `hosts` right now."""
    for host in hosts:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                return False
    return True
