/**
 * The import rules of .dependency-cruiser.mjs and the picture of the parts they keep apart
 * (issue 10; docs/architecture.md).
 *
 *   node tools/architecture.ts check   # npm run deps: the rules over the repository's code; exit 1 on a broken rule
 *   node tools/architecture.ts graph   # npm run deps:graph: rewrite the import graph in docs/architecture.md
 *                                      # (mermaid) and docs/architecture.svg (with Graphviz `dot`, when installed)
 *   node tools/architecture.ts graph --print   # print the graph section instead
 *
 * Both cruise the same folders with the same configuration as test/unit/architecture/dependency-rules.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise, format, type ICruiseResult } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { publishSection } from './markdown-section.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RULES_FILE = join(ROOT, '.dependency-cruiser.mjs');

/**
 * The folders the rules are checked over: all code of the repository. A folder that does not
 * exist (yet) is skipped: storage/ arrives with issue 10's storage module.
 */
export const CRUISED_FOLDERS: readonly string[] = [
  'cli',
  'common',
  'ingest',
  'stream-processing',
  'models',
  'dashboards',
  'deploy',
  'storage',
  'tools',
  'bench',
  'test',
];

/** The rules of .dependency-cruiser.mjs applied to the code under `root` (the repository, or a test's fixture tree). */
export async function cruiseFolders(root: string = ROOT, folders: readonly string[] = CRUISED_FOLDERS): Promise<ICruiseResult> {
  const options = await extractDepcruiseOptions(RULES_FILE);
  const present = folders.filter((folder) => existsSync(join(root, folder)));
  const { output } = await cruise(present, { ...options, baseDir: root });
  if (typeof output === 'string') throw new Error('dependency-cruiser returned a report where a cruise result was expected');
  return output;
}

/** One line per broken rule: `rule: from → to` (a cycle: its modules in order). */
export function violationLines(result: ICruiseResult): string[] {
  return result.summary.violations
    .map((v) => `${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name).join(' → ') : v.to}`)
    .sort();
}

// ---- the picture ---------------------------------------------------------------------------

/**
 * The parts drawn, top to bottom as they should stack (a part imports only parts drawn below it).
 * test/, bench/ and tools/ are left out: they sit above everything and may import any part.
 */
const PARTS = [
  'cli',
  'deploy',
  'dashboards',
  'ingest/simulator',
  'ingest/collector',
  'ingest/opcua',
  'stream-processing',
  'models',
  'storage',
  'common',
] as const;
type Part = (typeof PARTS)[number];
const BOTTOM: readonly Part[] = ['common', 'storage'];

function partOf(file: string): Part | undefined {
  const match = /^(ingest\/[^/]+|[^/]+)\//.exec(file);
  return PARTS.find((p) => p === match?.[1]);
}

interface Edge {
  from: Part;
  to: Part;
  /** Imports between the two parts. */
  count: number;
  /** The rules these imports break (empty: allowed). */
  rules: string[];
}

/** The folder-level import graph: which part imports which, and which of those imports break a rule. */
export function partGraph(result: ICruiseResult): { parts: Part[]; edges: Edge[] } {
  const present = new Set<Part>();
  const edges = new Map<string, Edge>();
  for (const module of result.modules) {
    const from = partOf(module.source);
    if (from === undefined) continue;
    present.add(from);
    for (const dependency of module.dependencies) {
      const to = partOf(dependency.resolved);
      if (to === undefined || to === from) continue;
      const key = `${from} ${to}`;
      const edge = edges.get(key) ?? { from, to, count: 0, rules: [] };
      edge.count += 1;
      for (const rule of dependency.valid ? [] : (dependency.rules ?? [])) if (!edge.rules.includes(rule.name)) edge.rules.push(rule.name);
      edges.set(key, edge);
    }
  }
  const order = (p: Part): number => PARTS.indexOf(p);
  return {
    parts: PARTS.filter((p) => present.has(p)),
    edges: [...edges.values()].sort((a, b) => order(a.from) - order(b.from) || order(a.to) - order(b.to)),
  };
}

const id = (p: Part): string => p.replace(/[^a-z]/g, '_');
const label = (p: Part): string => `${p.startsWith('ingest/') ? p.slice('ingest/'.length) : p}/`;
const ingestParts = (parts: Part[]): Part[] => parts.filter((p) => p.startsWith('ingest/'));

/** Mermaid flowchart, importer above imported; an import that breaks a rule is red and names the rule. */
export function mermaid(graph: { parts: Part[]; edges: Edge[] }): string {
  const lines = ['flowchart TD'];
  for (const p of graph.parts) if (!p.startsWith('ingest/')) lines.push(`  ${id(p)}["${label(p)}"]`);
  const ingest = ingestParts(graph.parts);
  if (ingest.length > 0) {
    lines.push('  subgraph ingest["ingest/"]');
    for (const p of ingest) lines.push(`    ${id(p)}["${label(p)}"]`);
    lines.push('  end');
  }
  const red: number[] = [];
  graph.edges.forEach((e, i) => {
    if (e.rules.length > 0) red.push(i);
    lines.push(e.rules.length > 0 ? `  ${id(e.from)} -- "${e.rules.join(', ')}" --> ${id(e.to)}` : `  ${id(e.from)} --> ${id(e.to)}`);
  });
  if (red.length > 0) lines.push(`  linkStyle ${red.join(',')} stroke:#d00,stroke-width:2px,color:#d00`);
  return lines.join('\n');
}

/** Graphviz source of the same graph; common/ and storage/ pinned to the bottom row, cli/ to the top. */
export function dot(graph: { parts: Part[]; edges: Edge[] }): string {
  const lines = [
    'digraph architecture {',
    '  rankdir=TB; nodesep=0.5; ranksep=0.6;',
    '  node [shape=box, style="rounded,filled", fillcolor="#f4f4f4", color="#888888", fontname="Helvetica", fontsize=12];',
    '  edge [color="#666666", arrowsize=0.7, fontname="Helvetica"];',
  ];
  for (const p of graph.parts) if (!p.startsWith('ingest/')) lines.push(`  ${id(p)} [label="${label(p)}"];`);
  const ingest = ingestParts(graph.parts);
  if (ingest.length > 0) {
    lines.push('  subgraph cluster_ingest { label="ingest/"; fontname="Helvetica"; fontsize=12; style=rounded; color="#aaaaaa";');
    for (const p of ingest) lines.push(`    ${id(p)} [label="${label(p)}"];`);
    lines.push('  }');
  }
  if (graph.parts.includes('cli')) lines.push('  { rank=min; cli; }');
  const bottom = BOTTOM.filter((p) => graph.parts.includes(p));
  if (bottom.length > 0) lines.push(`  { rank=max; ${bottom.map(id).join('; ')}; }`);
  for (const e of graph.edges) {
    const attributes =
      e.rules.length > 0 ? ` [color="#dd0000", fontcolor="#dd0000", penwidth=2, fontsize=10, label="${e.rules.join('\\n')}"]` : '';
    lines.push(`  ${id(e.from)} -> ${id(e.to)}${attributes};`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The generated section of docs/architecture.md: the mermaid graph and the imports that break a rule today. */
export function graphSection(result: ICruiseResult): string {
  const broken = violationLines(result);
  return [
    '<!-- import-graph:start -->',
    '<!-- generated by `npm run deps:graph` (tools/architecture.ts); do not edit by hand -->',
    '',
    '```mermaid',
    mermaid(partGraph(result)),
    '```',
    '',
    broken.length === 0
      ? 'Every import keeps the rules (`npm run deps`).'
      : `Imports that break a rule at the time the graph was drawn (${broken.length}, \`npm run deps\`):\n\n${broken.map((b) => `- \`${b}\``).join('\n')}`,
    '<!-- import-graph:end -->',
  ].join('\n');
}

function hasDot(): boolean {
  try {
    execFileSync('dot', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command === 'check') {
    const result = await cruiseFolders();
    const report = await format(result, { outputType: 'err-long' });
    process.stdout.write(String(report.output));
    process.exitCode = result.summary.error > 0 ? 1 : 0;
  } else if (command === 'graph') {
    const result = await cruiseFolders();
    await publishSection(join(ROOT, 'docs', 'architecture.md'), 'import-graph', graphSection(result));
    if (process.argv.includes('--print')) return;
    if (hasDot()) {
      const svg = execFileSync('dot', ['-Tsvg'], { input: dot(partGraph(result)), encoding: 'utf8' });
      // A title as the svg element's first child: screen readers announce it (and Biome's a11y lint asks for it).
      const titled = svg.replace(/(<svg\b[^>]*>)/, '$1\n<title>pdm: which part imports which</title>');
      await writeFile(join(ROOT, 'docs', 'architecture.svg'), titled);
      process.stdout.write('docs/architecture.svg rewritten\n');
    } else {
      process.stderr.write('Graphviz `dot` not found: docs/architecture.svg left as it was (apt-get install graphviz)\n');
    }
  } else {
    process.stderr.write('usage: node tools/architecture.ts check | graph [--print]\n');
    process.exitCode = 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
