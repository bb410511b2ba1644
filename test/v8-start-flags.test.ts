import { execFileSync } from 'node:child_process';
import { v8StartFlags } from '../src/v8-start-flags';

describe('V8 start flags (the Dockerfile CMD)', () => {
  it('are given to V8 13.6 and later only', () => {
    expect(v8StartFlags('13.6.233.17-node.63')).toEqual(['--external-memory-accounted-in-global-limit']);
    expect(v8StartFlags('14.1.0')).toEqual(['--external-memory-accounted-in-global-limit']);
    expect(v8StartFlags('12.4.254.21-node.33')).toEqual([]);
    expect(v8StartFlags('11.3.244.8-node.33')).toEqual([]);
  });

  it('are accepted by the node running this test (CI runs Node 20, 22 and 24)', () => {
    const output = execFileSync(process.execPath, [...v8StartFlags(), '-e', 'console.log("started")'], { encoding: 'utf8' });
    expect(output.trim()).toBe('started');
  });
});
