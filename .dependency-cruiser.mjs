// The import rules of the repository (issue 10), checked by `npm run deps` (part of `npm run lint`,
// so of CI) and by test/unit/architecture/dependency-rules.test.ts. Each rule says why it exists.
// The picture of the layers these rules keep is docs/architecture.md (`npm run deps:graph`).
//
// Paths are matched against the repository-relative file names dependency-cruiser reports
// (`models/bearing/geometry.ts`, `fs` for node:fs, `…/node_modules/kafkajs/…`). A rule about "local"
// imports uses dependency type `local` (a relative import of a file of this repository), so npm
// packages and Node builtins are governed only by the rules that name them.

/** The modules of common/ that do I/O (a broker, a log stream, an HTTP server, files): pure code stays clear of them. */
const COMMON_IO = '^common/(kafka|log|metrics-server|config|feature-csv|endpoints)\\.ts$';
/** npm packages that talk to the outside world or start threads. */
const IO_PACKAGES = '(^|/)node_modules/(kafkajs|@platformatic/kafka|node-opcua|@questdb/[^/]+|piscina|pino|prom-client)/';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'models-only-models-and-common',
      severity: 'error',
      comment:
        'models/ is the pure signal-processing core (FFT, bearing, health, RUL): it runs the same in a worker, a test, a report ' +
        'and the simulator, so it may import only models/ and common/. Anything it needs from a pipeline stage is passed in as data.',
      from: { path: '^models/' },
      to: { dependencyTypes: ['local'], pathNot: '^(models|common)/' },
    },
    {
      name: 'models-no-io',
      severity: 'error',
      comment:
        'Pure code never imports I/O: no Node builtin (node:fs, node:http, worker_threads, …), no broker, OPC UA, QuestDB or ' +
        'thread-pool client, and none of the modules of common/ that wrap them (kafka, log, metrics-server, config files, ' +
        'feature CSV files, endpoints). The caller does the I/O and hands models/ numbers.',
      from: { path: '^models/' },
      to: { path: [COMMON_IO, IO_PACKAGES] },
    },
    {
      name: 'models-no-node-builtins',
      severity: 'error',
      comment: 'Pure code never imports I/O: a Node builtin in models/ is a file, a socket, a thread or a clock the caller should own.',
      from: { path: '^models/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'common-imports-only-common',
      severity: 'error',
      comment:
        'common/ is the floor every part stands on (errors, config, topics, the wire formats, the Kafka and log helpers): ' +
        'if it imported a part above it, that part could no longer import common/ without a cycle.',
      from: { path: '^common/' },
      to: { dependencyTypes: ['local'], pathNot: '^common/' },
    },
    {
      name: 'storage-imports-only-common',
      severity: 'error',
      comment:
        'storage/ is the QuestDB contract (table names, DDL, column contracts, rows, sink, SQL helper) that the processor, the ' +
        'dashboards, the simulator and the CLI all use: it sits at the bottom next to common/ and may import only common/.',
      from: { path: '^storage/' },
      to: { dependencyTypes: ['local'], pathNot: '^(storage|common)/' },
    },
    {
      name: 'collector-not-to-stream-processing',
      severity: 'error',
      comment:
        'The collector and the processor meet only in common/wire (the Kafka message formats): they are deployed, scaled and ' +
        'upgraded apart, so the collector must not import the processor.',
      from: { path: '^ingest/collector/' },
      to: { path: '^stream-processing/' },
    },
    {
      name: 'stream-processing-not-to-ingest',
      severity: 'error',
      comment:
        'The processor reads frames from Kafka, whatever produced them (collector, replay, another plant): it meets ingest/ ' +
        'only in common/wire and must not import the collector (nor the simulator or the OPC UA address space).',
      from: { path: '^stream-processing/' },
      to: { path: '^ingest/' },
    },
    {
      name: 'simulator-not-to-pipeline',
      severity: 'error',
      comment:
        'The simulator stands apart: it plays a factory over OPC UA and records its ground truth through storage/, so that it ' +
        'can check the pipeline without sharing its code. It imports neither stream-processing/ nor dashboards/.',
      from: { path: '^ingest/simulator/' },
      to: { path: '^(stream-processing|dashboards)/' },
    },
    {
      name: 'dashboards-not-to-stream-processing',
      severity: 'error',
      comment:
        'The dashboards read QuestDB: their contract is the storage module (tables and columns), not the processor that writes ' +
        'the rows. Importing stream-processing/ ties every dashboard build to the processor internals.',
      from: { path: '^dashboards/' },
      to: { path: '^stream-processing/' },
    },
    {
      name: 'nothing-imports-test',
      severity: 'error',
      comment:
        'test/ (tests, helpers, fixtures) is not part of the product: nothing outside test/ may import it, or test code ' +
        'ships, and changing a test helper breaks a tool. Code that tests and tools share belongs in the part it serves.',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'product-not-to-dev-tooling',
      severity: 'error',
      comment:
        'tools/ (reports, the harness that tests, benches and reports share) and bench/ are development tooling: ' +
        'the product (what pdm runs) must not need them.',
      from: { path: '^(cli|common|storage|models|ingest|stream-processing|dashboards|deploy)/' },
      to: { path: '^(tools|bench)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle of imports makes its modules one: none can be loaded, tested or moved alone, and module initialisation ' +
        'order starts to matter (a value read before its module ran). Cycles closed by a type-only import are erased at run ' +
        'time (a format module implementing an interface its dispatcher declares) and are not counted.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-orphans',
      severity: 'error',
      comment:
        'A module that imports nothing and that nothing imports is dead code, or an entry point that should be named here. ' +
        'Entry points started by path: deploy/local/watchdog.ts (spawned by deploy/local/supervisor.ts as a script), tools/require-node.mjs (npm pre-scripts), tools/run-ts.mjs (npm run deps).',
      from: {
        orphan: true,
        pathNot: [
          '(^|/)\\.[^/]+\\.(js|cjs|mjs|ts|json)$',
          '\\.d\\.m?ts$',
          '(^|/)tsconfig\\.json$',
          '^deploy/local/watchdog\\.ts$',
          '^tools/require-node\\.mjs$',
          '^tools/run-ts\\.mjs$',
        ],
      },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'An import dependency-cruiser cannot resolve is a broken import or a file no rule can see: either way the rules ' +
        'above would silently not apply to it.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // dependency-cruiser reads TypeScript through swc: its tsc parser does not load TypeScript 7. swc reports type-only
    // imports too (as dependency type `type-only`), so the rules see them.
    parser: 'swc',
    // Packages are seen (the rules on I/O packages need them) but not cruised into.
    doNotFollow: { path: '(^|/)node_modules/' },
    exclude: { path: ['^dist/', '^\\.cache/', '^deploy/.*/data/'] },
    moduleSystems: ['es6', 'cjs'],
    enhancedResolveOptions: {
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: {
      archi: { collapsePattern: '^(ingest/[^/]+|common/wire|[^/]+)/' },
    },
  },
};
