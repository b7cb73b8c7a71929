// A user kernel module (see program.ts): worker threads import it by its URL, so it stays a file
// beside the program or its bundle.
export function double(x) {
  return 2 * x;
}
