/**
 * Validates a model configuration against its zod spec, with messages that name the setting the
 * way `common/config.ts` does (that module reads files, and `models/` stays free of I/O).
 */
import type { z } from 'zod';
import { PdmError } from '../../common/errors.ts';

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? '(top level)' : out;
}

export function parseModelConfig<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys')
      return `${source}: unknown setting ${issue.keys.map((k) => (where === '(top level)' ? k : `${where}.${k}`)).join(', ')}`;
    return `${source}: ${where} ${issue.message}`;
  });
  throw new PdmError('PDM_ERR_CONFIG_INVALID', problems.join('\n'), { source, problems });
}
