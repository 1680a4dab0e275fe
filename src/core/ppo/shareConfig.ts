import { checkTrainingConfig, mergeTrainingConfig, VARIANTS, type TrainingConfig, type TrainingOverrides, type Variant } from './config';
import { CONFIG_SECTIONS, configFields, unknownConfigKeys } from './configFields';

/**
 * A training config to share: as a JSON file (the same object `train --config` reads) or as a link
 * whose hash carries it (`#config=1.<base64url of the JSON>`). Both hold only the settings that
 * differ from the variant's defaults, and both are checked against the config schema on the way in,
 * so a shared config either fills the form completely or leaves it alone.
 */

/** The link format's version, the number before the dot; a link of another version is refused. */
export const SHARE_FORMAT_VERSION = 1;
/** The hash parameter that holds a shared config. */
export const SHARE_HASH_KEY = 'config';
/** The longest encoded config a link may carry: every setting changed takes about 2,500 characters. */
export const MAX_SHARED_CONFIG_LENGTH = 8000;

/** The settings to apply: the variant, and only what differs from its defaults. */
export type SharedConfig = TrainingOverrides & { variant: Variant };

/** A shared config that cannot be used; the message names the problem and the field when there is one. */
export class ShareError extends Error {
  override name = 'ShareError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

type Section = (typeof CONFIG_SECTIONS)[number];

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** The settings of a full config that differ from its variant's defaults, in schema order. */
function differences(config: TrainingConfig): SharedConfig {
  const defaults = mergeTrainingConfig({ variant: config.variant });
  const out: SharedConfig = { variant: config.variant };
  if (config.seed !== defaults.seed) out.seed = config.seed;
  for (const field of configFields()) {
    const value = (config[field.section] as Record<string, unknown>)[field.key];
    // The environment's seed follows the run's seed unless set on its own.
    if (field.path === 'env.seed' && value === config.seed) continue;
    if (sameValue(value, (defaults[field.section] as Record<string, unknown>)[field.key])) continue;
    const section = (out[field.section] ??= {}) as Record<string, unknown>;
    section[field.key] = value;
  }
  return out;
}

/** Only the overrides that differ from the variant's defaults (the variant defaults to maskable). */
export function compactOverrides(overrides: TrainingOverrides): SharedConfig {
  return differences(mergeTrainingConfig(overrides));
}

/**
 * Checks a parsed settings object (from a link or a file) against the schema: known keys only, every
 * value in range, the variant one of the three. Returns the compact settings; throws ShareError.
 */
export function parseSharedConfig(value: unknown, source: string): SharedConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ShareError(`${source} is not a settings object: expected {"variant": …, "ppo": {…}, …}.`);
  }
  const settings = value as Record<string, unknown>;
  const unknown = unknownConfigKeys(settings);
  if (unknown.length) {
    throw new ShareError(`${source} has settings this app does not know: ${unknown.join(', ')}.`, unknown[0]);
  }
  for (const section of CONFIG_SECTIONS) {
    const inner = settings[section];
    if (inner !== undefined && (typeof inner !== 'object' || inner === null || Array.isArray(inner))) {
      throw new ShareError(`${source}: "${section}" must be an object of settings, not ${JSON.stringify(inner)}.`, section);
    }
  }
  const variant = settings.variant ?? 'maskable';
  if (typeof variant !== 'string' || !(VARIANTS as readonly string[]).includes(variant)) {
    throw new ShareError(`${source}: variant "${String(variant)}" is not one of ${VARIANTS.join(', ')}.`, 'variant');
  }
  const { config, errors } = checkTrainingConfig(mergeTrainingConfig({ ...(settings as TrainingOverrides), variant: variant as Variant }));
  if (config === null) {
    const problems = Object.entries(errors).map(([field, message]) => `${field}: ${message}`);
    throw new ShareError(`${source} has settings out of range — ${problems.join('; ')}.`, Object.keys(errors)[0]);
  }
  return differences(config);
}

function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Throws a TypeError when the text is not base64url of UTF-8. */
function fromBase64Url(text: string): string {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new TypeError('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** The URL hash (without '#') that carries these settings: `config=1.<base64url JSON>`. */
export function configToHash(overrides: TrainingOverrides): string {
  return `${SHARE_HASH_KEY}=${SHARE_FORMAT_VERSION}.${toBase64Url(JSON.stringify(compactOverrides(overrides)))}`;
}

/** True when a URL hash carries a shared config (whatever its state). */
export function hasSharedConfig(hash: string): boolean {
  return new URLSearchParams(hash.replace(/^#/, '')).has(SHARE_HASH_KEY);
}

/** The settings a `#config=…` hash carries, checked; throws ShareError saying what is wrong with the link. */
export function configFromHash(hash: string): SharedConfig {
  const encoded = new URLSearchParams(hash.replace(/^#/, '')).get(SHARE_HASH_KEY);
  if (encoded === null) throw new ShareError('The link has no #config= part.');
  if (encoded.length > MAX_SHARED_CONFIG_LENGTH) {
    throw new ShareError(
      `The link's config is ${encoded.length.toLocaleString('en-US')} characters, more than the ${MAX_SHARED_CONFIG_LENGTH.toLocaleString('en-US')} a shared config can be; share it as a JSON file instead.`,
    );
  }
  const dot = encoded.indexOf('.');
  const version = dot > 0 ? encoded.slice(0, dot) : '';
  if (version !== String(SHARE_FORMAT_VERSION)) {
    throw new ShareError(
      /^\d+$/.test(version)
        ? `The link's config is in format ${version}; this app reads format ${SHARE_FORMAT_VERSION}. Open it with the version that made it, or share it as a JSON file.`
        : 'The link\'s config is damaged (it should start "#config=1."). Copy the whole link again.',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(fromBase64Url(encoded.slice(dot + 1)));
  } catch (error) {
    if (!(
      error instanceof TypeError ||
      error instanceof SyntaxError ||
      (error instanceof Error && error.name === 'InvalidCharacterError')
    )) {
      throw error;
    }
    throw new ShareError("The link's config is damaged (cut short or changed). Copy the whole link again.");
  }
  return parseSharedConfig(value, "The link's config");
}

/** The JSON file of these settings: the same object `train --config` reads. */
export function configToJson(overrides: TrainingOverrides): string {
  return `${JSON.stringify(compactOverrides(overrides), null, 2)}\n`;
}

/** The settings a JSON config file holds, checked; throws ShareError naming the file. */
export function configFromJson(text: string, fileName: string): SharedConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new ShareError(`${fileName} is not JSON (${error.message}). Choose a config exported from this app.`);
  }
  return parseSharedConfig(value, fileName);
}

function show(value: unknown): string {
  if (value === null) return 'none';
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

/** What these settings change from the defaults, one line a setting: "ppo.learningRate: 0.0003 → 0.001". */
export function describeChanges(overrides: TrainingOverrides): string[] {
  const shared = compactOverrides(overrides);
  const base = mergeTrainingConfig({ variant: shared.variant });
  const lines: string[] = [];
  if (shared.variant !== 'maskable') lines.push(`variant: maskable → ${shared.variant}`);
  if (shared.seed !== undefined) lines.push(`seed: ${base.seed} → ${shared.seed}`);
  for (const section of CONFIG_SECTIONS as readonly Section[]) {
    const changed = shared[section] as Record<string, unknown> | undefined;
    if (!changed) continue;
    for (const [key, value] of Object.entries(changed)) {
      lines.push(`${section}.${key}: ${show((base[section] as Record<string, unknown>)[key])} → ${show(value)}`);
    }
  }
  return lines;
}
