/**
 * The macro expansion must do what Grafana and the QuestDB plugin do, or the SQL tests prove
 * nothing. Expected strings below come from the plugin's and SDK's sources (pkg/macros/macros.go,
 * sqlutil.Interpolate, Grafana's template formats), worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import {
  applyConditionalAll,
  type ExpansionContext,
  expandQuery,
  grafanaInterval,
  interpolateMacros,
  interpolateVariables,
  sampleByInterval,
  variableReferences,
} from '../../../dashboards/macros.ts';
import { thrown } from '../../helpers/thrown.ts';

const FROM = Date.UTC(2026, 0, 1, 0, 0, 0);
const TO = Date.UTC(2026, 0, 1, 6, 0, 0);
const ctx = (variables: ExpansionContext['variables'] = {}, intervalMs = 30_000): ExpansionContext => ({
  fromMs: FROM,
  toMs: TO,
  intervalMs,
  variables,
});

describe('$__sampleByInterval as the plugin renders it', () => {
  it.each([
    [3_600_000, '1h'],
    [5_400_000, '1h'], // 90 min: the plugin keeps whole hours only
    [86_400_000, '1d'],
    [90_000_000, '1d'], // 25 h exactly: Go's integer division of whole hours by 24
    [91_800_000, '25h'], // 25.5 h: not whole hours, so hours
    [172_800_000, '2d'],
    [30_000, '30s'],
    [60_000, '60s'],
    [1_500, '1s'],
    [500, '500T'],
    [0.4, '1T'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(sampleByInterval(ms)).toBe(expected);
  });
});

describe('$__interval as gtime.FormatInterval renders it', () => {
  it.each([
    [60_000, '1m'],
    [90_000, '1m'],
    [1_500, '1s'],
    [100, '100ms'],
    [86_400_000 * 2, '2d'],
  ])('%d ms -> %s', (ms, expected) => {
    expect(grafanaInterval(ms)).toBe(expected);
  });
});

describe('back-end macros', () => {
  it('expands $__timeFilter to microsecond casts of the range, both ends inclusive', () => {
    const fromUs = `${FROM}000`;
    const toUs = `${TO}000`;
    expect(interpolateMacros('WHERE $__timeFilter(ts) AND x', ctx())).toBe(
      `WHERE ts >= cast(${fromUs} as timestamp) AND ts <= cast(${toUs} as timestamp) AND x`,
    );
    expect(interpolateMacros('ts <= $__toTime AND ts >= $__fromTime', ctx())).toBe(
      `ts <= cast(${toUs} as timestamp) AND ts >= cast(${fromUs} as timestamp)`,
    );
  });

  it('takes arguments only from a bracket right after the name', () => {
    expect(interpolateMacros('SAMPLE BY $__sampleByInterval FILL(NULL)', ctx())).toBe('SAMPLE BY 30s FILL(NULL)');
  });

  it('does not let the shorter $__interval eat $__interval_ms', () => {
    expect(interpolateMacros('$__interval_ms / $__interval', ctx({}, 120_000))).toBe('120000 / 2m');
  });

  it('keeps nested brackets inside an argument', () => {
    expect(interpolateMacros('$__timeFilter(coalesce(a, b))', ctx())).toContain('coalesce(a, b) >= cast(');
  });

  it('rejects a time filter without its column, and an unclosed bracket', () => {
    expect(thrown(() => interpolateMacros('WHERE $__timeFilter()', ctx())).message).toMatch(/\$__timeFilter needs exactly one argument/);
    expect(thrown(() => interpolateMacros('WHERE $__timeFilter(ts', ctx())).message).toMatch(/no closing bracket/);
  });
});

describe('template variables as Grafana formats them', () => {
  const multi = { machine: ['m1', 'm2'] };

  it('uses the plugin formatter without an explicit format: quoted list for multi-values, bare for a single value', () => {
    expect(interpolateVariables('IN ($machine)', ctx(multi))).toBe("IN ('m1','m2')");
    expect(interpolateVariables('IN (${machine})', ctx({ machine: ['m1'] }))).toBe("IN ('m1')");
    expect(interpolateVariables('col = $band', ctx({ band: 'band_low' }))).toBe('col = band_low');
    expect(interpolateVariables('IN ([[machine]])', ctx(multi))).toBe("IN ('m1','m2')");
  });

  it('applies named formats; sqlstring doubles single quotes as QuestDB expects', () => {
    expect(interpolateVariables('${machine:sqlstring}', ctx({ machine: ["o'brien", 'x'] }))).toBe("'o''brien','x'");
    expect(interpolateVariables('${machine:csv}', ctx(multi))).toBe('m1,m2');
    expect(interpolateVariables('${machine:raw}', ctx({ machine: 'band_a' }))).toBe('band_a');
    expect(interpolateVariables('[[machine:pipe]]', ctx(multi))).toBe('m1|m2');
  });

  it('replaces the panel-scoped interval variables and leaves macros for the back end', () => {
    expect(interpolateVariables('count() * 1000.0 / $__interval_ms SAMPLE BY $__sampleByInterval', ctx({}, 5_000))).toBe(
      'count() * 1000.0 / 5000 SAMPLE BY $__sampleByInterval',
    );
  });

  it('leaves unknown variables alone, as Grafana does', () => {
    expect(interpolateVariables('x = $nope', ctx())).toBe('x = $nope');
  });

  it('rejects formats that make no sense in SQL', () => {
    const err = thrown(() => interpolateVariables('${machine:json}', ctx(multi)));
    expect(isPdmError(err, 'PDM_ERR_DASHBOARD_INVALID')).toBe(true);
    expect(err.message).toMatch(/\$\{machine:json\}/);
  });

  it('lists references with their formats', () => {
    expect(variableReferences('a $x ${y:sqlstring} [[z]] $__timeFilter(ts)').map((r) => [r.name, r.format])).toEqual([
      ['x', undefined],
      ['y', 'sqlstring'],
      ['z', undefined],
      ['__timeFilter', undefined],
    ]);
  });
});

describe('$__conditionalAll as the plugin applies it', () => {
  const cond = '$__conditionalAll(machine IN (${machine:sqlstring}), $machine)';

  it('becomes 1=1 when the variable is set to All or is empty', () => {
    expect(applyConditionalAll(`WHERE ${cond} AND x`, { ...ctx({ machine: ['m1', 'm2'] }), all: ['machine'] })).toBe('WHERE 1=1 AND x');
    expect(applyConditionalAll(`WHERE ${cond}`, ctx({ machine: '' }))).toBe('WHERE 1=1');
  });

  it('keeps the condition, brackets and all, for a selection, for the template service to fill', () => {
    expect(applyConditionalAll(`WHERE ${cond} AND x`, ctx({ machine: ['m1'] }))).toBe('WHERE machine IN (${machine:sqlstring}) AND x');
    expect(expandQuery(`WHERE ${cond}`, ctx({ machine: ['m1', "o'b"] }))).toBe("WHERE machine IN ('m1','o''b')");
  });

  it('handles several uses, each by its own variable, and the ${var} spelling', () => {
    const sql = `${cond} AND $__conditionalAll(channel IN (\${channel:sqlstring}), \${channel})`;
    expect(expandQuery(sql, { ...ctx({ machine: ['m1'], channel: ['c1', 'c2'] }), all: ['channel'] })).toBe("machine IN ('m1') AND 1=1");
  });

  it('leaves a malformed use alone, which expandQuery then reports', () => {
    expect(applyConditionalAll('WHERE $__conditionalAll(machine = 1)', ctx())).toBe('WHERE $__conditionalAll(machine = 1)');
    expect(thrown(() => expandQuery('WHERE $__conditionalAll(machine = 1)', ctx())).message).toMatch(/macro \$__conditionalAll/);
  });
});

describe('expandQuery', () => {
  it('produces SQL with nothing Grafana-shaped left', () => {
    const sql =
      'SELECT ts, machine, count() * 1000.0 / $__interval_ms AS r FROM t WHERE $__timeFilter(ts) AND machine IN (${machine:sqlstring}) SAMPLE BY $__sampleByInterval FILL(0)';
    const out = expandQuery(sql, ctx({ machine: ['m1'] }, 1000));
    expect(out).toBe(
      `SELECT ts, machine, count() * 1000.0 / 1000 AS r FROM t WHERE ts >= cast(${FROM}000 as timestamp) AND ts <= cast(${TO}000 as timestamp) AND machine IN ('m1') SAMPLE BY 1s FILL(0)`,
    );
  });

  it('names an undefined variable and an unknown macro', () => {
    const err = thrown(() => expandQuery('WHERE m = $machin AND $__timeGroup(ts, hour) AND $__bogus', ctx()));
    expect(err.message).toMatch(/variable \$machin \(not defined\)/);
    expect(err.message).toMatch(/macro \$__timeGroup \(expands to SQL QuestDB does not run\)/);
    expect(err.message).toMatch(/macro \$__bogus \(not one the QuestDB plugin expands\)/);
  });

  it('does not mistake a $ inside a string literal for a variable', () => {
    expect(expandQuery("WHERE c ~ '^band_$x'", ctx())).toBe("WHERE c ~ '^band_$x'");
  });
});
