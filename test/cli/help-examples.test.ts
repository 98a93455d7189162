import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const COMMANDS = ['build', 'query', 'serve', 'emulator', 'bench', 'videos', 'meta'] as const;

/** The long flags a command's --help lists under Options. */
function optionsOf(help: string): Set<string> {
  const options = help.slice(
    help.indexOf('Options:'),
    help.indexOf('Examples:') === -1 ? undefined : help.indexOf('Examples:'),
  );
  return new Set(options.match(/--[a-z][a-z-]*/gi) ?? []);
}

describe('--help shows examples', () => {
  const helps = new Map(COMMANDS.map((command) => [command, runCli([command, '--help'])]));

  it.each(COMMANDS)('vsearch %s --help ends with examples that use only flags the command has', (command) => {
    const help = helps.get(command);
    expect(help?.status).toBe(0);
    const text = help?.stdout ?? '';
    const examples = text.slice(text.indexOf('\nExamples:\n'));
    expect(text).toContain('\nExamples:\n');
    const lines = examples
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^(\S+=\S+ )*vsearch /.test(line));
    expect(lines.filter((line) => line.startsWith(`vsearch ${command}`)).length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      const other = /vsearch (\w+)/.exec(line)?.[1] as (typeof COMMANDS)[number];
      const known = optionsOf(
        other === command ? text : (helps.get(other)?.stdout ?? runCli([other, '--help']).stdout),
      );
      for (const flag of line.match(/(?<=\s)--[a-z][a-z-]*/gi) ?? []) expect(known, `${line}: ${flag}`).toContain(flag);
    }
  });
});
