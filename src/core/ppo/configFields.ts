import type { z } from '../schema';
import { trainingConfigSchema, variantDefaults, type TrainingConfig, type Variant } from './config';

/** The sections of a training config that hold settings (variant and seed are top-level values). */
export const CONFIG_SECTIONS = ['env', 'ppo', 'network', 'stop', 'eval', 'split'] as const;
export type ConfigSection = (typeof CONFIG_SECTIONS)[number];

/** A settings path the type checker knows: 'env.lookback', 'ppo.learningRate', … */
export type ConfigPath = { [S in ConfigSection]: `${S}.${Extract<keyof TrainingConfig[S], string>}` }[ConfigSection];

/** One setting as the schema describes it: what the form, the CLI help and --config checks read. */
export interface ConfigField {
  path: ConfigPath;
  section: ConfigSection;
  key: string;
  description: string;
  kind: 'int' | 'number' | 'boolean' | 'choice' | 'list' | 'pair' | 'text';
  nullable: boolean;
  options?: readonly string[];
  min?: number;
  max?: number;
}

type AnySchema = z.ZodType & { def: { type: string; innerType?: AnySchema }; description?: string };

function unwrap(schema: AnySchema): { inner: AnySchema; nullable: boolean; description: string | undefined } {
  let inner = schema;
  let nullable = false;
  const description = schema.description;
  while (inner.def.type === 'nullable' || inner.def.type === 'default' || inner.def.type === 'optional') {
    if (inner.def.type === 'nullable') nullable = true;
    inner = inner.def.innerType!;
  }
  return { inner, nullable, description: description ?? inner.description };
}

function kindOf(schema: AnySchema): Pick<ConfigField, 'kind' | 'options' | 'min' | 'max'> {
  const s = schema as AnySchema & { options?: readonly string[]; minValue?: number | null; maxValue?: number | null; isInt?: boolean };
  switch (schema.def.type) {
    case 'number': {
      const bounds = {
        ...(Number.isFinite(s.minValue) ? { min: s.minValue! } : {}),
        ...(Number.isFinite(s.maxValue) ? { max: s.maxValue! } : {}),
      };
      return { kind: s.isInt ? 'int' : 'number', ...bounds };
    }
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'choice', options: s.options };
    case 'array':
      return { kind: 'list' };
    case 'tuple':
      return { kind: 'pair' };
    case 'string':
      return { kind: 'text' };
    default:
      throw new Error(`configFields: no field kind for a ${schema.def.type} schema`);
  }
}

let cached: ConfigField[] | null = null;

/** Every setting of every section, in schema order. */
export function configFields(): ConfigField[] {
  if (cached) return cached;
  const shape = trainingConfigSchema.shape as unknown as Record<ConfigSection, z.ZodType>;
  cached = CONFIG_SECTIONS.flatMap((section) =>
    schemaFields(shape[section]).map((f) => ({ ...f, path: `${section}.${f.key}` as ConfigPath, section })),
  );
  return cached;
}

/** The settings of one section's zod object, in schema order: key, description, kind and bounds (any config schema). */
export function schemaFields(section: z.ZodType): Omit<ConfigField, 'path' | 'section'>[] {
  const shape = (section as unknown as { shape: Record<string, AnySchema> }).shape;
  return Object.entries(shape).map(([key, schema]) => {
    const { inner, nullable, description } = unwrap(schema);
    return { key, description: description ?? '', nullable, ...kindOf(inner) };
  });
}

export function configField(path: ConfigPath): ConfigField {
  const field = configFields().find((f) => f.path === path);
  if (!field) throw new Error(`No setting ${path}`);
  return field;
}

/** A setting's default for a variant, as text for help screens. */
export function defaultText(path: ConfigPath, variant: Variant = 'maskable'): string {
  const [section, key] = path.split('.') as [ConfigSection, string];
  const value = (variantDefaults(variant)[section] as Record<string, unknown>)[key];
  return value === null ? 'none' : Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * Keys in a settings object (a --config file, a shared config) that no setting has, as paths
 * ("ppo.learningRte"); a typo would otherwise train on the default without a word.
 */
export function unknownConfigKeys(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const known = new Set(configFields().map((f) => f.path as string));
  const unknown: string[] = [];
  for (const [top, inner] of Object.entries(value)) {
    if (top === 'variant' || top === 'seed') continue;
    if (!(CONFIG_SECTIONS as readonly string[]).includes(top)) {
      unknown.push(top);
      continue;
    }
    if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) continue;
    for (const key of Object.keys(inner)) if (!known.has(`${top}.${key}`)) unknown.push(`${top}.${key}`);
  }
  return unknown;
}
