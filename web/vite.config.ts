/// <reference types="vitest/config" />
// Builds the UI into the Python package (src/runyard/ui/static), which the server
// serves at "/" with long-cache headers for the hashed files under /assets/.
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const outDir = fileURLToPath(new URL("../src/runyard/ui/static", import.meta.url));

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir,
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
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
