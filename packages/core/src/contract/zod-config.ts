import { z } from "zod";

// In the browser, zod's first object parse probes for eval (`Function("")`) to compile faster
// parsers. The pages' CSP allows no eval, so the probe only files a CSP violation and zod falls
// back anyway: skip it there. Servers have no CSP and keep the compiled parsers.
if (typeof window !== "undefined") z.config({ jitless: true });
