"""Keep a test process on this machine: any connection or name lookup off 127.0.0.1 raises.

The pytest process installs the guard from conftest.py; the subprocesses that run the Zappa
CLI or the unzipped package install it too. Libraries that swallow errors (Zappa does, around
its PyPI lookups) cannot hide an attempt: each one is also appended to the file named by
``LOOPBACK_OFFLINE_LOG``, which the tests read and require to be empty.
"""

import ipaddress
import os
import socket
import sys

LOG_VARIABLE = "LOOPBACK_OFFLINE_LOG"
LOCAL_NAMES = {"localhost", "localhost.localdomain", ""}


class OffMachineConnectionError(RuntimeError):
    """A test tried to reach an address that is not on this machine."""


def is_local(host: object) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).strip("[]").lower()
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def refuse(host: object, port: object) -> None:
    message = f"tests must not leave this machine: refused {host}:{port}"
    log = os.environ.get(LOG_VARIABLE)
    if log:
        with open(log, "a", encoding="utf-8") as journal:
            journal.write(message + "\n")
    print(message, file=sys.stderr)
    raise OffMachineConnectionError(message)


def install() -> None:
    """Patch the socket module so that only loopback addresses can be looked up or reached."""
    if getattr(socket, "_loopback_offline", False):
        return
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host, port = address[0], address[1]  # type: ignore[index]
            if not is_local(host):
                refuse(host, port)

    def connect(self: socket.socket, address: object) -> None:
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: object) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, port, *args, **kwargs):
        if not is_local(host):
            refuse(host, port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    socket._loopback_offline = True  # type: ignore[attr-defined]
