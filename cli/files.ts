import { randomBytes } from 'node:crypto';
import { constants, openAsBlob } from 'node:fs';
import { access, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../src/core/errors';

/** A path given on the command line, with the flag it came from so every error can name it. */
export interface FileFlag {
  flag: string;
  path: string;
}

/** Reads a text input; a missing file, a directory or a permission problem names the flag. */
/**
 * An input as a file-backed Blob, which the importer reads in slices so a large CSV is never one
 * string in memory. openAsBlob fails on a missing or unreadable path without an error code, so the
 * file is opened first and the usual messages naming the flag apply.
 */
export async function openInput(input: FileFlag): Promise<Blob> {
  try {
    if ((await stat(input.path)).isDirectory()) throw Object.assign(new Error(`EISDIR: ${input.path}`), { code: 'EISDIR' });
    await (await open(input.path, 'r')).close();
    return await openAsBlob(input.path);
  } catch (error) {
    throw fileError(error, input, 'read');
  }
}

/** An input's size in bytes, before reading it. */
export async function inputSize(input: FileFlag): Promise<number> {
  try {
    return (await stat(input.path)).size;
  } catch (error) {
    throw fileError(error, input, 'read');
  }
}

export async function readInput(input: FileFlag): Promise<string> {
  try {
    return await readFile(input.path, 'utf8');
  } catch (error) {
    throw fileError(error, input, 'read');
  }
}

/**
 * Checks, before any work starts, that each output can be written: its directory exists and is
 * writable, it is no input (not even with --force), no two outputs share a file, and an existing
 * file is replaced only with --force.
 */
export async function checkOutputs(outputs: FileFlag[], inputs: FileFlag[], force: boolean): Promise<void> {
  for (const [i, output] of outputs.entries()) {
    const other = outputs.slice(0, i).find((o) => resolve(o.path) === resolve(output.path));
    if (other) throw new UsageError(`${other.flag} and ${output.flag} both name ${output.path}; give each output its own file.`);
    for (const input of inputs) {
      if (await sameFile(input.path, output.path)) {
        throw new UsageError(
          `${output.flag} ${output.path} is the ${input.flag} file; writing there would destroy the input. Choose another file name.`,
        );
      }
    }
    await checkWritable(output, force);
  }
}

async function checkWritable(output: FileFlag, force: boolean): Promise<void> {
  const existing = await statOrNull(output);
  if (existing) {
    if (existing.isDirectory()) throw new UsageError(`${output.flag} ${output.path} is a directory; give a file name.`);
    if (!force) throw new UsageError(`${output.flag} ${output.path} already exists; pass --force to overwrite it, or choose another name.`);
    await canWrite(output.path, output, output.path);
    return;
  }
  const folder = dirname(resolve(output.path));
  const parent = await statOrNull({ flag: output.flag, path: folder });
  if (!parent) throw new UsageError(`${output.flag} ${output.path}: the directory ${folder} does not exist; create it first.`);
  if (!parent.isDirectory()) throw new UsageError(`${output.flag} ${output.path}: ${folder} is not a directory.`);
  await canWrite(folder, output, `the directory ${folder}`);
}

async function canWrite(path: string, output: FileFlag, what: string): Promise<void> {
  try {
    await access(path, constants.W_OK);
  } catch {
    throw new UsageError(`Cannot write ${output.flag} ${output.path}: ${what} is not writable (permission denied).`);
  }
}

async function statOrNull(file: FileFlag) {
  try {
    return await stat(file.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw fileError(error, file, 'write');
  }
}

/** True when both paths reach one file, through symlinks or hard links included. */
async function sameFile(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    // One of them does not exist yet, so they cannot be the same file.
    return false;
  }
}

/**
 * Writes through a temporary file in the same directory and renames it into place, so a crash or a
 * full disk leaves either the previous file or the new one, never half of one.
 */
export async function writeOutput(output: FileFlag, text: string): Promise<void> {
  const temp = join(dirname(output.path), `.${basename(output.path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text);
    await rename(temp, output.path);
  } catch (error) {
    await rm(temp, { force: true });
    throw fileError(error, output, 'write');
  }
}

/** The user-facing form of a file system error, naming the flag; other errors pass through as bugs. */
function fileError(error: unknown, file: FileFlag, action: 'read' | 'write'): unknown {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const where = `${file.flag} ${file.path}`;
  switch (code) {
    case 'ENOENT':
      return new UsageError(`File not found: ${file.path} (given to ${file.flag}). Check the path.`);
    case 'EISDIR':
      return new UsageError(`${where} is a directory; give a file.`);
    case 'ENOTDIR':
      return new UsageError(`${where}: a part of this path is a file, not a directory.`);
    case 'EACCES':
    case 'EPERM':
      return new UsageError(`Cannot ${action} ${where}: permission denied.`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new UsageError(`Cannot write ${where}: the disk is full.`);
    case 'EROFS':
      return new UsageError(`Cannot write ${where}: the file system is read-only.`);
    default:
      return error;
  }
}
