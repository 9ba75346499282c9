// A path as a printed command line takes it: quoted for a POSIX shell when it holds a space or a
// character the shell reads (a folder "my data" broke the copied `train with:` line in two words).
export function shellArg(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
