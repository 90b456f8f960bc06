import { describe, expect, it } from 'vitest';
import { LineMap, parseXml, XmlError } from './xml';

/** The error `parseXml` throws for `text`: its message and offset. */
function failure(text: string): { message: string; offset: number } {
  try {
    parseXml(text);
  } catch (err) {
    expect(err).toBeInstanceOf(XmlError);
    return { message: (err as XmlError).message, offset: (err as XmlError).offset };
  }
  throw new Error(`no error for ${text}`);
}

describe('parseXml start tags', () => {
  it('keeps each attribute value raw at its offsets and decoded as its value', () => {
    const text = `<POU Name="FB_A" Id='{1}' Note = "a &lt; b"\n  SpecialFunc="None"><ST/></POU>`;
    const pou = parseXml(text).children[0]!;
    expect(pou.name).toBe('POU');
    expect([...pou.attrs.keys()]).toEqual(['Name', 'Id', 'Note', 'SpecialFunc']);
    for (const a of pou.attrs.values()) expect(a.valueEnd).toBeGreaterThan(a.valueStart);
    expect(pou.attrs.get('Note')).toMatchObject({ value: 'a < b' });
    const note = pou.attrs.get('Note')!;
    expect(text.slice(note.valueStart, note.valueEnd)).toBe('a &lt; b');
    expect(text.slice(pou.start, pou.contentStart)).toBe(text.slice(0, text.indexOf('<ST/>')));
    expect(pou.children[0]).toMatchObject({
      name: 'ST',
      start: text.indexOf('<ST/>'),
      end: text.indexOf('</POU>'),
    });
  });

  it('reads a tag the one-match path leaves out (no blank between attributes, a value with >) alike', () => {
    const el = parseXml(`<a x="1"y='2' z="p>q" x="3"/>`).children[0]!;
    expect([...el.attrs].map(([k, v]) => [k, v.value])).toEqual([
      ['x', '3'],
      ['y', '2'],
      ['z', 'p>q'],
    ]);
    expect(el.end).toBe(el.contentStart);
  });

  it('says what is wrong with a malformed start tag, where', () => {
    expect(failure('<r><a x="1" / ></a></r>')).toEqual({ message: "unexpected '/' in <a>", offset: 12 });
    expect(failure('<r><a x></a></r>')).toEqual({ message: 'attribute x of <a> has no value', offset: 7 });
    expect(failure('<r><a x=1></a></r>')).toEqual({ message: 'attribute x of <a> is not quoted', offset: 8 });
    expect(failure('<r><a x="1></a></r>')).toEqual({
      message: 'attribute x of <a> is never closed',
      offset: 8,
    });
    expect(failure('<r><a x="1"')).toEqual({ message: 'tag <a> is never closed', offset: 3 });
    expect(failure('<r>< a/></r>')).toEqual({ message: "'<' does not start a tag", offset: 3 });
    expect(failure('<r><a\u2028x="1"></b></r>')).toEqual({ message: '</b> does not close <a>', offset: 12 });
  });
});

describe('LineMap', () => {
  it('maps offsets in texts of few and of very many lines, one after the other', () => {
    for (const lines of [3, 5000, 70_000, 10]) {
      const text = Array.from({ length: lines }, (_, i) => `line ${i}`).join('\r\n');
      const map = new LineMap(text);
      expect(map.lineCount).toBe(lines);
      for (const i of [0, 1, Math.floor(lines / 2), lines - 1]) {
        const at = text.indexOf(`line ${i}`) + 2;
        expect(map.position(at)).toEqual({ line: i + 1, column: 3 });
      }
    }
  });
});
