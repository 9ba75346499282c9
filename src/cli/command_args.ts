// The command line a model card records as its provenance.

/** The arguments after the subcommand's name, as the user typed them (for the card's provenance). */
export function commandArgs(argv: string[], name: string): string {
  const i = argv.indexOf(name);
  return argv.slice(i + 1).map((a) => (/^[\w./:=,+-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
}
