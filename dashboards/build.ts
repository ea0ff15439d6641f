/**
 * The one entry that assembles the dashboards and writes their JSON. Output is deterministic:
 * panel ids are assigned in order, positions come from our own layout, and object keys are
 * written sorted, so a rebuild from the same code is byte-identical (a unit test holds the
 * committed files to that).
 *
 * Layout is ours, not the SDK's: its flow layout only wraps after a line reaches 24 columns
 * exactly, so widths that do not add up to 24 would put panels past the right edge.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PdmError } from '../common/errors.ts';
import { DEFAULT_ISO_CLASS } from '../models/vibration/iso20816.ts';
import type { DashboardOptions, RowContext } from './common.ts';
import { dataQuality } from './data-quality/index.ts';
import { energy } from './energy/index.ts';
import { fleetOverview } from './fleet-overview/index.ts';
import { healthRul } from './health-rul/index.ts';
import { machineSpectra } from './machine-spectra/index.ts';
import { machineVibration } from './machine-vibration/index.ts';
import { plantOverview } from './plant-overview/index.ts';
import type { DashboardSpec } from './spec.ts';
import { pdmTables } from './tables.ts';

export const GRID_COLUMNS = 24;
const DEFAULT_SIZE = { w: 12, h: 8 };

/** The dashboards, in the order of the navigation links, with the file each is written to. */
const DASHBOARDS: Array<{ file: string; make: (ctx: RowContext) => DashboardSpec }> = [
  { file: 'plant-overview.json', make: plantOverview },
  { file: 'fleet-overview.json', make: fleetOverview },
  { file: 'machine-vibration.json', make: machineVibration },
  { file: 'machine-spectra.json', make: machineSpectra },
  { file: 'energy.json', make: energy },
  { file: 'health-rul.json', make: healthRul },
  { file: 'data-quality.json', make: dataQuality },
];

export interface BuiltDashboard {
  file: string;
  dashboard: dashboard.Dashboard;
}

/** The processor's defaults: no table prefix, and the ISO class the models default to (one constant for both). */
export function defaultDashboardOptions(): DashboardOptions {
  return { tablePrefix: '', iso: { ...DEFAULT_ISO_CLASS } };
}

export function buildDashboards(options: Partial<DashboardOptions> = {}): BuiltDashboard[] {
  const opts: DashboardOptions = { ...defaultDashboardOptions(), ...options };
  const ctx: RowContext = { options: opts, tables: pdmTables(opts.tablePrefix) };
  return DASHBOARDS.map(({ file, make }) => ({ file, dashboard: assemble(make(ctx)) }));
}

/** A built object handed back to the SDK builders that want a builder. */
function built<T>(value: T): { build: () => T } {
  return { build: () => value };
}

export function assemble(spec: DashboardSpec): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['pdm'])
    .time(spec.time)
    .refresh(spec.refresh)
    .timezone('browser')
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    // Provisioned from files with allowUiUpdates: false; edits belong in this code.
    .readonly()
    .link(
      new dashboard.DashboardLinkBuilder('PdM dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags(['pdm'])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true),
    )
    .variables(spec.variables);
  for (const a of spec.annotations ?? []) builder.annotation(a);

  let nextId = 1;
  let y = 0;
  for (const row of spec.rows) {
    builder.withRow(new dashboard.RowBuilder(row.title).id(nextId++).gridPos({ x: 0, y, w: GRID_COLUMNS, h: 1 }));
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const panelBuilder of row.panels) {
      const panel = panelBuilder.build();
      const w = panel.gridPos?.w ?? DEFAULT_SIZE.w;
      const h = panel.gridPos?.h ?? DEFAULT_SIZE.h;
      if (w > GRID_COLUMNS)
        throw new PdmError(
          'PDM_ERR_DASHBOARD_INVALID',
          `panel "${panel.title}" of ${spec.uid} is ${w} columns wide; the grid has ${GRID_COLUMNS}`,
          { uid: spec.uid, panel: panel.title },
        );
      if (x + w > GRID_COLUMNS) {
        x = 0;
        y += lineHeight;
        lineHeight = 0;
      }
      panel.id = nextId++;
      panel.gridPos = { x, y, w, h };
      builder.withPanel(built(panel));
      x += w;
      lineHeight = Math.max(lineHeight, h);
    }
    y += lineHeight;
  }
  return builder.build();
}

/** JSON with object keys sorted at every level (arrays keep their order), two-space indent, final newline. */
export function stableJson(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const child = (v as Record<string, unknown>)[key];
        if (typeof child !== 'function' && child !== undefined) out[key] = sortKeys(child);
      }
      return out;
    }
    return v;
  };
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** Write every dashboard's JSON into `outDir`; returns the paths written. */
export function writeDashboards(outDir: string, options: Partial<DashboardOptions> = {}): string[] {
  mkdirSync(outDir, { recursive: true });
  return buildDashboards(options).map(({ file, dashboard: d }) => {
    const path = join(outDir, file);
    writeFileSync(path, stableJson(d));
    return path;
  });
}
