/**
 * What the stream processor's models need to know about a fleet's machines (bearing per
 * location, nominal speed, ISO 20816 class), taken from the fleet file the simulator serves, so
 * a simulated plant is not described twice. Settings in the processor's own file win.
 */
import { loadFleet, type ValidMachine } from '../../ingest/simulator/fleet-config.ts';
import type { MachineModelConfig, ProcessorConfig } from '../../stream-processing/processor-config.ts';

function processorMachines(machines: ValidMachine[]): Record<string, MachineModelConfig> {
  return Object.fromEntries(
    machines.map((m) => [m.id, { shaftRpm: m.nominalSpeedRpm, bearings: { DE: m.bearings.DE, NDE: m.bearings.NDE }, iso: m.iso }]),
  );
}

/** Adds these fleet machines to the processor configuration (its own per-machine settings win). */
export function addFleetMachines(config: ProcessorConfig, machines: ValidMachine[]): void {
  config.machines = { ...processorMachines(machines), ...config.machines };
}

/**
 * Adds the fleet file's machines to the processor configuration (the file's own per-machine
 * settings win). Returns the messages of fleet entries that were rejected: those machines are
 * left out, the others are modelled.
 */
export function withFleetMachines(config: ProcessorConfig, fleetFile: string): string[] {
  const fleet = loadFleet(fleetFile);
  addFleetMachines(config, fleet.machines);
  return fleet.rejected.map((r) => r.error.message);
}
