import { sanitizeFileName, validateFolder } from './file-names';
import { contentDisposition } from './content-disposition';

describe('sanitizeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['C:\\temp\\a.txt', 'a.txt'],
    ['a\u0000b.txt', 'ab.txt'],
    ['photo\u202Egnp.exe', 'photognp.exe'],
    ['zero\u200Bwidth.txt', 'zerowidth.txt'],
    ['.hidden', 'hidden'],
    ['-rf.txt', 'rf.txt'],
    ['a  b?*<>|.txt', 'a_b_.txt'],
    ['nul.txt', '_nul.txt'],
    ['LPT1', '_LPT1'],
    ['日本語のファイル.txt', '日本語のファイル.txt'],
    // NFC: a decomposed é and a composed one give the same name.
    ['cafe\u0301.txt', 'café.txt'],
    ['caf\u00e9.txt', 'café.txt'],
  ])('%j becomes %j', (raw, expected) => {
    expect(sanitizeFileName(raw)).toBe(expected);
  });

  it('keeps the extension when it shortens a long name to 180 bytes', () => {
    const name = sanitizeFileName(`${'x'.repeat(10_000)}.pdf`);
    expect(name).toHaveLength(180);
    expect(name.endsWith('.pdf')).toBe(true);
    const accented = sanitizeFileName(`${'é'.repeat(500)}.txt`);
    expect(Buffer.byteLength(accented)).toBeLessThanOrEqual(180);
    expect(accented).toBe(`${'é'.repeat(88)}.txt`);
  });

  it.each(['', '..', '/', '\u202E', '...'])('refuses %j, which has nothing left', (raw) => {
    expect(() => sanitizeFileName(raw)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

describe('validateFolder', () => {
  it.each([
    [undefined, null],
    ['', null],
    ['docs', 'docs'],
    ['a/b/c/', 'a/b/c'],
    ['users/42/photos_2024', 'users/42/photos_2024'],
  ])('%j is %j', (raw, expected) => {
    expect(validateFolder(raw)).toBe(expected);
  });

  it.each(['../x', 'a/../b', './a', '/abs', 'a\\b', 'a//b', 'a/%2e%2e', 'a b', 'a/\u202Eb', 'a/.hidden', Array(17).fill('d').join('/')])(
    'refuses %j',
    (raw) => {
      expect(() => validateFolder(raw)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    },
  );
});

describe('contentDisposition', () => {
  it('gives an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDisposition('attachment', 'naïve résumé.pdf')).toBe(`attachment; filename="naive resume.pdf"; filename*=UTF-8''na%C3%AFve%20r%C3%A9sum%C3%A9.pdf`);
  });

  it('cannot be made to break the header', () => {
    const header = contentDisposition('inline', 'a"b\\c\r\nSet-Cookie: x=1');
    expect(header).not.toMatch(/[\r\n]/);
    expect(header).toBe(`inline; filename="a_b_c__Set-Cookie: x=1"; filename*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1`);
  });
});
