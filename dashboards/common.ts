/**
 * House defaults for the pdm dashboards: the datasource, the `machine` variable, panel factories
 * with our legend/tooltip/line settings, and the colour codes a plant engineer reads at a glance
 * (ISO 20816-3 zones A–D, NAMUR NE 107 states, bearing diagnoses).
 */

import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { type IsoFoundation, type IsoGroup, zoneBoundaries } from '../models/vibration/iso20816.ts';
import { QUESTDB_DATASOURCE } from './datasource.ts';
import { BASELINE_QUALITIES, HEALTH_STATES, NO_WAVEFORM, type PdmTables, RUL_BASES } from './tables.ts';

export interface DashboardOptions {
  tablePrefix: string;
  /** ISO 20816-3 class whose zone boundaries are drawn on velocity charts (the processor's default class). */
  iso: { group: IsoGroup; foundation: IsoFoundation };
}

/** What every row module gets: the options and the table names with the prefix applied. */
export interface RowContext {
  options: DashboardOptions;
  tables: PdmTables;
}

/** A row of a dashboard: a title and its panels, each already sized (span/height). */
export interface DashboardRow {
  title: string;
  panels: Array<cog.Builder<dashboard.Panel>>;
}

export const DATASOURCE: common.DataSourceRef = { ...QUESTDB_DATASOURCE };

/**
 * SQL filter on a multi-value variable. With All selected the plugin's `$__conditionalAll` makes
 * it `1=1`: no list of every machine in the SQL, and no `IN ()` (a QuestDB syntax error) while no
 * machine has reported yet. `sqlstring` doubles quotes inside values (QuestDB's escaping).
 */
export function variableFilter(column: string, variable: string): string {
  return `$__conditionalAll(${column} IN (\${${variable}:sqlstring}), $${variable})`;
}
export const MACHINE_FILTER = variableFilter('machine', 'machine');
/**
 * For panels repeated over `machine`: `$__conditionalAll` reads the dashboard's selection (All),
 * not the one machine of the panel's copy, so it would show every machine in each copy.
 */
export const REPEATED_MACHINE_FILTER = 'machine IN (${machine:sqlstring})';
export const CHANNEL_FILTER = variableFilter('channel', 'channel');

const COLOURS = { ok: 'green', watch: 'yellow', warn: 'orange', bad: 'red', info: 'blue', off: 'text' } as const;

/**
 * `machine`: every machine that sent vibration or energy data (multi-select, All by default).
 * DISTINCT on a SYMBOL column reads the symbol table, so this stays cheap on big tables.
 */
export function machineVariable(tables: PdmTables): dashboard.QueryVariableBuilder {
  const sql = `SELECT DISTINCT machine FROM (SELECT DISTINCT machine FROM ${tables.blocks} UNION SELECT DISTINCT machine FROM ${tables.energy}) ORDER BY machine`;
  return multiVariable('machine', 'Machine', sql, dashboard.VariableRefresh.OnDashboardLoad);
}

/** `channel`: the vibration channels of the selected machines. */
export function channelVariable(tables: PdmTables): dashboard.QueryVariableBuilder {
  const sql = `SELECT DISTINCT channel FROM ${tables.blocks} WHERE ${MACHINE_FILTER} ORDER BY channel`;
  return multiVariable('channel', 'Channel', sql, dashboard.VariableRefresh.OnDashboardLoad);
}

export function multiVariable(
  name: string,
  label: string,
  sql: string,
  refresh: dashboard.VariableRefresh,
): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(sql)
    .definition(sql)
    .multi(true)
    .includeAll(true)
    .current({ selected: true, text: ['All'], value: ['$__all'] })
    .refresh(refresh)
    .sort(dashboard.VariableSort.AlphabeticalAsc);
}

/** Series names: `machine/channel` from the labels the time-series format makes of string columns. */
export const BY_MACHINE_CHANNEL = '${__field.labels.machine}/${__field.labels.channel}';
export const BY_MACHINE = '${__field.labels.machine}';
export const FIELD_BY_MACHINE_CHANNEL = '${__field.name} ${__field.labels.machine}/${__field.labels.channel}';
export const FIELD_BY_MACHINE = '${__field.name} ${__field.labels.machine}';

function legend(): common.VizLegendOptionsBuilder {
  return new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom);
}

function tooltip(): common.VizTooltipOptionsBuilder {
  return new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending);
}

export interface PanelSize {
  w: number;
  h: number;
}

/** A time-series panel with house defaults. `minInterval` is the finest bucket worth drawing (the data's own period). */
export function timeseriesPanel(
  title: string,
  description: string,
  size: PanelSize,
  unit: string,
  targets: Array<cog.Builder<cog.Dataquery>>,
  minInterval = '1s',
): timeseries.PanelBuilder {
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .targets(targets)
    .span(size.w)
    .height(size.h)
    .interval(minInterval)
    .unit(unit)
    .legend(legend())
    .tooltip(tooltip())
    .lineWidth(1)
    .fillOpacity(10)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false);
}

export function statPanel(
  title: string,
  description: string,
  size: PanelSize,
  targets: Array<cog.Builder<cog.Dataquery>>,
  valueField: string,
): stat.PanelBuilder {
  return (
    new stat.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(DATASOURCE)
      .targets(targets)
      .span(size.w)
      .height(size.h)
      .graphMode(common.BigValueGraphMode.None)
      .colorMode(common.BigValueColorMode.Background)
      .textMode(common.BigValueTextMode.ValueAndName)
      // One value per row (one per machine), named by the row's string columns.
      .reduceOptions(new common.ReduceDataOptionsBuilder().values(true).calcs([]).fields(`/^${valueField}$/`))
  );
}

export function tablePanel(
  title: string,
  description: string,
  size: PanelSize,
  targets: Array<cog.Builder<cog.Dataquery>>,
): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(title)
    .description(description)
    .datasource(DATASOURCE)
    .targets(targets)
    .span(size.w)
    .height(size.h)
    .cellHeight(common.TableCellHeight.Sm)
    .showHeader(true);
}

/**
 * A state timeline of string states. Rows come as a table and are split into one series per
 * machine (and channel) by the partitionByValues transformation: the time-series format would
 * turn the string state itself into a label.
 */
export function stateTimelinePanel(
  title: string,
  description: string,
  size: PanelSize,
  targets: Array<cog.Builder<cog.Dataquery>>,
  partitionBy: string[],
): statetimeline.PanelBuilder {
  return (
    new statetimeline.PanelBuilder()
      .title(title)
      .description(description)
      .datasource(DATASOURCE)
      .targets(targets)
      .span(size.w)
      .height(size.h)
      .interval('1s')
      .showValue(common.VisibilityMode.Auto)
      .mergeValues(true)
      .rowHeight(0.8)
      .legend(legend())
      .withTransformation({ id: 'partitionByValues', options: { fields: partitionBy, keepFields: false, naming: { asLabels: true } } })
      // One timeline row per partition, named by its values (`press-1/DE_X`), not by the state column.
      .displayName(partitionBy.map((f) => `\${__field.labels.${f}}`).join('/'))
  );
}

function thresholds(steps: Array<[number | null, string]>): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));
}

/** ISO 20816-3 zone boundaries of a machine class as velocity thresholds (mm/s): A green, B yellow, C orange, D red. */
export function isoVelocityThresholds(iso: DashboardOptions['iso']): dashboard.ThresholdsConfigBuilder {
  const [ab, bc, cd] = zoneBoundaries(iso);
  return thresholds([
    [null, COLOURS.ok],
    [ab, COLOURS.watch],
    [bc, COLOURS.warn],
    [cd, COLOURS.bad],
  ]);
}

function textMappings(entries: Array<[string, string, string]>): dashboard.ValueMapping[] {
  const options: Record<string, dashboard.ValueMappingResult> = {};
  entries.forEach(([value, text, color], index) => {
    options[value] = { text, color, index };
  });
  return [{ type: dashboard.MappingType.ValueToText, options }];
}

/** ISO zone letters (as stored in `iso_zone`) and their rank 1–4 (as computed for "worst channel"). */
export const ISO_ZONES = ['A', 'B', 'C', 'D'] as const;
const ZONE_COLOURS = [COLOURS.ok, COLOURS.watch, COLOURS.warn, COLOURS.bad];
export function isoZoneMappings(): dashboard.ValueMapping[] {
  return textMappings([
    ...ISO_ZONES.map((z, i): [string, string, string] => [z, z, ZONE_COLOURS[i]]),
    ...ISO_ZONES.map((z, i): [string, string, string] => [String(i + 1), z, ZONE_COLOURS[i]]),
    // A window whose sensor failed its checks has no zone (its rank is NULL, so "worst" ignores it).
    ['unknown', 'Sensor check', COLOURS.off],
  ]);
}
/** SQL giving the zone rank 1–4 of `iso_zone`, so "worst" is a max. */
export const ZONE_RANK_SQL = `CASE iso_zone ${ISO_ZONES.map((z, i) => `WHEN '${z}' THEN ${i + 1}`).join(' ')} END`;

/**
 * NAMUR NE 107 colours: normal green, maintenance required blue, out of specification yellow,
 * function check orange (no valid sensor: the output is invalid), failure red.
 */
const HEALTH_TEXT: Record<(typeof HEALTH_STATES)[number], [string, string]> = {
  normal: ['Normal', COLOURS.ok],
  maintenance_required: ['Maintenance required', COLOURS.info],
  out_of_specification: ['Out of specification', COLOURS.watch],
  check_function: ['Function check (sensors)', COLOURS.warn],
  failure: ['Failure', COLOURS.bad],
};
export function healthStateMappings(): dashboard.ValueMapping[] {
  return textMappings([
    ...HEALTH_STATES.map((s): [string, string, string] => [s, HEALTH_TEXT[s][0], HEALTH_TEXT[s][1]]),
    ...HEALTH_STATES.map((s, i): [string, string, string] => [String(i), HEALTH_TEXT[s][0], HEALTH_TEXT[s][1]]),
  ]);
}
/** SQL giving the NE 107 severity 0–4 of `health_state`, so "worst" is a max. */
export const HEALTH_RANK_SQL = `CASE health_state ${HEALTH_STATES.map((s, i) => `WHEN '${s}' THEN ${i}`).join(' ')} END`;

/** Baseline quality: a suspect baseline (learnt while the machine was faulty) orange, unknown blue, good green. */
export function baselineQualityMappings(): dashboard.ValueMapping[] {
  const text: Record<(typeof BASELINE_QUALITIES)[number], [string, string]> = {
    good: ['Good', COLOURS.ok],
    suspect: ['Suspect (learnt while faulty?)', COLOURS.warn],
    unknown: ['Unknown', COLOURS.info],
  };
  return textMappings(BASELINE_QUALITIES.map((q): [string, string, string] => [q, text[q][0], text[q][1]]));
}

export function rulBasisMappings(): dashboard.ValueMapping[] {
  const colours: Record<(typeof RUL_BASES)[number], string> = { fleet: COLOURS.info, degradation: COLOURS.warn };
  return textMappings(
    RUL_BASES.map((b): [string, string, string] => [b, b === 'fleet' ? 'Fleet life distribution' : 'Degradation trend', colours[b]]),
  );
}

/**
 * Bearing diagnoses of the window analysis; a fault type is orange, `none` green, and a scalar
 * sensor's `no_waveform` (nothing could be looked at) blue, never green.
 */
export const BEARING_DIAGNOSES = ['none', 'outer_race', 'inner_race', 'rolling_element', 'cage', NO_WAVEFORM] as const;
export function bearingDiagnosisMappings(): dashboard.ValueMapping[] {
  return textMappings(
    BEARING_DIAGNOSES.map((d): [string, string, string] => [
      d,
      d === 'none' ? 'No fault' : d === NO_WAVEFORM ? 'No waveform (scalar sensor)' : d.replace('_', ' '),
      d === 'none' ? COLOURS.ok : d === NO_WAVEFORM ? COLOURS.info : COLOURS.warn,
    ]),
  );
}

export function booleanAlarmMappings(): dashboard.ValueMapping[] {
  return textMappings([
    ['true', 'ALARM', COLOURS.bad],
    ['false', 'ok', COLOURS.ok],
    ['1', 'ALARM', COLOURS.bad],
    ['0', 'ok', COLOURS.ok],
  ]);
}

export function stepThresholds(steps: Array<[number | null, 'ok' | 'watch' | 'warn' | 'bad' | 'info']>): dashboard.ThresholdsConfigBuilder {
  return thresholds(steps.map(([v, c]) => [v, COLOURS[c]]));
}

/** Colour each value by the threshold step it falls in. */
export function thresholdColours(): dashboard.FieldColorBuilder {
  return new dashboard.FieldColorBuilder().mode(dashboard.FieldColorModeId.Thresholds);
}

/** A table cell coloured by its mapping/threshold colour. */
export const COLOUR_CELL: dashboard.DynamicConfigValue = { id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } };

/** Grafana field overrides are plain objects; these keep the property ids in one place. */
export const override = {
  unit: (unit: string): dashboard.DynamicConfigValue => ({ id: 'unit', value: unit }),
  mappings: (mappings: dashboard.ValueMapping[]): dashboard.DynamicConfigValue => ({ id: 'mappings', value: mappings }),
  displayName: (name: string): dashboard.DynamicConfigValue => ({ id: 'displayName', value: name }),
  rightAxis: (): dashboard.DynamicConfigValue => ({ id: 'custom.axisPlacement', value: 'right' }),
  dashed: (): dashboard.DynamicConfigValue => ({ id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } }),
  fillBelowTo: (field: string): dashboard.DynamicConfigValue => ({ id: 'custom.fillBelowTo', value: field }),
  fillOpacity: (opacity: number): dashboard.DynamicConfigValue => ({ id: 'custom.fillOpacity', value: opacity }),
  thresholds: (t: dashboard.ThresholdsConfigBuilder): dashboard.DynamicConfigValue => ({ id: 'thresholds', value: t.build() }),
  colorFromThresholds: (): dashboard.DynamicConfigValue => ({ id: 'color', value: { mode: 'thresholds' } }),
  /** Data links on a field's cells (Grafana's `${__value.raw}`, `${__url_time_range}` are filled in by Grafana). */
  links: (links: Array<{ title: string; url: string }>): dashboard.DynamicConfigValue => ({ id: 'links', value: links }),
};

/** A link to another pdm dashboard for the machine in a cell, keeping the time range. */
export function machineLink(title: string, uid: string): { title: string; url: string } {
  return { title, url: `/d/${uid}?var-machine=\${__value.raw}&\${__url_time_range}` };
}

/** A note for panels on ground truth, which only a simulated plant has. */
export function groundTruthNote(table: string): string {
  return ` Ground truth (${table}) exists only for a simulated plant: \`pdm simulate\` writes it; elsewhere that query shows "table does not exist".`;
}
