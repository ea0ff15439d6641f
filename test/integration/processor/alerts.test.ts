/**
 * Alert episodes end to end, with the processor restarted in the middle of one: a real `pdm process`
 * reads two machines' blocks from Kafka; one machine's vibration rises from ISO 20816-3 zone A into
 * zone C and, after the processor has been stopped and started again, falls back to zone A; the
 * other stays healthy. The `alerts` table and the `pdm.alerts.v1` topic hold exactly one start and
 * one end of the degrading machine's zone episode (the restarted processor restores the open
 * episode with the model state and raises no second start), the healthy machine raises none, and
 * every Grafana alert rule's query (dashboards/alerting) returns a row per machine, flagging the
 * open episode while it is open. Then both machines fall silent: a silence episode starts on the
 * wall clock alone and ends when data comes back.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import { type AlertEventV1, decodeAlertEvent } from '../../../common/wire/alert-event.ts';
import { buildAlertRules } from '../../../dashboards/alerting/rules.ts';
import { expandQuery } from '../../../dashboards/macros.ts';
import { tableNames } from '../../../storage/tables.ts';
import {
  FramePublisher,
  type ProcessorChild,
  scenarioConfig,
  spawnProcessor,
  stopChild,
  waitHealth,
} from '../../../tools/harness/processor-group.ts';
import { sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const FS = 10_240;
const BLOCK = 1_024; // 100 ms
const WINDOW_BLOCKS = 4;
const HEALTHY = 'alert-ok';
const DEGRADING = 'alert-deg';
const LINE_HZ = 45; // not a grid frequency: a pure 50 Hz tone is what hum looks like to the sensor checks
// Velocity RMS of the line: a(g) * 9806.65 / sqrt(2) / (2 pi 45 Hz) = 24.5 mm/s per g. Group 2 rigid: A <= 1.4, C 2.8..4.5.
const ZONE_A_G = 0.03; // 0.7 mm/s
const ZONE_C_G = 0.15; // 3.7 mm/s
const SILENT_AFTER_S = 10;

describe('alert episodes: one start and one end per episode, across a processor restart', () => {
  const services = testServices();
  const prefix = `palert${Date.now().toString(36)}_`;
  const tables = tableNames(prefix);
  const dataDir = mkdtempSync(join(tmpdir(), 'pdm-alerts-'));
  const config = {
    ...scenarioConfig(prefix, 2, WINDOW_BLOCKS),
    // The health-model kinds are left to the unit tests: a 10-window baseline taught partly in zone C would make them depend on timing here.
    alerts: {
      kinds: ['iso_zone', 'silence', 'sensor'],
      confirmWindows: 3,
      clearWindows: 5,
      silentAfterS: SILENT_AFTER_S,
      checkIntervalS: 1,
    },
  };
  const amplitude = new Map([
    [HEALTHY, ZONE_A_G],
    [DEGRADING, ZONE_A_G],
  ]);
  let publisher: FramePublisher;
  const children: ProcessorChild[] = [];
  const rules = buildAlertRules({ tablePrefix: prefix });

  const alertRows = () =>
    sql(services, `SELECT machine, kind, channel, event, ts, started_at, severity, detail FROM ${tables.alerts} ORDER BY ts, event`);

  /** Every event on the alerts topic so far (read from the beginning by a fresh group). */
  async function topicEvents(expected: number): Promise<AlertEventV1[]> {
    const kafka = createKafka(services.kafkaBrokers, `${prefix}alerts-reader`);
    const consumer = kafka.consumer({ groupId: `${prefix}reader-${Date.now()}` });
    const events: AlertEventV1[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topicNames(prefix).alerts], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          events.push(decodeAlertEvent(message.value!));
        },
      });
      const deadline = Date.now() + 20_000;
      // Then a little longer: a duplicate would arrive after the expected count.
      while (events.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      await consumer.disconnect();
    }
    return events;
  }

  /** Each rule's query as Grafana's backend sends it (time range: the rule's relative range, ending now). */
  async function ruleResults(): Promise<Map<string, Array<Record<string, unknown>>>> {
    const out = new Map<string, Array<Record<string, unknown>>>();
    const now = Date.now();
    for (const rule of rules) {
      const q = rule.data[0];
      const expanded = expandQuery(q.model.rawSql, {
        fromMs: now - q.relativeTimeRange.from * 1000,
        toMs: now - q.relativeTimeRange.to * 1000,
        intervalMs: 1000,
        variables: {},
      });
      out.set(rule.uid, await sql(services, expanded));
    }
    return out;
  }

  beforeAll(async () => {
    publisher = new FramePublisher(services, {
      prefix,
      machines: [HEALTHY, DEGRADING],
      sampleRateHz: FS,
      blockSize: BLOCK,
      t0Ms: Date.now() - 300_000,
      lineHz: LINE_HZ,
      amplitude: (m) => amplitude.get(m)!,
    });
  });

  afterAll(async () => {
    for (const c of children) await stopChild(c, 'SIGKILL');
    await publisher?.close();
  });

  it('raises one zone episode for the degrading machine, none for the healthy one, and keeps it open across a restart', async () => {
    const first = await spawnProcessor(services, 'first', dataDir, config);
    children.push(first);
    await waitHealth(first, (h) => h.status === 'starting' || h.status === 'ok', 60_000, '/health');
    await publisher.connect(services);

    // Zone A, then zone C until the episode has started and its state is saved with a commit.
    await publisher.stream(8 * WINDOW_BLOCKS, 4, 50);
    amplitude.set(DEGRADING, ZONE_C_G);
    await publisher.stream(8 * WINDOW_BLOCKS, 4, 50);
    await waitForRows(
      services,
      `SELECT count() n FROM ${tables.alerts} WHERE machine = '${DEGRADING}'`,
      (r) => Number(r[0]?.n) === 1,
      60_000,
    );
    await publisher.stream(4 * WINDOW_BLOCKS, 4, 100);
    await new Promise((r) => setTimeout(r, 1_500)); // a checkpoint interval

    const open = await ruleResults();
    const zoneRule = open.get('pdm-alert-iso-zone')!;
    expect(zoneRule.map((r) => [r.machine, Number(r.open_episodes)])).toEqual([
      [DEGRADING, 1],
      [HEALTHY, 0],
    ]);

    // Stopped mid-episode (SIGTERM: it leaves the group at once; a SIGKILLed member would hold its
    // partitions for the 30 s session timeout), restarted; blocks keep coming in zone C, then the machine recovers.
    await stopChild(first, 'SIGTERM');
    const second = await spawnProcessor(services, 'second', dataDir, config);
    children.push(second);
    await publisher.stream(4 * WINDOW_BLOCKS, 4, 100);
    amplitude.set(DEGRADING, ZONE_A_G);
    await publisher.stream(12 * WINDOW_BLOCKS, 4, 100);

    const rows = await waitForRows(services, `SELECT count() n FROM ${tables.alerts}`, (r) => Number(r[0]?.n) >= 2, 60_000).then(alertRows);
    expect(rows.map((r) => [r.machine, r.kind, r.channel, r.event, r.severity])).toEqual([
      [DEGRADING, 'iso_zone', 'DE_X', 'start', 'warning'],
      [DEGRADING, 'iso_zone', 'DE_X', 'end', 'warning'],
    ]);
    expect(rows[1].started_at).toBe(rows[0].ts);
    expect(String(rows[0].detail)).toMatch(/^ISO 20816-3 zone C: velocity 3\.\d\d mm\/s RMS$/);
    expect(second.stderr()).toMatch(/model state restored for the partitions received/);

    const events = await topicEvents(2);
    expect(events.map((e) => [e.machine, e.kind, e.event, e.started_at_ms])).toEqual([
      [DEGRADING, 'iso_zone', 'start', Date.parse(String(rows[0].ts))],
      [DEGRADING, 'iso_zone', 'end', Date.parse(String(rows[0].ts))],
    ]);

    // Every rule's query returns a row per machine, and nothing is open any more.
    const closed = await ruleResults();
    for (const rule of rules) {
      const r = closed.get(rule.uid)!;
      expect(
        r.map((x) => [x.machine, Number(x.open_episodes)]),
        rule.uid,
      ).toEqual([
        [DEGRADING, 0],
        [HEALTHY, 0],
      ]);
    }
  }, 180_000);

  it('a silent machine raises a silence episode on the wall clock, ended by its next data', async () => {
    const silenceRows = () =>
      sql(services, `SELECT machine, event FROM ${tables.alerts} WHERE kind = 'silence' ORDER BY machine, started_at, event DESC`);
    const started = await waitForRows(
      services,
      `SELECT count() n FROM ${tables.alerts} WHERE kind = 'silence'`,
      (r) => Number(r[0]?.n) === 2,
      (SILENT_AFTER_S + 30) * 1000,
    ).then(silenceRows);
    expect(started.map((r) => [r.machine, r.event])).toEqual([
      [DEGRADING, 'start'],
      [HEALTHY, 'start'],
    ]);
    const silent = (await ruleResults()).get('pdm-alert-silence')!;
    expect(silent.map((r) => [r.machine, Number(r.open_episodes)])).toEqual([
      [DEGRADING, 1],
      [HEALTHY, 1],
    ]);
    await publisher.stream(4 * WINDOW_BLOCKS, 4, 100);
    const ended = await waitForRows(
      services,
      `SELECT count() n FROM ${tables.alerts} WHERE kind = 'silence'`,
      (r) => Number(r[0]?.n) === 4,
      30_000,
    ).then(silenceRows);
    expect(ended.map((r) => [r.machine, r.event])).toEqual([
      [DEGRADING, 'start'],
      [DEGRADING, 'end'],
      [HEALTHY, 'start'],
      [HEALTHY, 'end'],
    ]);
  }, 90_000);
});
