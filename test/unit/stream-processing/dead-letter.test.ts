/** Dead letters keep the message as it was and say why, where from and when, in headers. */
import type { KafkaMessage, Producer, ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { PdmError } from '../../../common/errors.ts';
import type { Logger } from '../../../common/log.ts';
import { DeadLetters, deadLetterHeaders } from '../../../stream-processing/dead-letter.ts';

const AT = new Date('2026-01-01T00:00:00.000Z');

describe('deadLetterHeaders', () => {
  it('name the reason, the code, the origin and the time', () => {
    const err = new PdmError('PDM_ERR_FRAME_DECODE', 'vibration message has no value');
    expect(deadLetterHeaders({ topic: 'pdm.vibration.v1', partition: 3, offset: '17' }, err, AT)).toEqual({
      'pdm-dlq-reason': 'PDM_ERR_FRAME_DECODE: vibration message has no value',
      'pdm-dlq-code': 'PDM_ERR_FRAME_DECODE',
      'pdm-dlq-rule': 'none',
      'pdm-dlq-topic': 'pdm.vibration.v1',
      'pdm-dlq-partition': '3',
      'pdm-dlq-offset': '17',
      'pdm-dlq-at': '2026-01-01T00:00:00.000Z',
    });
  });

  it('name the rule a message broke, when the error says', () => {
    const err = new PdmError('PDM_ERR_FRAME_INVALID', 'ts_ms 1e300 is outside the window', { rule: 'time' });
    const h = deadLetterHeaders({ topic: 'pdm.energy.v1', partition: 0, offset: '1' }, err, AT);
    expect(h['pdm-dlq-code']).toBe('PDM_ERR_FRAME_INVALID');
    expect(h['pdm-dlq-rule']).toBe('time');
  });

  it('an error outside the catalogue is UNEXPECTED, with its message', () => {
    const h = deadLetterHeaders({ topic: 't', partition: 0, offset: '0' }, new TypeError('boom'), AT);
    expect(h['pdm-dlq-code']).toBe('UNEXPECTED');
    expect(h['pdm-dlq-rule']).toBe('none');
    expect(h['pdm-dlq-reason']).toBe('boom');
  });
});

describe('DeadLetters', () => {
  it('sends the original key and value to the dead-letter topic with acks from all replicas', async () => {
    const sent: ProducerRecord[] = [];
    const producer = { send: async (r: ProducerRecord) => void sent.push(r) } as unknown as Producer;
    const dl = new DeadLetters(producer, 'pdm.deadletter.v1', { warn: () => undefined } as unknown as Logger);
    const message = { key: Buffer.from('press-1'), value: Buffer.from([1, 2, 3]), offset: '9' } as KafkaMessage;
    await dl.send('pdm.energy.v1', 1, message, new PdmError('PDM_ERR_FRAME_INVALID', 'bad'));
    expect(sent).toHaveLength(1);
    expect(sent[0].topic).toBe('pdm.deadletter.v1');
    expect(sent[0].acks).toBe(-1);
    expect(sent[0].messages[0].key).toBe(message.key);
    expect(sent[0].messages[0].value).toBe(message.value);
    expect(sent[0].messages[0].headers).toMatchObject({
      'pdm-dlq-topic': 'pdm.energy.v1',
      'pdm-dlq-partition': '1',
      'pdm-dlq-offset': '9',
    });
  });
});
