"""The simulator: honest motion, IMU synthesis, firmware and BLE emulation, with ground truth."""

from anklet.sim._export import write_simulation
from anklet.sim._scenario import Scenario, available_scenarios, load_scenario
from anklet.sim._session import MOTION_KINDS, SimulatedSensor, SimulatedSession, simulate
from anklet.sim._virtual import VirtualSensorTransport

__all__ = [
    "MOTION_KINDS",
    "Scenario",
    "SimulatedSensor",
    "SimulatedSession",
    "VirtualSensorTransport",
    "available_scenarios",
    "load_scenario",
    "simulate",
    "write_simulation",
]
