// Imported first by each webview entry: zod must never try `new Function` under the webview's no-eval CSP.
import { z } from 'zod';

z.config({ jitless: true });
