/**
 * Where a secrets file or input fails to parse, without its content: JSON.parse quotes the text
 * around the error, and in a secrets file that text is a credential.
 */
export function jsonErrorWithoutContent(text: string, err: unknown): string {
  const at = /position (\d+)/.exec((err as Error).message ?? '');
  if (!at) return 'not valid JSON';
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `not valid JSON at line ${line}, column ${column}`;
}
