/** Writes a benchmark's results to bench/results/<name>.json and .md, with the date, machine and command. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BenchReport {
  readonly name: string;
  readonly title: string;
  readonly command: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly (string | number)[])[];
  readonly notes: readonly string[];
  readonly data: unknown;
}

export function writeReport(report: BenchReport): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  mkdirSync(dir, { recursive: true });
  const date = new Date().toISOString();
  const machine = cpus()[0]?.model ?? 'unknown cpu';
  const table = [
    `| ${report.header.join(' | ')} |`,
    `|${report.header.map(() => '---').join('|')}|`,
    ...report.rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
  const markdown = [
    `# ${report.title}`,
    '',
    `Date: ${date}  `,
    `Machine: ${machine} (${cpus().length} cpus), Node ${process.version}  `,
    `Reproduce: \`${report.command}\``,
    '',
    table,
    '',
    ...report.notes.map((note) => `- ${note}`),
    '',
  ].join('\n');
  writeFileSync(join(dir, `${report.name}.md`), markdown);
  writeFileSync(
    join(dir, `${report.name}.json`),
    `${JSON.stringify({ date, machine, command: report.command, results: report.data }, null, 2)}\n`,
  );
  return markdown;
}
