/**
 * The import rules of .dependency-cruiser.mjs (issue 10; docs/architecture.md): the repository
 * keeps them, and each of them bites. The second half writes a small tree shaped like the
 * repository into a temporary directory, one file per broken rule next to files that keep every
 * rule, cruises it with the same configuration and expects exactly the broken imports back.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRUISED_FOLDERS, cruiseFolders, ROOT, violationLines } from '../../../tools/architecture.ts';

describe('the repository', () => {
  it('keeps every import rule', async () => {
    const result = await cruiseFolders(ROOT, CRUISED_FOLDERS);
    expect(result.summary.totalCruised).toBeGreaterThan(100);
    expect(violationLines(result)).toEqual([]);
  });
});

/** A file of the fixture tree and what it imports; files outside the BROKEN list keep every rule. */
const FIXTURE: Record<string, string> = {
  'common/errors.ts': 'export const code = 1;\n',
  'common/kafka.ts': "import 'kafkajs';\nimport './errors.ts';\n",
  'common/wire/frame.ts': "import '../errors.ts';\n",
  'common/to-models.ts': "import '../models/pure.ts';\n",
  'storage/tables.ts': "import '../common/errors.ts';\n",
  'storage/to-models.ts': "import '../models/pure.ts';\n",
  'models/pure.ts': "import 'fft.js';\nimport '../common/errors.ts';\nimport './other.ts';\n",
  'models/other.ts': 'export const x = 2;\n',
  'models/to-stream-processing.ts': "import '../stream-processing/rows.ts';\n",
  'models/to-common-kafka.ts': "import '../common/kafka.ts';\n",
  'models/to-kafkajs.ts': "import 'kafkajs';\n",
  'models/to-node-fs.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  'stream-processing/rows.ts': "import '../common/wire/frame.ts';\nimport '../storage/tables.ts';\nimport '../models/pure.ts';\n",
  'stream-processing/to-collector.ts': "import '../ingest/collector/collector.ts';\n",
  'ingest/opcua/names.ts': "import '../../common/errors.ts';\n",
  'ingest/collector/collector.ts': "import '../../common/wire/frame.ts';\nimport '../opcua/names.ts';\n",
  'ingest/collector/to-stream-processing.ts': "import '../../stream-processing/rows.ts';\n",
  'ingest/simulator/server.ts': "import '../opcua/names.ts';\nimport '../../storage/tables.ts';\nimport '../../models/pure.ts';\n",
  'ingest/simulator/to-stream-processing.ts': "import '../../stream-processing/rows.ts';\n",
  'ingest/simulator/to-dashboards.ts': "import '../../dashboards/panels.ts';\n",
  'dashboards/panels.ts': "import '../storage/tables.ts';\nimport '../models/pure.ts';\n",
  'dashboards/to-stream-processing.ts': "import type { Row } from '../stream-processing/types.ts';\nexport type Rows = Row[];\n",
  'stream-processing/types.ts': "import '../common/errors.ts';\nexport interface Row { ts: number }\n",
  // A cycle of real imports breaks no-circular; one closed by `import type` is erased at run time.
  'cli/a.ts': "import './b.ts';\n",
  'cli/b.ts': "import './a.ts';\n",
  'cli/format.ts': "import './formats.ts';\nexport interface Format { name: string }\n",
  'cli/formats.ts': "import type { Format } from './format.ts';\nexport const formats: Format[] = [];\n",
  'cli/to-test.ts': "import '../test/helpers/ports.ts';\n",
  'cli/unresolvable.ts': "import './no-such-file.ts';\n",
  'cli/to-tools.ts': "import '../tools/harness/ports.ts';\n",
  'tools/harness/ports.ts': 'export const port = 0;\n',
  'test/unit/harness.test.ts': "import '../../tools/harness/ports.ts';\n",
  'test/helpers/ports.ts': 'export const port = 0;\n',
  'test/unit/ports.test.ts': "import '../helpers/ports.ts';\n",
  'deploy/local/lonely.ts': 'export const nobody = true;\n',
};

/** `rule: from → to` for each import the fixture breaks on purpose (violationLines' format). */
const BROKEN = [
  'collector-not-to-stream-processing: ingest/collector/to-stream-processing.ts → stream-processing/rows.ts',
  'common-imports-only-common: common/to-models.ts → models/pure.ts',
  'dashboards-not-to-stream-processing: dashboards/to-stream-processing.ts → stream-processing/types.ts',
  'models-no-io: models/to-common-kafka.ts → common/kafka.ts',
  'models-no-io: models/to-kafkajs.ts → node_modules/kafkajs/index.js',
  'models-no-node-builtins: models/to-node-fs.ts → fs',
  'models-only-models-and-common: models/to-stream-processing.ts → stream-processing/rows.ts',
  'no-circular: cli/a.ts → cli/b.ts → cli/a.ts',
  'no-orphans: deploy/local/lonely.ts → deploy/local/lonely.ts',
  'not-to-unresolvable: cli/unresolvable.ts → ./no-such-file.ts',
  'nothing-imports-test: cli/to-test.ts → test/helpers/ports.ts',
  'product-not-to-dev-tooling: cli/to-tools.ts → tools/harness/ports.ts',
  'simulator-not-to-pipeline: ingest/simulator/to-dashboards.ts → dashboards/panels.ts',
  'simulator-not-to-pipeline: ingest/simulator/to-stream-processing.ts → stream-processing/rows.ts',
  'storage-imports-only-common: storage/to-models.ts → models/pure.ts',
  'stream-processing-not-to-ingest: stream-processing/to-collector.ts → ingest/collector/collector.ts',
];

describe('the rules bite', () => {
  let tree: string;
  beforeAll(() => {
    tree = mkdtempSync(join(tmpdir(), 'pdm-dependency-rules-'));
    for (const [file, text] of Object.entries(FIXTURE)) {
      mkdirSync(dirname(join(tree, file)), { recursive: true });
      writeFileSync(join(tree, file), text);
    }
    // The fixture imports real packages (kafkajs, fft.js) the way the repository does.
    symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(tree, { recursive: true, force: true }));

  it('reports every broken import of the fixture tree, and nothing else', async () => {
    const result = await cruiseFolders(tree, CRUISED_FOLDERS);
    // A resolved package path depends on where node_modules really is (here a symlink): compare from node_modules/ on.
    const lines = violationLines(result).map((line) => line.replace(/→ \S*?(node_modules\/)/, '→ $1'));
    expect(lines).toEqual(BROKEN);
  });

  it('every rule of the configuration is shown to bite', async () => {
    const result = await cruiseFolders(tree, CRUISED_FOLDERS);
    const rules = (result.summary.ruleSetUsed?.forbidden ?? []).map((r) => r.name).sort();
    const bitten = [...new Set(BROKEN.map((line) => line.slice(0, line.indexOf(':'))))].sort();
    expect(bitten).toEqual(rules);
  });
});
