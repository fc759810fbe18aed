// Command-line flag parsing for `tqstar`: --name value, repeatable flags, boolean switches.
export class UsageError extends Error {}

export interface FlagSpec {
  /** Flags that take a value. */
  values: readonly string[];
  /** Flags that may repeat (also in `values`). */
  repeat?: readonly string[];
  /** Switches without a value. */
  switches?: readonly string[];
}

export interface ParsedFlags {
  values: Record<string, string>;
  lists: Record<string, string[]>;
  switches: Set<string>;
  positional: string[];
}

export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const out: ParsedFlags = { values: {}, lists: {}, switches: new Set(), positional: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (spec.switches?.includes(name) || name === 'help') {
      if (eq > 0) throw new UsageError(`--${name} takes no value`);
      out.switches.add(name);
      continue;
    }
    if (!spec.values.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    if (spec.repeat?.includes(name)) (out.lists[name] ??= []).push(value);
    else if (name in out.values) throw new UsageError(`--${name} given twice`);
    else out.values[name] = value;
  }
  return out;
}
