import { z } from 'zod';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `"false"`, `"0"`, `"no"` are false: z.coerce.boolean() would make them true. */
export const envBool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], {
      error: 'expected one of true, false, 1, 0, yes, no, on, off',
    })
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes', 'on'].includes(v)));

export const envInt = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^-?\d+$/, { error: 'expected an integer' })
    .optional()
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .pipe(z.number().int().min(min).max(max));

export const envList = (fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((v) =>
      v === undefined
        ? fallback
        : v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    );

export function formatConfigError(err: ConfigError): string {
  return `invalid configuration: ${err.variable}: ${err.message}`;
}

/**
 * Parses the environment with a zod object schema whose keys are variable names.
 * Throws ConfigError naming the first bad variable; `main.ts` turns that into one line and exit 1.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const res = schema.safeParse(env);
  if (res.success) return res.data;
  const issue = res.error.issues[0];
  const variable = issue?.path.length ? issue.path.join('.') : '(config)';
  throw new ConfigError(variable, issue?.message ?? 'invalid value');
}
