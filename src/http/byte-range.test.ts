import { requestedRange } from './byte-range';

describe('requestedRange (RFC 9110 byte ranges against a 77-byte file)', () => {
  it.each([
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=10-19', { start: 10, end: 19 }],
    ['bytes=70-', { start: 70, end: 76 }],
    ['bytes=70-1000', { start: 70, end: 76 }],
    ['bytes=-5', { start: 72, end: 76 }],
    ['bytes=-77', { start: 0, end: 76 }],
    ['bytes=-1000', { start: 0, end: 76 }],
    ['BYTES=1-2', { start: 1, end: 2 }],
    ['bytes= 1-2 ,', { start: 1, end: 2 }],
    ['bytes=76-76', { start: 76, end: 76 }],
    [`bytes=0-${'9'.repeat(40)}`, { start: 0, end: 76 }],
  ])('%j is bytes %j', (header, range) => {
    expect(requestedRange(header, 77)).toEqual(range);
  });

  it.each(['bytes=77-', 'bytes=77-80', 'bytes=-0', `bytes=${'9'.repeat(40)}-`])('%j is unsatisfiable', (header) => {
    expect(requestedRange(header, 77)).toBe('unsatisfiable');
  });

  it.each([
    undefined,
    'bytes=5-2',
    'bytes=-',
    'bytes=',
    'bytes=a-b',
    'bytes=1.5-2',
    'bytes=+1-2',
    'bytes=0x1-2',
    'bytes = 1-2',
    'bytes=1-2-3',
    'items=0-5',
    'bytes 0-5',
    'bytes=0-1,5-6',
    'bytes=0-1, -2',
    'bytes=0-1,x',
  ])('%j is ignored: the whole file', (header) => {
    expect(requestedRange(header, 77)).toBe('whole');
  });

  it('finds nothing to serve in an empty file, whatever the range', () => {
    for (const header of ['bytes=0-', 'bytes=0-0', 'bytes=-1', 'bytes=-0']) expect(requestedRange(header, 0)).toBe('unsatisfiable');
    expect(requestedRange('bytes=5-2', 0)).toBe('whole');
  });
});
