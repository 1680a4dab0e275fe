import { z } from 'zod';

// zod compiles object parsers with `new Function` when it may; the app's Content-Security-Policy
// forbids eval (only WebAssembly compiles), and even zod's probe for it would be reported as a
// violation. Configs and model files are parsed rarely, so the interpreted parser costs nothing.
z.config({ jitless: true });

export { z };
