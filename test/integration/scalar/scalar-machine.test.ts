/**
 * A machine with scalar (IO-Link style) vibration sensors only, end to end on the real services:
 * the simulator's machine (started by the Factory as `pdm simulate` does; its physics, life 100 000x faster so an imbalance grows within the
 * run) publishes overall values once a second on OPC UA, the collector browses them, sends
 * pdm.features.v1 readings to Kafka, and the processor writes them to QuestDB: every reading
 * exactly once (a reading sent again is one row), with its ISO zone climbing from A as the
 * imbalance grows, `no_waveform` where a waveform machine has a bearing diagnosis, and
 * machine_health rows with health, alarm and remaining life for a machine that has no waveform.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import { decodeFeatureReading, type FeatureReadingV1 } from '../../../common/wire/feature-reading.ts';
import { buildDashboards } from '../../../dashboards/build.ts';
import { bearingDiagnosisMappings } from '../../../dashboards/common.ts';
import { dashboardQueries } from '../../../dashboards/inspect.ts';
import { expandQuery } from '../../../dashboards/macros.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import { collectorPkiDir, initPlantPki } from '../../../ingest/opcua/pki-init.ts';
import { Factory } from '../../../ingest/simulator/factory.ts';
import { loadFleet } from '../../../ingest/simulator/fleet-config.ts';
import type { MachineServer } from '../../../ingest/simulator/opcua/machine-server.ts';
import { NO_WAVEFORM } from '../../../storage/schema.ts';
import { StreamProcessor } from '../../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import { AUTH, collectorConfig, OPCUA_ENV, readTopic, tempDir } from '../../../tools/harness/collector-plant.ts';
import { freePort, until } from '../../../tools/harness/ports.ts';
import { questdbAuth, sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const RUN_S = 21;
const BASELINE_WINDOWS = 5;
const CHANNELS = ['DE_X', 'NDE_X'];

describe('a machine of scalar vibration sensors, simulator to QuestDB', () => {
  const services = testServices();
  const prefix = `sc${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('scalar-machine');
  let factory: Factory;
  let server: MachineServer;
  let collector: Collector;
  let processor: StreamProcessor;
  let readings: FeatureReadingV1[] = [];

  beforeAll(async () => {
    for (const [k, v] of Object.entries(OPCUA_ENV)) process.env[k] = v;
    // The processor first: the machine's life starts with the server, and collection right after it.
    processor = new StreamProcessor(
      ProcessorConfigSpec.parse({
        kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: 3 },
        questdb: { tablePrefix: prefix },
        workers: 1,
        health: {
          // Its own model state: not a machine model a previous run left in the default directory.
          stateDir: join(dir, 'model-state'),
          energyWaitWindows: 3,
          monitor: { anomaly: { baseline: { windows: BASELINE_WINDOWS } } },
          reference: { enabled: false },
        },
      }),
      {
        brokers: services.kafkaBrokers,
        questdbHttp: services.questdbHttp,
        questdbIlpConfig: services.questdbIlpConfig,
        questdbAuth: questdbAuth(services),
      },
    );
    await processor.start();
    const port = await freePort();
    // Life 100 000x faster: the imbalance starts 6 s after start (about when the baseline is learnt) and reaches zone D about 10 s later.
    const fleetFile = join(dir, 'fleet.yaml');
    writeFileSync(
      fleetFile,
      `timeAcceleration: 100000
seed: 11
opcua: { basePort: ${port}, users: [{ usernameEnv: COLLECTOR_TEST_USER, passwordEnv: COLLECTOR_TEST_PASSWORD }] }
machines:
  - id: blower-io
    type: blower
    identification: { manufacturer: pdm, model: ci, serialNumber: IO-1 }
    ratedPowerKw: 15
    nominalSpeedRpm: 2940
    lineFrequencyHz: 50
    poles: 2
    operatingModes: [{ mode: full, durationS: 600, loadPct: 85 }]
    bearings: { DE: 6205-2RS, NDE: 6203-2RS }
    sensors:
      vibration: [{ location: DE, axes: [X], sampleRateHz: 10240, blockSize: 1024 }, { location: NDE, axes: [X], sampleRateHz: 10240, blockSize: 1024 }]
      output: scalar
    faults:
      - { type: imbalance, location: DE, onset: 600000, growth: { timeToFailure: 1000000, initialSeverity: 0.1 }, failure: iso_zone_d }
`,
    );
    // Started as `pdm simulate` starts a fleet: the factory gives the machine its scalar sensors.
    const pkiRoot = join(dir, 'pki');
    await initPlantPki(pkiRoot, ['blower-io'], 'localhost');
    factory = new Factory(loadFleet(fleetFile), { pkiRoot, env: { ...process.env, ...OPCUA_ENV } });
    await factory.start();
    server = factory.machines[0].server!;
    collector = new Collector(
      collectorConfig(dir, prefix, [{ id: 'blower-io', endpoint: server.endpointUrl, auth: AUTH }], { pkiDir: collectorPkiDir(pkiRoot) }),
      {
        brokers: services.kafkaBrokers,
      },
    );
    await collector.start();
    // A loaded machine: the event loop (simulator and collector share it here) stalls for 2.5
    // periods, so the simulator's timer wakes late; every period it slept through must still be
    // published and collected. (Late in the run: the baseline and the fault's growth come first.)
    await until(
      () => (collector.stats[0]?.scalarIn ?? 0) >= (RUN_S - 6) * CHANNELS.length,
      RUN_S * 1000,
      'scalar readings before the stall',
    );
    const stalledFrom = Date.now();
    while (Date.now() - stalledFrom < 2500);
    await until(() => (collector.stats[0]?.scalarIn ?? 0) >= RUN_S * CHANNELS.length, (RUN_S + 20) * 1000, 'scalar readings collected');
    await server.stop();
    // What the collector has is in Kafka before it stops (the spool is drained on stop).
    await collector.stop();
    readings = (await readTopic(services.kafkaBrokers, topics.features)).map((r) => decodeFeatureReading(r.value));
  }, 120_000);

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await factory?.stop().catch(() => undefined);
    await processor?.stop();
  });

  it('the collector sends every reading of both sensors once, in canonical units, stamped on the second', () => {
    const stats = collector.stats[0];
    expect(stats.state).not.toBe('error');
    expect(stats.collection).toMatchObject({ mode: 'subscription', expectedLossPerS: 0 });
    for (const channel of CHANNELS) {
      const ts = readings.filter((r) => r.channel === channel).map((r) => r.ts_ms);
      expect(ts.length).toBeGreaterThanOrEqual(RUN_S);
      expect(new Set(ts).size).toBe(ts.length);
      // One reading per second, none missing between the first and the last.
      expect(ts.every((t) => t % 1000 === 0)).toBe(true);
      expect((ts.at(-1)! - ts[0]) / 1000 + 1).toBe(ts.length);
      // Every value the server published from the first one collected on (the ones before the
      // collector subscribed were overwritten: a scalar node holds its latest value only).
      const before = (ts[0] - server.stats.firstScalarEndMs) / 1000;
      expect(before).toBeGreaterThanOrEqual(0);
      expect(ts.length).toBe(server.stats.published.get(channel)! - before);
    }
    // The stall was caught up, not skipped.
    expect(server.stats.skippedBehind).toBe(0);
    const r = readings.at(-1)!;
    expect(Object.keys(r.values).sort()).toEqual([
      'acceleration_peak_g',
      'acceleration_rms_g',
      'crest_factor',
      'temperature_c',
      'velocity_rms_mm_s',
    ]);
    expect(r).toMatchObject({ machine: 'blower-io', location: r.channel.split('_')[0], axis: 'X' });
  });

  it('QuestDB holds each reading exactly once, also when Kafka delivers some again, with zones climbing from A and no_waveform', async () => {
    const table = `${prefix}vibration_features`;
    const count = async () => Number((await sql(services, `SELECT count() n FROM ${table}`))[0].n);
    await waitForRows(services, `SELECT count() n FROM ${table}`, (rows) => Number(rows[0]?.n) === readings.length, 60_000);
    expect(await count()).toBe(readings.length);
    // At-least-once: a collector that resends from its spool after a crash sends readings again.
    const producer = createKafka(services.kafkaBrokers, `${prefix}resend`).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const again = readings.slice(0, 6);
    await producer.send({ topic: topics.features, messages: again.map((r) => ({ key: r.machine, value: JSON.stringify(r) })) });
    await producer.disconnect();
    await until(() => processor.stats.featuresIn >= readings.length + again.length, 30_000, 'the resent readings processed');
    await new Promise((r) => setTimeout(r, 2000));
    expect(await count()).toBe(readings.length);

    const rows = await sql(
      services,
      `SELECT ts, channel, velocity_rms_mm_s, rms, peak, crest_factor, temperature_c, iso_zone, bearing_diagnosis, bearing_confidence, samples FROM ${table} ORDER BY ts`,
    );
    expect(new Set(rows.map((x) => x.bearing_diagnosis))).toEqual(new Set([NO_WAVEFORM]));
    expect(rows.every((x) => x.bearing_confidence === null && Number(x.samples) === 0)).toBe(true);
    const byChannel = (c: string) => rows.filter((x) => x.channel === c);
    const de = byChannel('DE_X');
    // The velocity the sensor computed is what QuestDB holds, and its zone is the ISO 20816-3 one (group 2, rigid).
    const sent = readings.filter((r) => r.channel === 'DE_X').sort((a, b) => a.ts_ms - b.ts_ms);
    expect(de.map((x) => x.velocity_rms_mm_s)).toEqual(sent.map((r) => r.values.velocity_rms_mm_s));
    const zoneOf = (v: number) => (v <= 1.4 ? 'A' : v <= 2.8 ? 'B' : v <= 4.5 ? 'C' : 'D');
    expect(de.map((x) => x.iso_zone)).toEqual(de.map((x) => zoneOf(Number(x.velocity_rms_mm_s))));
    expect(de[0].iso_zone).toBe('A');
    process.stderr.write(`[scalar-machine] DE_X zones: ${de.map((x) => x.iso_zone).join('')}\n`);
    expect(['C', 'D']).toContain(de.at(-1)!.iso_zone);
  });

  it('the dashboards count its channels as without waveform, never as channels without a bearing fault', async () => {
    const table = `${prefix}vibration_features`;
    const [span] = await sql(services, `SELECT cast(min(ts) AS long) lo, cast(max(ts) AS long) hi FROM ${table}`);
    const ctx = {
      fromMs: Math.floor(Number(span.lo) / 1000) - 1000,
      toMs: Math.ceil(Number(span.hi) / 1000) + 1000,
      intervalMs: 1000,
      all: [],
    };
    const queries = buildDashboards({ tablePrefix: prefix }).flatMap((d) => dashboardQueries(d.dashboard));
    const query = (where: string) => queries.find((q) => q.where === where)!.rawSql;
    const state = await sql(
      services,
      expandQuery(query('pdm-plant-overview / panel "Machine state" / A'), { ...ctx, variables: { machine: ['blower-io'] } }),
    );
    expect(state).toHaveLength(1);
    expect(state[0]).toMatchObject({ machine: 'blower-io', channels_with_bearing_fault: 0, channels_without_waveform: 2 });
    const diagnosis = await sql(
      services,
      expandQuery(query('pdm-machine-vibration / panel "Bearing diagnosis" / A'), {
        ...ctx,
        variables: { machine: ['blower-io'], channel: CHANNELS },
      }),
    );
    expect(diagnosis.length).toBeGreaterThan(0);
    expect(new Set(diagnosis.map((r) => r.diagnosis))).toEqual(new Set([NO_WAVEFORM]));
    // What Grafana shows for it: its own text and colour, not the green "No fault".
    const mapping = bearingDiagnosisMappings()[0] as { options: Record<string, { text: string; color: string }> };
    expect(mapping.options[NO_WAVEFORM].text).toBe('No waveform (scalar sensor)');
    expect(mapping.options[NO_WAVEFORM].color).not.toBe(mapping.options['none'].color);
  });

  it('machine_health has health, alarm and remaining life for the machine without a waveform', async () => {
    const rows = await waitForRows(
      services,
      `SELECT ts, health_state, phase, alarm, health_index, rul_median_s, channels, window_seq FROM ${prefix}machine_health WHERE machine = 'blower-io' ORDER BY ts`,
      (r) => r.some((x) => x.phase === 'monitoring'),
    );
    expect(rows.length).toBeGreaterThan(BASELINE_WINDOWS);
    expect(new Set(rows.map((x) => x.window_seq)).size).toBe(rows.length);
    expect(rows.every((x) => Number(x.channels) === 2 && x.health_state !== 'check_function')).toBe(true);
    const last = rows.at(-1)!;
    process.stderr.write(
      `[scalar-machine] health (phase/state/index/alarm): ${rows.map((x) => `${x.phase}/${x.health_state}/${Number(x.health_index).toFixed(2)}/${x.alarm}`).join(' ')}\n`,
    );
    // A baseline learnt in this run, then monitoring.
    expect(rows.slice(0, BASELINE_WINDOWS).every((x) => x.phase === 'baseline')).toBe(true);
    expect(last.phase).toBe('monitoring');
    // The growing imbalance: off normal, the health index up from the baseline's, a remaining life estimated.
    expect(last.health_state).not.toBe('normal');
    const firstMonitored = rows.find((x) => x.phase === 'monitoring')!;
    expect(Number(last.health_index)).toBeGreaterThan(1.2 * Number(firstMonitored.health_index));
    expect(Number.isFinite(Number(last.rul_median_s))).toBe(true);
    expect(rows.some((x) => x.alarm === true)).toBe(true);
    const report = processor.metrics.health();
    expect(report.machines.find((m) => m.machine === 'blower-io')).toMatchObject({ phase: 'monitoring' });
  });
});
