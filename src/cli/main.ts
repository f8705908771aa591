/**
 * The `chainrule` command line. The only Node-specific entry point of the package: it runs
 * {@link runCli} on the process's arguments and sets the exit code.
 */
import { runCli } from "./program";

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
