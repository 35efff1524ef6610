/**
 * Runs the files one at a time, in name order, with the secret scan last: it searches what every other file
 * recorded. One at a time also keeps the load tests of this suite from competing for the machine's cores.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const SECRET_SCAN_FILE = 'secret-scan.test.ts';

export class LastFileSequencer extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const isScan = (file: TestSpecification): boolean => file.moduleId.endsWith(SECRET_SCAN_FILE);
    const byName = (a: TestSpecification, b: TestSpecification): number =>
      a.moduleId.localeCompare(b.moduleId);
    return Promise.resolve([...files.filter((file) => !isScan(file)).sort(byName), ...files.filter(isScan)]);
  }
}
