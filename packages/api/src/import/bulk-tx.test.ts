import { describe, expect, it } from 'vitest';
import { CsvLines, csvText } from './bulk-tx.js';

describe('CsvLines', () => {
  it('holds the UTF-8 of the lines added, in order, as it grows past its first buffer', () => {
    const lines = new CsvLines();
    const added: string[] = [];
    // Three-byte CJK, four-byte emoji (two UTF-16 units), quotes: 3,000 lines make ~200 KB.
    for (let i = 0; i < 3000; i++) {
      const line = `pty_${i},${csvText(`王某${i}，"甬"😀`)},（2015）甬民二终字第${i}号\n`;
      lines.add(line);
      added.push(line);
    }
    const expected = Buffer.from(added.join(''));
    expect(expected.length).toBeGreaterThan(1 << 17);
    expect(lines.bytes().equals(expected)).toBe(true);
    expect(lines.bytes().toString('utf8').split('\n')[2]).toBe(
      'pty_2,"王某2，""甬""😀",（2015）甬民二终字第2号',
    );
  });

  it('is empty until a line is added', () => {
    const lines = new CsvLines();
    expect(lines.bytes().length).toBe(0);
    lines.add('a\n');
    expect(lines.bytes().toString()).toBe('a\n');
  });
});
