/** The only modules a snippet may import. Anything else is refused before the snippet runs. */
import { META_CONFIGURATIONS_MODULE } from '../helpers/meta-configurations.js';
import type { PyModule } from '../value.js';
import { COPY_MODULE, MATH_MODULE } from './builtins.js';

export const MODULES: ReadonlyMap<string, PyModule> = new Map([
  ['meta_configurations', META_CONFIGURATIONS_MODULE],
  ['copy', COPY_MODULE],
  ['math', MATH_MODULE],
]);

export const KNOWN_MODULE_NAMES = [...MODULES.keys()];

/** Names bound by `from <module> import *` (public names only, as in Python). */
export function starNames(module: PyModule): string[] {
  return [...module.members.keys()].filter((k) => !k.startsWith('_'));
}
