/** The repository's root, for tests that read committed fixtures, oracles and models by path. */
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..');
