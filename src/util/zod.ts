// zod/mini (the schemas' library, light enough for the browser module) loads no messages: its
// refusals would all read "Invalid input". Imported for its effect by every module with a zod/mini
// schema, this configures the English ones once, in Node and the browser alike (English alone:
// every locale, or zod's namespace re-exported, would multiply the browser module's size).
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());
