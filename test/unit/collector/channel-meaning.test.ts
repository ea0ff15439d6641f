import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { channelMeaning } from '../../../ingest/collector/opcua-discovery.ts';

const where = { label: 'pump-1 (opc.tcp://pump-1:4840)', endpoint: 'opc.tcp://pump-1:4840' };
const config = (declaration: object) => ({ from: 'the collector config (nodes.channels[0])', declaration });

function errorOf(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected a config error');
}

describe('collector discovery: what a channel measures', () => {
  it("takes the server's EngineeringUnits, and the rest from the id when nothing is configured", () => {
    expect(channelMeaning(where, 'DE_X', 'g')).toEqual({ location: 'DE', axis: 'X', quantity: 'acceleration', units: 'g' });
  });

  it('takes the units from the config when the server has none, location and axis as configured', () => {
    expect(channelMeaning(where, 'S7', undefined, config({ units: 'mm/s', location: 'fan', axis: 'axial' }))).toEqual({
      location: 'fan',
      axis: 'axial',
      quantity: 'velocity',
      units: 'mm/s',
    });
  });

  it('units from neither: a config error for that machine saying what to write, never a silent g', () => {
    expect(errorOf(() => channelMeaning(where, 'DE_X', undefined))).toMatch(
      /^machine pump-1 \(opc.tcp:\/\/pump-1:4840\): channel DE_X: the server has no EngineeringUnits and the collector config no units: list the channel under nodes.channels with its units/,
    );
  });

  it('server and config disagreeing, unknown server units, units of another quantity: each named', () => {
    expect(errorOf(() => channelMeaning(where, 'DE_X', 'g', config({ units: 'mm/s' })))).toMatch(
      /channel DE_X: the server's EngineeringUnits say 'g', the collector config \(nodes.channels\[0\]\) says 'mm\/s'/,
    );
    expect(errorOf(() => channelMeaning(where, 'DE_X', 'V'))).toMatch(
      /channel DE_X: units 'V' are not known .*from the server's EngineeringUnits/,
    );
    expect(errorOf(() => channelMeaning(where, 'DE_X', 'g', config({ quantity: 'velocity' })))).toMatch(
      /units 'g' measure acceleration, not velocity .*units from the server's EngineeringUnits, quantity from the collector config/,
    );
  });
});
