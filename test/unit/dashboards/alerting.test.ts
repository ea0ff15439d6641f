/**
 * The committed alerting provisioning file (deploy/grafana/provisioning/alerting/pdm-alerts.yaml)
 * against Grafana's documented file-provisioning schema (docs/sources/alerting/set-up/
 * provision-alerting-resources/file-provisioning, and the fields pkg/services/provisioning/alerting
 * reads): apiVersion 1; groups with orgId, name, folder, interval and rules (uid, title,
 * condition, data[refId, datasourceUid, relativeTimeRange, model], noDataState, execErrState, for);
 * contactPoints with receivers (uid, type, settings); policies routing to a contact point. It must
 * equal a fresh build, have one rule per alert kind the processor raises, query the provisioned
 * QuestDB datasource, and take the contact addresses from variables compose passes to Grafana.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ALERT_KINDS } from '../../../common/wire/alert-event.ts';
import { ALERTING_FILE, alertingYaml, buildAlertRules } from '../../../dashboards/alerting/rules.ts';
import { expandQuery } from '../../../dashboards/macros.ts';
import { TABLES } from '../../../storage/tables.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const FILE = join(ROOT, 'deploy/grafana/provisioning/alerting', ALERTING_FILE);
const text = readFileSync(FILE, 'utf8');

interface Query {
  refId: string;
  datasourceUid: string;
  relativeTimeRange: { from: number; to: number };
  model: Record<string, unknown>;
}
interface Rule {
  uid: string;
  title: string;
  condition: string;
  data: Query[];
  noDataState: string;
  execErrState: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}
interface Provisioning {
  apiVersion: number;
  groups: Array<{ orgId: number; name: string; folder: string; interval: string; rules: Rule[] }>;
  contactPoints: Array<{ orgId: number; name: string; receivers: Array<{ uid: string; type: string; settings: Record<string, unknown> }> }>;
  policies: Array<{ orgId: number; receiver: string; group_by: string[] }>;
}
const file = parseYaml(text) as Provisioning;

/** Prometheus durations as Grafana parses them (model.ParseDuration). */
const DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

describe('alerting provisioning', () => {
  it('is what the build writes (npm run dashboards), so the committed file never drifts from the code', () => {
    expect(text).toBe(alertingYaml());
  });

  it('follows the file-provisioning schema: groups, rules and their queries', () => {
    expect(file.apiVersion).toBe(1);
    expect(file.groups).toHaveLength(1);
    const uids = new Set<string>();
    for (const g of file.groups) {
      expect(g.orgId).toBe(1);
      expect(g.name.trim()).not.toBe('');
      expect(g.folder.trim()).not.toBe('');
      expect(g.interval).toMatch(DURATION);
      for (const r of g.rules) {
        // Grafana's rule uids: at most 40 characters of letters, digits, - and _.
        expect(r.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
        expect(uids.has(r.uid), r.uid).toBe(false);
        uids.add(r.uid);
        expect(r.title.trim()).not.toBe('');
        expect(['NoData', 'Alerting', 'OK']).toContain(r.noDataState);
        expect(['Error', 'Alerting', 'OK']).toContain(r.execErrState);
        expect(r.for).toMatch(DURATION);
        const refIds = r.data.map((q) => q.refId);
        expect(refIds).toContain(r.condition);
        for (const q of r.data) {
          expect(Object.keys(q).sort(), `${r.uid} ${q.refId}`).toEqual(['datasourceUid', 'model', 'refId', 'relativeTimeRange']);
          expect(q.model.refId).toBe(q.refId);
          expect(q.relativeTimeRange.from).toBeGreaterThanOrEqual(q.relativeTimeRange.to);
          if (q.datasourceUid === '__expr__') {
            // An expression refers to a query of the same rule.
            expect(refIds).toContain(q.model.expression);
            expect(['threshold', 'reduce', 'math', 'classic_conditions']).toContain(q.model.type);
          }
        }
        // Annotations: Grafana's alert templating, and no ${VAR} Grafana would take from the environment.
        for (const v of Object.values(r.annotations)) expect(v).not.toMatch(/\$\{/);
      }
    }
  });

  it('has one rule per alert kind, each on the provisioned QuestDB datasource, reading the alerts table', () => {
    const rules = file.groups.flatMap((g) => g.rules);
    expect(rules.map((r) => r.labels.kind).sort()).toEqual([...ALERT_KINDS].sort());
    const ds = parseYaml(readFileSync(join(ROOT, 'deploy/grafana/provisioning/datasources/questdb.yaml'), 'utf8')) as {
      datasources: Array<{ uid: string; type: string }>;
    };
    for (const r of rules) {
      const query = r.data.find((q) => q.datasourceUid !== '__expr__')!;
      expect(ds.datasources.map((d) => d.uid)).toContain(query.datasourceUid);
      expect(query.model).toMatchObject({ queryType: 'sql', format: 1, datasource: { type: ds.datasources[0].type } });
      const sql = String(query.model.rawSql);
      expect(sql).toContain(`FROM ${TABLES.alerts} WHERE event = 'start' AND ts <= now() AND kind = '${r.labels.kind}'`);
      // Nothing left that Grafana's backend would not expand.
      expect(() => expandQuery(sql, { fromMs: 0, toMs: 1, intervalMs: 1000, variables: {} })).not.toThrow();
    }
  });

  it('puts the table prefix on every table the rules read', () => {
    for (const r of buildAlertRules({ tablePrefix: 'p7_' })) {
      const sql = r.data[0].model.rawSql;
      for (const m of sql.matchAll(/\bFROM\s+([A-Za-z_][A-Za-z0-9_]*)/g)) expect(m[1], r.uid).toMatch(/^p7_/);
    }
  });

  it('sends every alert to a contact point whose addresses come from variables compose passes to Grafana', () => {
    const names = file.contactPoints.map((c) => c.name);
    expect(file.policies.map((p) => p.receiver).every((r) => names.includes(r))).toBe(true);
    expect(file.policies[0].group_by).toContain('machine');
    const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const vars: string[] = [];
    for (const c of file.contactPoints)
      for (const r of c.receivers) {
        expect(r.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
        expect(['email', 'webhook']).toContain(r.type);
        const address = String(r.type === 'email' ? r.settings.addresses : r.settings.url);
        const m = /^\$\{([A-Z][A-Z0-9_]*)\}$/.exec(address);
        expect(m, `${r.uid}: its address is an environment variable`).not.toBeNull();
        vars.push(m![1]);
      }
    expect(vars.length).toBe(2);
    for (const v of vars) {
      expect(compose, `${v} passed to Grafana`).toMatch(new RegExp(`^\\s+${v}: \\$\\{${v}:\\?`, 'm'));
      expect(example, `${v} in .env.example`).toMatch(new RegExp(`^${v}=`, 'm'));
    }
    // The folder is inside what compose mounts as Grafana's provisioning directory.
    expect(compose).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning');
  });
});
