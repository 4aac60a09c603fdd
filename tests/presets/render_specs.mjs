// Compile and render custom-chart specs headless with the web app's own vega and
// vega-lite (web/node_modules), as the browser would, and report what came out.
// stdin: [{"id", "spec", "rows"}] with placeholders already filled;
// stdout: [{"id", "error", "warnings", "svg"}].
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const webDir = path.resolve(process.argv[2]);
const require = createRequire(`${webDir}/package.json`);
const vega = await import(pathToFileURL(require.resolve("vega")).href);
const vl = await import(pathToFileURL(require.resolve("vega-lite")).href);

function collector(warnings) {
  const logger = vega.logger(vega.Warn);
  logger.warn = (...args) => {
    warnings.push(args.map(String).join(" "));
    return logger;
  };
  logger.error = (...args) => {
    throw new Error(args.map(String).join(" "));
  };
  return logger;
}

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const { id, spec, rows } of JSON.parse(input)) {
  const warnings = [];
  try {
    const logger = collector(warnings);
    const isVegaLite = typeof spec.$schema !== "string" || spec.$schema.includes("vega-lite");
    const vgSpec = isVegaLite ? vl.compile(spec, { logger }).spec : spec;
    const view = new vega.View(vega.parse(vgSpec), { renderer: "none", logger });
    view.data("wandb", rows);
    await view.runAsync();
    out.push({ id, error: null, warnings, svg: await view.toSVG() });
  } catch (error) {
    out.push({ id, error: String(error && error.stack ? error.stack : error), warnings, svg: "" });
  }
}
process.stdout.write(JSON.stringify(out));
