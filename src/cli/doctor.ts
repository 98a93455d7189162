import type { Command } from 'commander';
import { isDerivedProblem } from '../library/doctor-report.js';
import { type DoctorReport, isPgLibraryUrl, openLibrary, type PgLibraryUrl, runDoctor } from '../library/index.js';
import type { PgDoctorReport } from '../library/pg-library.js';
import { inFlagTerms } from './option-flags.js';
import { escapeText } from './query.js';
import { info, jsonOption, libOption, printJson } from './shared-options.js';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check every file of a library against the others; exit 0 healthy, 1 problems found (or left after --repair)',
    )
    .addOption(libOption())
    .option('--repair', 'rebuild damaged, stale or missing derived files (the index/ folder) from the store')
    .addOption(jsonOption())
    .action(async (flags: { lib: string; repair?: boolean; json?: boolean }) => {
      if (isPgLibraryUrl(flags.lib)) {
        await pgDoctor(flags.lib, flags);
        return;
      }
      const report = await runDoctor(flags.lib, {
        repair: flags.repair ?? false,
        onWarning: (message) => info(`warning: ${escapeText(inFlagTerms(message))}`),
      });
      if (flags.json) printJson(report);
      else process.stdout.write(formatReport(flags.lib, report));
      if (!report.healthy) process.exitCode = 1;
    });
}

async function pgDoctor(url: PgLibraryUrl, flags: { repair?: boolean; json?: boolean }): Promise<void> {
  const lib = await openLibrary(url, { onWarning: (message) => info(`warning: ${escapeText(message)}`) });
  try {
    const report = await lib.doctor({ repair: flags.repair ?? false });
    if (flags.json) printJson(report);
    else process.stdout.write(formatPgReport(lib.dir, report));
    if (!report.healthy) process.exitCode = 1;
  } finally {
    await lib.close();
  }
}

function formatPgReport(shown: string, report: PgDoctorReport): string {
  const { postgres } = report;
  const parts = [
    `schema version ${postgres.schemaVersion}`,
    `pgvector ${postgres.pgvector ?? 'missing'}`,
    `HNSW index ${postgres.hnswIndex ? 'present' : 'missing'}`,
    `${postgres.videos} videos (${postgres.segments} segments, ${postgres.dimension}-d)`,
  ];
  const lines = [`checked ${shown}: ${parts.join(', ')}`];
  for (const problem of report.problems)
    lines.push(`problem   ${problem.file}  ${problem.kind}: ${escapeControls(problem.message)}`);
  lines.push(report.problems.length === 0 ? 'healthy' : `${report.problems.length} problem(s)`);
  return `${lines.join('\n')}\n`;
}

function formatReport(lib: string, report: DoctorReport): string {
  const { checked } = report;
  const parts = [
    checked.manifest ? 'manifest' : 'no readable manifest',
    `${checked.segmentFiles} segment files (${checked.segments} segments)`,
    checked.index === 'hnsw' ? 'HNSW graph and sidecar' : `index ${checked.index} (no graph file)`,
    checked.facts ? 'label facts' : 'no label facts',
  ];
  const lines = [`checked ${lib}: ${parts.join(', ')}`];
  for (const problem of report.problems)
    lines.push(
      `${problem.repaired ? 'repaired' : 'problem '}  ${problem.file}  ${problem.kind}: ${escapeControls(inFlagTerms(problem.message))}`,
    );
  const left = report.problems.filter((problem) => !problem.repaired).length;
  if (report.problems.length === 0) lines.push('healthy');
  else if (left === 0) lines.push(`healthy: ${report.problems.length} problem(s) repaired`);
  else {
    const derivedLeft = report.problems.some((problem) => !problem.repaired && isDerivedProblem(problem.kind));
    const repaired = report.problems.length > left ? `, ${report.problems.length - left} repaired` : '';
    const hint = derivedLeft ? '; `vsearch doctor --repair` rebuilds the derived files (index/) from the store' : '';
    lines.push(`${left} problem(s)${repaired}${hint}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Control characters from file contents (a video id in a message) never reach the terminal raw. */
function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
