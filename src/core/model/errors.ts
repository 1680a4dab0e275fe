/** A problem with a model file or with using it on some data; the message says what and what to do. */
export class BundleError extends Error {
  override name = 'BundleError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
