"""A scenario's [link] as the virtual peripherals' faults: the loss and disconnects it asks for
reach bleak for real (``anklet live --virtual``, ``anklet demo --ble``)."""

import dataclasses

import pytest

from anklet.sim import load_scenario, simulate
from anklet.sim.bluez import PeripheralFaults, scenario_faults


def test_chaos_loses_what_its_link_asks_and_drops_the_left_foot():
    faults = scenario_faults(simulate(load_scenario("chaos"), seed=3, duration_s=2.0))
    assert set(faults) == {"left_shank", "left_foot", "right_shank", "right_foot"}
    for name, fault in faults.items():
        assert (fault.loss_prob, fault.burst_enter_prob, fault.mean_burst_len) == (0.05, 0.002, 6.0)
        assert fault.jitter_mean_s == 0.0  # the default delivery delay is the real stack's own
        assert fault.disconnect_at_s == (((40.0, 4.0),) if name == "left_foot" else ())
    assert len({fault.seed for fault in faults.values()}) == 4  # each sensor loses its own packets


def test_defaults_and_extra_jitter():
    """A scenario without [link] gets the simulator's default loss; jitter beyond the default
    delivery delay is added, and an empty disconnect window is no window."""
    scenario = load_scenario("easy_run")
    (fault, *_) = scenario_faults(simulate(scenario, seed=0, duration_s=2.0)).values()
    assert fault == PeripheralFaults(loss_prob=5e-4, burst_enter_prob=2e-4, mean_burst_len=8.0, seed=0)
    jittery = dataclasses.replace(scenario, link={"host_jitter_mean_s": 0.005, "disconnects": [[5.0, 0.0], [8.0, 1.0]]})
    (fault, *_) = scenario_faults(simulate(jittery, seed=0, duration_s=2.0)).values()
    assert fault.jitter_mean_s == pytest.approx(0.004)
    assert fault.disconnect_at_s == ((8.0, 1.0),)
