// npm links a package's bins for its dependants, not for itself: link ours so
// `node_modules/.bin/stagecraft` works in a checkout.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const binDir = join(import.meta.dirname, '..', 'node_modules', '.bin');
mkdirSync(binDir, { recursive: true });
const link = join(binDir, 'stagecraft');
rmSync(link, { force: true });
symlinkSync('../../bin/stagecraft', link);
