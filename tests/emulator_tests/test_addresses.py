"""Node addresses: loopback addresses of the emulator's own 127.B.0.0/16 block, in every scenario."""

import ipaddress

import pytest

from tests.emulator.addresses import AddressBlock, NoFreeBlock
from tests.emulator.clock import SimClock
from tests.emulator.scenarios import SCENARIOS
from tests.emulator.world import Settings, World
from tests.support.emulator import running_emulator


@pytest.fixture
def block():
    addresses = AddressBlock()
    yield addresses
    addresses.close()


@pytest.mark.parametrize("scenario", [name for name in SCENARIOS if name != "fleet:N"] + ["fleet:300"])
def test_every_node_of_every_scenario_has_a_loopback_public_address_of_the_block(scenario, block):
    world = World(Settings(scenario=scenario), SimClock(), addresses=block)
    nodes = [node for cluster in world.clusters.values() for node in cluster.nodes()]
    network = ipaddress.IPv4Network(block.network)
    public = [ipaddress.IPv4Address(node.public_address) for node in nodes]
    assert all(address in network and address.is_loopback for address in public)
    assert len(set(public)) == len(public)
    assert all(not ipaddress.IPv4Address(node.private_address).is_loopback for node in nodes)


def test_a_block_held_by_one_emulator_is_refused_to_another(block):
    with pytest.raises(NoFreeBlock):
        AddressBlock(block.block)
    other = AddressBlock()
    try:
        assert other.block != block.block
    finally:
        other.close()
    block.close()
    again = AddressBlock(block.block)  # given back on close
    again.close()


def test_engine_addresses_are_loopback_and_apart_from_public_ones(block):
    public = [block.next_public() for _number in range(300)]
    engines = [block.engine_address(address) for address in public]
    assert not set(public) & set(engines)
    assert all(ipaddress.IPv4Address(address) in ipaddress.IPv4Network(block.network) for address in engines)


def test_two_emulators_side_by_side_publish_their_own_blocks():
    with running_emulator(scenario="default") as one, running_emulator(scenario="default") as two:
        blocks = [emulator.admin("GET", "/data-plane")["address_block"] for emulator in (one, two)]
        assert blocks[0] != blocks[1]
        for emulator, block in zip((one, two), blocks):
            body = emulator.api("GET", "/provisioning/v1/%s" % emulator.clusters()[0]["id"]).json()
            addresses = [node["publicAddress"] for dc in body["dataCentres"] for node in dc["nodes"]]
            assert all(ipaddress.IPv4Address(address) in ipaddress.IPv4Network(block) for address in addresses)


def test_an_emulator_refuses_to_start_on_a_block_another_one_holds(block):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "tests.emulator", "--port", "0", "--address-block", str(block.block)],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2 and "no free loopback block 127.B.0.0/16 (B %d)" % block.block in result.stderr
