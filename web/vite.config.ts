/// <reference types="vitest/config" />
// Builds the UI into the Python package (src/runyard/ui/static), which the server
// serves at "/" with long-cache headers for the hashed files under /assets/.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { type HtmlTagDescriptor, type Plugin, defineConfig } from "vite";

const outDir = fileURLToPath(new URL("../src/runyard/ui/static", import.meta.url));

const EARLY_ENTRY = "/src/earlyGroups.ts";

/**
 * Lists the workspace page's chunk (lazy in App.tsx) and the chunks it imports as
 * <link rel="modulepreload"> in index.html, so a workspace URL downloads and compiles
 * them beside the entry instead of after the entry ran (the page most URLs open). The
 * chunks it imports lazily (Plotly, Vega, the analysis panels) stay out. Adds the
 * script of the second entry (src/earlyGroups.ts).
 */

function preloadWorkspace(): Plugin {
  const entry = "/src/components/ProjectWorkspace.tsx";
  return {
    name: "runyard-preload-workspace",
    apply: "build",
    transformIndexHtml: {
      order: "post",
      handler(_html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return [];
        const chunks = Object.values(bundle).filter((c) => c.type === "chunk");
        const start = chunks.find((c) => c.facadeModuleId?.endsWith(entry));
        if (!start) throw new Error(`no chunk for ${entry}`);
        // what index.html loads already: the main entry and its static imports
        const main = chunks.find((c) => c.isEntry && c.facadeModuleId?.endsWith("index.html"));
        const already = new Set(main ? [main.fileName, ...main.imports] : []);
        const files: string[] = [];
        const visit = (fileName: string) => {
          if (already.has(fileName) || files.includes(fileName)) return;
          files.push(fileName);
          const chunk = bundle[fileName];
          if (chunk?.type === "chunk") chunk.imports.forEach(visit);
        };
        visit(start.fileName);
        // their stylesheets too: the lazy import waits for them before it resolves
        const styles = files.flatMap((file) => {
          const chunk = bundle[file];
          return chunk?.type === "chunk" ? [...(chunk.viteMetadata?.importedCss ?? [])] : [];
        });
        // the grouped workspace's early /groups (src/earlyGroups.ts): its own small entry,
        // run as soon as it has loaded, not after the main bundle
        const early = chunks.find((c) => c.facadeModuleId?.endsWith(EARLY_ENTRY));
        if (!early) throw new Error(`no chunk for ${EARLY_ENTRY}`);
        const earlyTag = {
          tag: "script",
          attrs: { type: "module", async: true, crossorigin: true, src: `/${early.fileName}` },
          injectTo: "head" as const,
        };
        const earlyImports = early.imports.filter((file) => !already.has(file) && !files.includes(file));
        const links = [
          ...[...earlyImports, ...files].map((file) => ({ rel: "modulepreload", href: file })),
          ...styles.map((file) => ({ rel: "preload", as: "style", href: file })),
        ].map(({ href, ...attrs }) => ({
          tag: "link",
          attrs: { ...attrs, crossorigin: true, href: `/${href}` },
          injectTo: "head" as const,
        }));
        return [earlyTag, ...links] as HtmlTagDescriptor[];
      },
    },
  };
}

export default defineConfig({
  plugins: [react(), preloadWorkspace()],
  base: "/",
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        early: fileURLToPath(new URL("src/earlyGroups.ts", import.meta.url)),
      },
    },
  },
  server: {
    // `npm run dev` against a running `runyard ui --port 8765`
    proxy: { "/api": process.env.RUNYARD_API ?? "http://127.0.0.1:8765" },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
