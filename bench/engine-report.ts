/**
 * The last step of `npm run bench:engine`: merges the three parts' results (bench/results/engine-dag.json,
 * engine-airflow.json, engine-scale.json) into bench/results/engine.{md,json}, with issue #10's six goals
 * each met or not with its figure, and each part's own table below. A part that has not been run is
 * reported as not measured, and every part shows its own date: parts can be run alone (`--part N`).
 *
 * Usage: tsx bench/engine-report.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { type GoalRow, type PartFiles, engineGoals } from './lib/engine-goals.js';

const RESULTS = path.join(import.meta.dirname, 'results');
const PARTS = [
  { key: 'dag', file: 'engine-dag', title: 'Part 1: Gantry vs a raw dockerode loop', command: '--part 1' },
  {
    key: 'airflow',
    file: 'engine-airflow',
    title: 'Part 2: Gantry vs Apache Airflow 3',
    command: '--part 2',
  },
  { key: 'scale', file: 'engine-scale', title: 'Part 3: scale on simulated nodes', command: '--part 3' },
] as const;

function readPart(file: string): { json: unknown; markdown: string } | undefined {
  const jsonPath = path.join(RESULTS, `${file}.json`);
  const mdPath = path.join(RESULTS, `${file}.md`);
  if (!existsSync(jsonPath)) return undefined;
  return {
    json: JSON.parse(readFileSync(jsonPath, 'utf8')) as unknown,
    markdown: existsSync(mdPath) ? readFileSync(mdPath, 'utf8') : '',
  };
}

/** A part's markdown without its `# title` line, its headings one level down. */
function partBody(markdown: string): string {
  return markdown
    .split('\n')
    .filter((line, i) => !(i === 0 && line.startsWith('# ')))
    .map((line) => (line.startsWith('#') ? `#${line}` : line))
    .join('\n')
    .trim();
}

function main(): void {
  const parts = Object.fromEntries(PARTS.map((p) => [p.key, readPart(p.file)])) as PartFiles;
  const goals: GoalRow[] = engineGoals({
    dag: parts.dag?.json,
    airflow: parts.airflow?.json,
    scale: parts.scale?.json,
  });
  const date = new Date().toISOString();
  const machine = cpus()[0]?.model ?? 'unknown cpu';
  const markdown = [
    '# Engine benchmarks: goals of issue #10',
    '',
    `Date: ${date}  `,
    `Machine: ${machine} (${cpus().length} cpus), Node ${process.version}  `,
    'Reproduce: `npm run bench:engine` (all three parts, then this report); one part: `npm run bench:engine -- --part N`',
    '',
    '| Goal | Figure | Status | From |',
    '|---|---|---|---|',
    ...goals.map((g) => `| ${g.goal} | ${g.figure} | ${g.status} | ${g.source} |`),
    '',
    ...PARTS.flatMap((p) => {
      const part = parts[p.key];
      return [
        `## ${p.title}`,
        '',
        part
          ? partBody(part.markdown)
          : `Not measured: bench/results/${p.file}.json is missing (\`npm run bench:engine -- ${p.command}\`).`,
        '',
      ];
    }),
  ].join('\n');
  writeFileSync(path.join(RESULTS, 'engine.md'), markdown);
  writeFileSync(
    path.join(RESULTS, 'engine.json'),
    `${JSON.stringify(
      {
        date,
        machine,
        command: 'npm run bench:engine',
        goals,
        parts: Object.fromEntries(PARTS.map((p) => [p.key, parts[p.key]?.json ?? null])),
      },
      null,
      2,
    )}\n`,
  );
  console.log(markdown);
}

main();
