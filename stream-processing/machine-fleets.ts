/**
 * Fleet knowledge for the stream: a machine's `histories` (run-to-failure CSVs of similar
 * machines, the `pdm rul --train` format) are learnt at start-up with the same code `pdm rul`
 * runs (models/rul/fleet-training.ts), with the machine's own model configuration, so its
 * remaining life has the fleet basis before degradation and the fleet's prior and threshold
 * after. The histories' columns become the machine's health features: the live fused record
 * (`<channel>_<feature>`) must carry them.
 *
 * A history that cannot be read or learnt stops that machine's health model, with the reason
 * (on /health and in the log), not the processor: the other machines go on.
 */
import { describeError, PdmError } from '../common/errors.ts';
import { readFeatureCsv } from '../common/feature-csv.ts';
import type { FleetKnowledge } from '../models/rul/asset-monitor.ts';
import { learnFleet } from '../models/rul/fleet-training.ts';
import type { MonitorConfigInput } from '../models/rul/monitor-config.ts';

export interface MachineFleet {
  fleet: FleetKnowledge;
  /** The histories' feature columns: the machine's health features. */
  features: string[];
  files: string[];
}

export interface MachineFleets {
  fleets: Map<string, MachineFleet>;
  /** Machines whose histories could not be used, with the reason. */
  errors: Map<string, string>;
}

export function loadMachineFleets(
  machines: Record<string, { histories?: string[] | undefined }>,
  monitor: MonitorConfigInput,
): MachineFleets {
  const fleets = new Map<string, MachineFleet>();
  const errors = new Map<string, string>();
  for (const [machine, m] of Object.entries(machines)) {
    if (!m.histories) continue;
    try {
      fleets.set(machine, learnMachineFleet(m.histories, monitor));
    } catch (err) {
      if (!(err instanceof PdmError)) throw err;
      errors.set(machine, `its run-to-failure histories cannot be used: ${describeError(err)}`);
    }
  }
  return { fleets, errors };
}

function learnMachineFleet(files: string[], monitor: MonitorConfigInput): MachineFleet {
  const histories = files.map(readFeatureCsv);
  const features = histories[0].columns;
  for (const h of histories.slice(1)) {
    const differ = h.columns.length !== features.length || h.columns.some((c) => !features.includes(c));
    if (differ) {
      throw new PdmError(
        'PDM_ERR_INPUT_FILE',
        `${h.file}: its columns (${h.columns.join(', ')}) differ from ${histories[0].file}'s (${features.join(', ')}); the histories of one machine must have the same columns`,
        {
          file: h.file,
        },
      );
    }
  }
  // Energy is not in the histories; the health index (log features) is the same with or without it.
  const config: MonitorConfigInput = { ...monitor, anomaly: { ...(monitor.anomaly ?? {}), features, energy: false } };
  const fleet = learnFleet(
    histories.map((h) => ({ name: h.file, times: h.times, rows: h.rows })),
    config,
  );
  return { fleet, features, files };
}
