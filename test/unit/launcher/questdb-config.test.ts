import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { ensureCredentials, prepareQuestdb, questdbLayout } from '../../../deploy/local/questdb.ts';

const ports = { http: 19000, pg: 18812, ilpTcp: 19009, health: 19003 };

describe('QuestDB credentials', () => {
  it('are generated once per directory, random, and readable only by the owner', () => {
    const a = questdbLayout(mkdtempSync(join(tmpdir(), 'pdm-q-')));
    const b = questdbLayout(mkdtempSync(join(tmpdir(), 'pdm-q-')));
    const first = ensureCredentials(a);
    expect(ensureCredentials(a)).toEqual(first);
    expect(ensureCredentials(b).password).not.toBe(first.password);
    expect(first.password).not.toBe('quest');
    expect(first.password.length).toBeGreaterThanOrEqual(16);
    expect(statSync(a.credentialsFile).mode & 0o777).toBe(0o600);
  });

  it('go into server.conf (0600) for PG wire and HTTP, never the defaults', () => {
    const layout = questdbLayout(mkdtempSync(join(tmpdir(), 'pdm-q-')));
    const creds = prepareQuestdb(layout, ports);
    const conf = new Map(
      readFileSync(layout.serverConf, 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );
    expect(conf.get('pg.password')).toBe(creds.password);
    expect(conf.get('http.password')).toBe(creds.password);
    expect(conf.get('pg.user')).toBe(creds.user);
    expect(conf.get('http.user')).toBe(creds.user);
    for (const key of ['http.net.bind.to', 'pg.net.bind.to', 'http.min.net.bind.to']) expect(conf.get(key)).toMatch(/^127\.0\.0\.1:/);
    expect(statSync(layout.serverConf).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged credentials file with a message saying what to do', () => {
    const layout = questdbLayout(mkdtempSync(join(tmpdir(), 'pdm-q-')));
    writeFileSync(layout.credentialsFile, '{"user": "pdm"}');
    let err: unknown;
    try {
      ensureCredentials(layout);
    } catch (e) {
      err = e;
    }
    expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain(layout.credentialsFile);
    expect((err as Error).message).toContain('delete it');
  });
});
