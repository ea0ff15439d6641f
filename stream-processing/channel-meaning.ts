/**
 * What each vibration channel measures, resolved per frame: the processor configuration
 * (`machines.<id>.channels.<channel>`, which overrides: version 1 frames carry no meaning, and a
 * server may declare wrongly), then the frame (version 2), then the units table (quantity) and
 * the id convention <location>_<axis> (location, axis). A frame whose units are unknown, missing,
 * or do not measure the declared quantity is a PDM_ERR_FRAME_INVALID naming the channel, what is
 * wrong and where each value came from: the processor dead-letters it with that reason.
 */
import type { ChannelMeaning, DeclarationSource } from '../common/channels.ts';
import { resolveChannel } from '../common/channels.ts';
import { PdmError } from '../common/errors.ts';
import type { VibrationFrame } from '../common/wire/vibration-frame.ts';
import type { MachineModelConfig } from './processor-config.ts';

export class ChannelMeanings {
  readonly #machines: Readonly<Record<string, Pick<MachineModelConfig, 'channels'>>>;

  constructor(machines: Readonly<Record<string, Pick<MachineModelConfig, 'channels'>>>) {
    this.#machines = machines;
  }

  /** The frame's channel meaning, or throws PDM_ERR_FRAME_INVALID (dead letter) saying why. */
  resolve(frame: VibrationFrame): ChannelMeaning {
    const sources: DeclarationSource[] = [];
    const declared = this.#machines[frame.machine]?.channels?.[frame.channel];
    if (declared) sources.push({ from: `processor config machines.${frame.machine}.channels.${frame.channel}`, declaration: declared });
    sources.push({
      from: `the frame (version ${frame.version})`,
      declaration: { units: frame.units, location: frame.location, axis: frame.axis, quantity: frame.quantity },
    });
    const r = resolveChannel(frame.channel, sources);
    if (r.ok) return r.meaning;
    throw new PdmError('PDM_ERR_FRAME_INVALID', `vibration frame ${frame.machine}/${frame.channel} seq ${frame.seq}: ${r.problem}`, {
      machine: frame.machine,
      channel: frame.channel,
      seq: frame.seq,
    });
  }
}
