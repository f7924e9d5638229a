import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { POOL_ERRORS } from '../pools.constants';

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The absolute path spawn() will run, resolved as a shell would (a name with "/" is a path,
 * otherwise searched on PATH), so "not found" is a clear error before anything starts.
 */
export function resolveExecutable(command: string, path: string, cwd: string): string {
  if (command.includes('/')) {
    const file = isAbsolute(command) ? command : resolve(cwd, command);
    if (!existsSync(file)) throw new Error(POOL_ERRORS.commandFileMissing(file));
    if (!isExecutableFile(file)) throw new Error(POOL_ERRORS.commandNotExecutable(file));
    return file;
  }
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(isAbsolute(dir) ? dir : resolve(cwd, dir), command);
    if (isExecutableFile(file)) return file;
  }
  throw new Error(POOL_ERRORS.commandNotFound(command, path));
}
