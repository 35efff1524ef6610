/** What `action` throws, or undefined when it returns: for tests that inspect an error's class, code and message. */
export function captureError(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}
