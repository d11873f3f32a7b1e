// Putting the notes into the changelog, by towncrier 26.9's rules (_writer.append_to_newsfile).
import { ConfigError } from '../errors.js';
import { pyLstrip, pyRstrip } from './pystr.js';

export interface InsertOptions {
  file: string;
  startString: string;
  /** towncrier refuses to write a release whose title line is already in the file. */
  topLine: string;
  singleFile: boolean;
  /** Called when an existing changelog has no start string (the notes then go on top, as towncrier does). */
  onNoStartString?: () => void;
}

/** The whole new changelog: header up to the start string, the notes, then the earlier releases. */
export function insertNotes(before: string | null, content: string, opts: InsertOptions): string {
  if (!opts.singleFile || before === null) return `${pyRstrip(content)}\n`;
  // towncrier reads with universal newlines and writes "\n".
  const text = before.replace(/\r\n?/g, '\n');
  if (opts.startString === '') {
    throw new ConfigError('start_string is empty', { field: 'tool.towncrier.start_string', hint: 'remove it to use the default, or give the marker line after which notes go' });
  }
  const at = text.indexOf(opts.startString);
  let header = '';
  let previous: string;
  if (at >= 0) {
    header = `${pyRstrip(text.slice(0, at))}\n\n${opts.startString}\n`;
    previous = pyLstrip(text.slice(at + opts.startString.length));
  } else {
    previous = pyLstrip(text);
    if (previous) opts.onNoStartString?.();
  }
  if (opts.topLine && previous.includes(opts.topLine)) {
    throw new ConfigError(`already has notes for this release: ${JSON.stringify(opts.topLine)}`, {
      file: opts.file,
      hint: 'the version was released already; bump the version, or remove that section first',
    });
  }
  // A brand new (or empty) changelog gets no trailing blank lines.
  return header + (previous ? content + previous : `${pyRstrip(content)}\n`);
}
