/**
 * The dashboards' structure, checked on what Grafana will load: the JSON written to
 * deploy/grafana/dashboards (which must equal a fresh build) and the provisioning files beside it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { buildDashboards, GRID_COLUMNS, stableJson } from '../../../dashboards/build.ts';
import { QUESTDB_DATASOURCE } from '../../../dashboards/datasource.ts';
import { dashboardQueries, leafPanels, referencedTables } from '../../../dashboards/inspect.ts';
import { variableReferences } from '../../../dashboards/macros.ts';
import { CONTRACT_TABLES, type ContractTable, tableDefinitions } from '../../../storage/schema.ts';
import { TABLES, tableNames } from '../../../storage/tables.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, 'deploy/grafana/dashboards');
const built = buildDashboards();
/** What Grafana loads: the committed files, parsed. */
const loaded: Array<{ file: string; d: dashboard.Dashboard }> = built.map(({ file }) => ({
  file,
  d: JSON.parse(readFileSync(join(OUT, file), 'utf8')) as dashboard.Dashboard,
}));

/** Grafana's own variables and the plugin's macros that may appear in SQL. */
const GRAFANA_NAMES = new Set([
  '__interval',
  '__interval_ms',
  '__timeFilter',
  '__fromTime',
  '__toTime',
  '__sampleByInterval',
  '__conditionalAll',
]);

describe('generated files', () => {
  it('are exactly what a fresh build writes (run `pdm dashboards build` after changing dashboards/)', () => {
    for (const { file, dashboard: d } of built) expect(readFileSync(join(OUT, file), 'utf8'), file).toBe(stableJson(d));
    expect(
      readdirSync(OUT)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(built.map((b) => b.file).sort());
  });

  it('are deterministic', () => {
    expect(buildDashboards().map((b) => stableJson(b.dashboard))).toEqual(built.map((b) => stableJson(b.dashboard)));
  });
});

describe('dashboards', () => {
  it('have unique uids (Grafana: at most 40 characters) and unique titles', () => {
    const uids = loaded.map(({ d }) => d.uid);
    const titles = loaded.map(({ d }) => d.title);
    expect(new Set(uids).size).toBe(loaded.length);
    expect(new Set(titles).size).toBe(loaded.length);
    for (const uid of uids) expect(uid).toMatch(/^[a-z0-9-]{1,40}$/);
  });

  it.each(loaded.map(({ file, d }) => [file, d] as const))(
    '%s: panel ids are unique and the grid holds every panel without overlap',
    (_file, d) => {
      const panels = d.panels ?? [];
      const ids = panels.map((p) => p.id);
      expect(ids.every((id) => typeof id === 'number' && id > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
      const boxes = panels.map((p) => ({ title: p.title, ...p.gridPos! }));
      for (const b of boxes) {
        expect(b.x, b.title).toBeGreaterThanOrEqual(0);
        expect(b.y, b.title).toBeGreaterThanOrEqual(0);
        expect(b.w, b.title).toBeGreaterThanOrEqual(1);
        expect(b.h, b.title).toBeGreaterThanOrEqual(1);
        expect(b.x + b.w, b.title).toBeLessThanOrEqual(GRID_COLUMNS);
      }
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i];
          const b = boxes[j];
          const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
          expect(overlap, `"${a.title}" and "${b.title}" overlap`).toBe(false);
        }
      }
    },
  );

  it.each(loaded.map(({ file, d }) => [file, d] as const))(
    '%s: every query goes to the provisioned QuestDB datasource as raw SQL',
    (_file, d) => {
      const queries = dashboardQueries(d);
      expect(queries.length).toBeGreaterThan(0);
      for (const q of queries) {
        expect(q.datasource, q.where).toEqual(QUESTDB_DATASOURCE);
        expect(q.rawSql.trim(), q.where).not.toBe('');
      }
      for (const panel of leafPanels(d)) {
        const targets = (panel.targets ?? []) as unknown as Array<Record<string, unknown>>;
        expect(targets.length, panel.title).toBeGreaterThan(0);
        expect(new Set(targets.map((t) => t.refId)).size, panel.title).toBe(targets.length);
        for (const t of targets) {
          expect(t.queryType, panel.title).toBe('sql');
          expect([0, 1], panel.title).toContain(t.format);
          expect(t.selectedFormat, panel.title).toBe(t.format);
        }
      }
    },
  );

  it.each(loaded.map(({ file, d }) => [file, d] as const))(
    '%s: every variable used in SQL or as a repeat is defined; only Grafana globals and plugin macros besides',
    (_file, d) => {
      const defined = new Map((d.templating.list ?? []).map((v) => [v.name, v]));
      // Spectra are read one machine channel at a time (lines of two channels hide each other): single-select there.
      const single = d.uid === 'pdm-machine-spectra';
      expect(defined.get('machine')?.multi).toBe(!single);
      expect(defined.get('machine')?.includeAll).toBe(!single);
      for (const q of dashboardQueries(d)) {
        for (const ref of variableReferences(q.rawSql)) {
          if (ref.name.startsWith('__')) expect(GRAFANA_NAMES, `${q.where}: ${ref.text}`).toContain(ref.name);
          else expect(defined.has(ref.name), `${q.where}: ${ref.text} is not a variable of the dashboard`).toBe(true);
        }
        if (q.repeat !== undefined) {
          expect(defined.has(q.repeat), `${q.where} repeats over $${q.repeat}`).toBe(true);
          // The plugin's $__conditionalAll reads the dashboard's selection (All), not the copy's one value.
          expect(q.rawSql, `${q.where} repeats over $${q.repeat} but filters it with $__conditionalAll`).not.toMatch(
            new RegExp(`\\$__conditionalAll\\([^;]*\\$\\{?${q.repeat}\\b`),
          );
        }
      }
    },
  );

  it('read only tables the processor or the simulator writes, and say so where ground truth is needed', () => {
    const written = new Set([...tableDefinitions('').map((t) => t.name), TABLES.groundTruth]);
    const used = new Set<string>();
    for (const { d } of loaded) {
      const descriptions = new Map(leafPanels(d).map((p) => [p.title, p.description ?? '']));
      for (const q of dashboardQueries(d)) {
        const tables = referencedTables(q.rawSql);
        expect(tables.length, q.where).toBeGreaterThan(0);
        for (const t of tables) {
          expect(written.has(t), `${q.where} reads ${t}`).toBe(true);
          used.add(t);
          const title = /panel "(.*)" \//.exec(q.where)?.[1];
          if (t === TABLES.groundTruth && q.kind === 'panel')
            expect(descriptions.get(title!), `${q.where} reads ground truth but does not say so`).toContain(
              'exists only for a simulated plant',
            );
        }
      }
    }
    // Panels are designed for both contract tables.
    for (const t of Object.keys(CONTRACT_TABLES) as ContractTable[]) expect(used.has(TABLES[t]), t).toBe(true);
  });

  it('apply the table prefix to every table they read', () => {
    for (const { dashboard: d } of buildDashboards({ tablePrefix: 'p7_' })) {
      for (const q of dashboardQueries(d)) for (const t of referencedTables(q.rawSql)) expect(t, q.where).toMatch(/^p7_/);
    }
  });
});

describe('provisioning', () => {
  it('declares the datasource uid and type the dashboards use', () => {
    const ds = parseYaml(readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/questdb.yaml'), 'utf8')) as {
      datasources: Array<{ uid: string; type: string }>;
    };
    expect(ds.datasources.map((d) => ({ uid: d.uid, type: d.type }))).toContainEqual(QUESTDB_DATASOURCE);
  });

  it('loads dashboards from the folder docker-compose mounts deploy/grafana/dashboards on', () => {
    const provider = parseYaml(readFileSync(join(ROOT, 'deploy/grafana/provisioning/dashboards/pdm.yaml'), 'utf8')) as {
      providers: Array<{ options: { path: string } }>;
    };
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const p of provider.providers) expect(compose).toContain(`./deploy/grafana/dashboards:${p.options.path}`);
  });
});

describe('the writers keep the columns the dashboards rely on', () => {
  it("the processor's machine_health table has every contract column with its type", () => {
    const ddl = tableDefinitions('')
      .find((t) => t.name === tableNames().health)!
      .ddl.replace(/\s+/g, ' ');
    for (const col of CONTRACT_TABLES.health.columns.split(',').map((c) => c.trim().split(/\s+/)))
      expect(ddl).toMatch(new RegExp(`\\b${col[0]} ${col[1]}\\b`));
  });
});
