/**
 * The model-state record (the envelope around the health model's checkpoint on
 * pdm.model-state.v1): what is written is read back; a damaged or foreign record is refused with
 * the machine named, so that machine relearns instead of restoring something wrong.
 */
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import {
  decodeModelState,
  encodeModelState,
  MODEL_STATE_VERSION,
  type ModelStateEnvelope,
} from '../../../stream-processing/model-state.ts';

const envelope: ModelStateEnvelope = {
  version: MODEL_STATE_VERSION,
  machine: 'pump-7',
  savedAt: '2026-12-02T18:00:00.000Z',
  windowSeq: 41,
  partition: 3,
  offset: 1200,
  state: { version: 2, channels: ['DE_X'], monitors: {}, mode: null },
};

describe('model-state records', () => {
  it('round-trips', () => {
    expect(decodeModelState('pump-7', encodeModelState(envelope))).toEqual(envelope);
  });

  it.each([
    ['not JSON', Buffer.from('{'), /not JSON/],
    ['another envelope version', encodeModelState({ ...envelope, version: 9 as 1 }), /unknown envelope version 9/],
    ['another machine than its key', encodeModelState({ ...envelope, machine: 'pump-8' }), /names machine "pump-8", not its key/],
    [
      'an unknown checkpoint version',
      encodeModelState({ ...envelope, state: { version: 7 } as unknown as ModelStateEnvelope['state'] }),
      /unknown checkpoint version 7/,
    ],
  ])('refuses %s, naming the machine', (_what, value, message) => {
    let err: unknown;
    try {
      decodeModelState('pump-7', value);
    } catch (e) {
      err = e;
    }
    expect(isPdmError(err, 'PDM_ERR_MODEL_STATE')).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toContain('machine pump-7');
  });
});
