import { describe, expect, it } from 'vitest';
import { csvRecords, headerDelimiter } from '../../src/lib/records';

// The one CSV reader (lib/records): delimiters, quotes across lines, line numbers, an unclosed quote.

const read = (text: string, delimiter?: ',' | ';' | '\t') =>
  [...csvRecords(text, delimiter)].map(({ line, fields, unterminated }) =>
    unterminated ? { line, fields, unterminated } : { line, fields },
  );

describe('csvRecords', () => {
  it('the header line says the delimiter; a comma on a tie or when none is there', () => {
    expect(headerDelimiter('a;b;c\n1,2,3;4\n')).toBe(';');
    expect(headerDelimiter('a\tb\tc;d\n')).toBe('\t');
    expect(headerDelimiter('a,b;c\n')).toBe(',');
    expect(headerDelimiter('name\n')).toBe(',');
    expect(headerDelimiter('')).toBe(',');
  });

  it('reads semicolons and tabs with RFC 4180 quotes, CRLF and quoted line ends', () => {
    expect(read('a;"b;c"\r\n"x ""y""";"two\nlines"\r\nz;\n', ';')).toEqual([
      { line: 1, fields: ['a', 'b;c'] },
      { line: 2, fields: ['x "y"', 'two\nlines'] },
      { line: 4, fields: ['z', ''] },
    ]);
    expect(read('a\tb,c\n1\t2\n', '\t')).toEqual([
      { line: 1, fields: ['a', 'b,c'] },
      { line: 2, fields: ['1', '2'] },
    ]);
    // The default stays the comma: a semicolon is data.
    expect(read('a;b,c\n')).toEqual([{ line: 1, fields: ['a;b', 'c'] }]);
  });

  it('marks a record whose quoted field is never closed (it runs to the end of the text)', () => {
    expect(read('a,b\n"open,x\n1,2\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['open,x\n1,2\n'], unterminated: true },
    ]);
  });
});
