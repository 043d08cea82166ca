import { type Command, CommanderError } from 'commander';
import type { ZodType } from 'zod';

export interface CliOutput {
  out?: (s: string) => void;
  err?: (s: string) => void;
}

/**
 * The shared shape of motcua's subcommands: injectable output (tests capture it), help and
 * version exit 0, every usage or input error exits 2 with a message prefixed by the command name.
 */
export function cliIo(name: string, opts: CliOutput = {}) {
  const out = opts.out ?? ((s: string) => process.stdout.write(s));
  const err = opts.err ?? ((s: string) => process.stderr.write(s));
  const configure = (c: Command): Command =>
    c
      .configureOutput({ writeOut: out, writeErr: err, outputError: (s, write) => write(s) })
      .exitOverride((e) => {
        if (e.exitCode === 0) throw e;
        throw new CommanderError(2, e.code, e.message);
      });
  const fail = (message: string): never => {
    err(`${name}: ${message}\n`);
    throw new CommanderError(2, `${name}.invalidArgument`, message);
  };
  /** The options through their schema, or exit 2 naming every field that is wrong. */
  const parse = <T>(schema: ZodType<T>, value: unknown): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) fail(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    return parsed.data as T;
  };
  return { out, err, configure, fail, parse };
}
