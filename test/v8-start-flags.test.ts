import { execFileSync } from 'node:child_process';
import { missingV8StartFlags, v8StartFlags } from '../src/v8-start-flags';

describe('V8 start flags (npm start, the Dockerfile CMD)', () => {
  it('are given to V8 13.6 (Node 24) and later only', () => {
    const flags = ['--scavenger-max-new-space-capacity-mb=8', '--max-semi-space-size=64'];
    expect(v8StartFlags('13.6.233.17-node.33')).toEqual(flags);
    expect(v8StartFlags('14.1.0')).toEqual(flags);
    expect(v8StartFlags('12.4.254.21-node.33')).toEqual([]);
    expect(v8StartFlags('11.3.244.8-node.33')).toEqual([]);
  });

  it('are accepted by the node running this test (CI runs Node 20, 22 and 24), and then none is missing', () => {
    const execArgv = JSON.parse(execFileSync(process.execPath, [...v8StartFlags(), '-p', 'JSON.stringify(process.execArgv)'], { encoding: 'utf8' }));
    expect(execArgv).toEqual([...v8StartFlags(), '-p', 'JSON.stringify(process.execArgv)']);
    expect(missingV8StartFlags(execArgv)).toEqual([]);
    expect(missingV8StartFlags([])).toEqual(v8StartFlags());
  });
});
