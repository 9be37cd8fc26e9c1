import { defineConfig } from "vite";

// The daemon serves dist/ itself; asset paths are absolute from its root.
export default defineConfig({
  base: "/",
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false },
});
