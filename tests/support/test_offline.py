"""The guard that keeps the tests on this machine (tests/offline.py), installed by conftest.py."""

import socket

import pytest

from tests.support.offline import LOG_VARIABLE, OffMachineConnectionError


def test_an_address_off_this_machine_is_refused_and_logged(tmp_path, monkeypatch):
    log = tmp_path / "off-machine.log"
    monkeypatch.setenv(LOG_VARIABLE, str(log))
    with pytest.raises(OffMachineConnectionError):
        socket.create_connection(("192.0.2.1", 443), timeout=1)  # TEST-NET-1: never routed
    assert "192.0.2.1:443" in log.read_text()


def test_a_name_lookup_off_this_machine_is_refused():
    with pytest.raises(OffMachineConnectionError):
        socket.getaddrinfo("lambda.ap-northeast-2.amazonaws.com", 443)


def test_loopback_is_allowed():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("localhost", port), timeout=1):
            pass
