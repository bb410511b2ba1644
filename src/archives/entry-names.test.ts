import { uniqueEntryNames } from './entry-names';

describe('uniqueEntryNames', () => {
  it.each([
    [['a/report.pdf', 'a/report.pdf', 'a/report.pdf'], ['a/report.pdf', 'a/report (2).pdf', 'a/report (3).pdf']],
    [['x.txt', 'x.txt', 'x (2).txt'], ['x.txt', 'x (3).txt', 'x (2).txt']],
    [['x (2).txt', 'x.txt', 'x.txt'], ['x (2).txt', 'x.txt', 'x (3).txt']],
    [['README', 'README'], ['README', 'README (2)']],
    [['a.b/c', 'a.b/c'], ['a.b/c', 'a.b/c (2)']],
    [['d/.env', 'd/.env'], ['d/.env', 'd/.env (2)']],
    [['b.tar.gz', 'b.tar.gz'], ['b.tar.gz', 'b.tar (2).gz']],
    [['Report.pdf', 'report.pdf'], ['Report.pdf', 'report.pdf']],
    [['a/x.txt', 'b/x.txt'], ['a/x.txt', 'b/x.txt']],
    [[], []],
  ])('%j become %j', (paths, names) => {
    expect(uniqueEntryNames(paths)).toEqual(names);
  });

  it.each([
    ['/etc/passwd', 'etc/passwd'],
    ['//twice', 'twice'],
    ['../../x.txt', '_/_/x.txt'],
    ['a/../../b', 'a/_/_/b'],
    ['a/./b', 'a/_/b'],
    ['a//b', 'a/_/b'],
    ['a/', 'a/_'],
    ['', '_'],
    ['C:\\Windows\\x.txt', 'C:_Windows_x.txt'],
    ['..\\..\\x', '.._.._x'],
    ['a\u0000b/c\nd', 'a_b/c_d'],
    ['résumé/été.txt', 'résumé/été.txt'],
  ])('makes %j safe to extract: %j', (path, name) => {
    expect(uniqueEntryNames([path])).toEqual([name]);
  });

  it('keeps names distinct when unsafe paths become the same safe one', () => {
    expect(uniqueEntryNames(['../a.txt', '_/a.txt', '/_/a.txt'])).toEqual(['_/a.txt', '_/a (2).txt', '_/a (3).txt']);
  });

  it('numbers 10 000 copies of one name quickly, all distinct', () => {
    const names = uniqueEntryNames(Array.from({ length: 10_000 }, () => 'same.txt'));
    expect(new Set(names).size).toBe(10_000);
    expect(names.at(-1)).toBe('same (10000).txt');
  });
});
