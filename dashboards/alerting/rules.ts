/**
 * Grafana alert rules as code, written by `npm run dashboards` into Grafana's alerting file
 * provisioning (deploy/grafana/provisioning/alerting/pdm-alerts.yaml) with the dashboards, in the
 * documented file format (apiVersion 1: groups / contactPoints / policies).
 *
 * One rule per alert kind of the processor (common/wire/alert-event.ts). The processor decides
 * episodes with hysteresis and writes their starts and ends to the `alerts` table; each rule asks
 * QuestDB, per machine, how many episodes of its kind are open (a start without its end), so Grafana notifies once per episode and resolves when it ends, and
 * the decision is made in one place (open-episodes.ts). Every machine known (from its windows or its alerts) gets a
 * row, 0 when nothing is open: a rule always has data, and a machine whose episode ends resolves.
 *
 * Queries go through the QuestDB datasource plugin, a backend plugin (alerting runs its queries
 * in Grafana's server); the model is the panels' query shape (datasource.ts) in table format,
 * whose string column `machine` becomes the alert instance's label and `open_episodes` its value.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import type { AlertKind } from '../../common/wire/alert-event.ts';
import { QUERY_FORMAT, QUESTDB_DATASOURCE } from '../datasource.ts';
import { pdmTables } from '../tables.ts';
import { openEpisodesSql } from './open-episodes.ts';

/** Grafana's server-side expressions datasource. */
const EXPRESSION_DATASOURCE = '__expr__';

export interface RuleQuery {
  refId: string;
  /** Seconds before (from) and after (to) the evaluation time: the query's time range. */
  relativeTimeRange: { from: number; to: number };
  datasourceUid: string;
  model: Record<string, unknown> & { refId: string };
}

export interface QuestDbRuleQuery extends RuleQuery {
  model: RuleQuery['model'] & { queryType: 'sql'; rawSql: string; format: number };
}

export interface ProvisionedRule {
  uid: string;
  title: string;
  /** refId of the expression whose result fires the alert. */
  condition: string;
  data: [QuestDbRuleQuery, RuleQuery];
  noDataState: 'OK' | 'NoData' | 'Alerting';
  execErrState: 'Error' | 'Alerting' | 'OK';
  for: string;
  dashboardUid: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  isPaused: boolean;
}

/** What each rule says, by kind (the kinds' meaning is the processor's: models/alerts/alert-tracker.ts). */
const RULES: Record<AlertKind, { uid: string; title: string; what: string }> = {
  health_state: {
    uid: 'pdm-alert-health-state',
    title: 'Health state left normal',
    what: 'its NE 107 health state has left normal (maintenance required, out of specification or failure)',
  },
  iso_zone: {
    uid: 'pdm-alert-iso-zone',
    title: 'ISO 20816-3 zone C or D',
    what: 'the velocity RMS of a channel is in ISO 20816-3 zone C (restricted operation) or D (damage likely)',
  },
  remaining_life: {
    uid: 'pdm-alert-remaining-life',
    title: 'Remaining life under the lead time',
    what: "its median remaining useful life is under the processor's lead time (alerts.leadTimeS)",
  },
  silence: {
    uid: 'pdm-alert-silence',
    title: 'Machine or channel silent',
    what: 'no data has come from it, or from one of its channels, for longer than alerts.silentAfterS',
  },
  sensor: {
    uid: 'pdm-alert-sensor',
    title: 'Sensor dead or saturated',
    what: 'a channel fails its sensor self-checks (flat line, clipping, offset step, noise floor, hum only)',
  },
};

export const ALERT_RULE_GROUP = { name: 'pdm-alert-episodes', folder: 'PdM', interval: '1m' } as const;
export const CONTACT_POINT = 'pdm-maintenance';
/** Environment variables the contact point takes its addresses from (Grafana interpolates them in provisioning files). */
export const CONTACT_ENV = { emails: 'PDM_ALERT_EMAILS', webhookUrl: 'PDM_ALERT_WEBHOOK_URL' } as const;

/** Per machine, its open episodes of a kind (0 for every machine known with none open). */
export function openEpisodesByMachineSql(kind: AlertKind, tablePrefix = ''): string {
  const t = pdmTables(tablePrefix);
  return `SELECT m.machine AS machine, coalesce(o.open_episodes, 0) AS open_episodes
    FROM ((SELECT machine FROM ${t.features} LATEST ON ts PARTITION BY machine)
      UNION (SELECT machine FROM ${t.alerts} LATEST ON ts PARTITION BY machine)) m
    LEFT JOIN (
      SELECT machine, count() AS open_episodes
      FROM (${openEpisodesSql(t.alerts, { asOf: 'now()', where: `kind = '${kind}'` })})
      GROUP BY machine
    ) o ON m.machine = o.machine
    ORDER BY m.machine`;
}

export function buildAlertRules(opts: { tablePrefix?: string } = {}): ProvisionedRule[] {
  return (Object.keys(RULES) as AlertKind[]).map((kind) => {
    const r = RULES[kind];
    return {
      uid: r.uid,
      title: r.title,
      condition: 'B',
      data: [
        {
          refId: 'A',
          // The query reads the latest events, whatever their age: the range only satisfies the format.
          relativeTimeRange: { from: 600, to: 0 },
          datasourceUid: QUESTDB_DATASOURCE.uid,
          model: {
            refId: 'A',
            datasource: { ...QUESTDB_DATASOURCE },
            queryType: 'sql',
            rawSql: openEpisodesByMachineSql(kind, opts.tablePrefix),
            format: QUERY_FORMAT.table,
            selectedFormat: QUERY_FORMAT.table,
          },
        },
        {
          refId: 'B',
          relativeTimeRange: { from: 0, to: 0 },
          datasourceUid: EXPRESSION_DATASOURCE,
          model: {
            refId: 'B',
            datasource: { type: EXPRESSION_DATASOURCE, uid: EXPRESSION_DATASOURCE },
            type: 'threshold',
            expression: 'A',
            conditions: [{ evaluator: { type: 'gt', params: [0] } }],
          },
        },
      ],
      // Rows for every machine always come back; none means no machine is known yet.
      noDataState: 'OK',
      execErrState: 'Error',
      // The processor has already confirmed the episode (alerts.confirmWindows): no second delay.
      for: '0s',
      dashboardUid: 'pdm-fleet',
      annotations: {
        summary: `{{ $labels.machine }}: ${r.title.toLowerCase()}`,
        description: `Machine {{ $labels.machine }} has {{ $values.A.Value }} open ${kind} episode(s): ${r.what}. The episode's detail is in the alerts table and on the Fleet overview dashboard.`,
      },
      labels: { kind, source: 'pdm' },
      isPaused: false,
    };
  });
}

/** The whole provisioning file: the rule group, the contact point from the environment, the notification policy. */
export function alertingProvisioning(opts: { tablePrefix?: string } = {}) {
  return {
    apiVersion: 1,
    groups: [{ orgId: 1, ...ALERT_RULE_GROUP, rules: buildAlertRules(opts) }],
    contactPoints: [
      {
        orgId: 1,
        name: CONTACT_POINT,
        receivers: [
          // Grafana replaces ${VAR} in provisioning files with the environment (docker-compose passes them from .env).
          { uid: 'pdm-maintenance-email', type: 'email', settings: { addresses: `\${${CONTACT_ENV.emails}}`, singleEmail: false } },
          { uid: 'pdm-maintenance-webhook', type: 'webhook', settings: { url: `\${${CONTACT_ENV.webhookUrl}}`, httpMethod: 'POST' } },
        ],
      },
    ],
    policies: [
      {
        orgId: 1,
        receiver: CONTACT_POINT,
        // One notification per machine and kind; a new episode of the same kind is a new alert.
        group_by: ['grafana_folder', 'alertname', 'machine'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '12h',
      },
    ],
  };
}

export const ALERTING_FILE = 'pdm-alerts.yaml';

/** The provisioning file's text: a header saying where it comes from, then the YAML (deterministic). */
export function alertingYaml(opts: { tablePrefix?: string } = {}): string {
  const header = [
    '# Generated by `npm run dashboards` from dashboards/alerting/rules.ts: edit the code, not this file.',
    '# Grafana alerting file provisioning (apiVersion 1): one rule per alert kind of the processor on the',
    `# QuestDB alerts table, the contact point ${CONTACT_POINT} (addresses from $${CONTACT_ENV.emails} and`,
    `# $${CONTACT_ENV.webhookUrl}) and the notification policy that routes every alert to it.`,
  ].join('\n');
  return `${header}\n${stringifyYaml(alertingProvisioning(opts), { lineWidth: 0 })}`;
}

/** Write the alerting provisioning file into `outDir`; returns its path. */
export function writeAlerting(outDir: string, opts: { tablePrefix?: string } = {}): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, ALERTING_FILE);
  writeFileSync(path, alertingYaml(opts));
  return path;
}
