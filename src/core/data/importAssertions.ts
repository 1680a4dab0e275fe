/** Shared by the importer tests: import with a file name, and assert an ImportError's code and message. */
import { expect } from 'vitest';
import { ImportError, type ImportErrorCode } from './errors';
import { importCsv } from './importCsv';
import type { ImportOptions, ImportResult } from './report';

export function importText(text: string, options: ImportOptions = {}): Promise<ImportResult> {
  return importCsv(text, { fileName: 'test.csv', ...options });
}

export async function expectImportError(promise: Promise<unknown>, code: ImportErrorCode, message: RegExp): Promise<ImportError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ImportError);
  const error = caught as ImportError;
  expect(error.code).toBe(code);
  expect(error.message).toMatch(message);
  expect(error.hint.length).toBeGreaterThan(0);
  return error;
}

export const utc = (iso: string): number => Date.parse(iso.endsWith('Z') ? iso : `${iso}Z`);
