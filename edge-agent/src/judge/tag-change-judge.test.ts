import { Migration } from '@plcfleet/protocols';
import { describe, expect, it } from 'vitest';
import { runTagChangeJudge } from './tag-change-judge';

const migration = Migration.parse({
  apiVersion: 'plcfleet/v1',
  kind: 'Migration',
  id: 'judge-test',
  title: 't',
  type: 'tag-change',
  safetyClass: 'non-safety',
  goal: 'g',
  tagChanges: [{ from: 'A_B', to: 'AB' }],
  scope: { files: ['src/**', 'hmi/**'], maxChangedLines: 4 },
});
const before = [
  { path: 'src/Main.st', text: 'PROGRAM Main\nx := A_B;\ny := 1;\nEND_PROGRAM\n' },
  { path: 'hmi/s.json', text: '{ "tag": "A_B" }\n' },
];
const edit = (file: string, line: number) => ({ file, line, what: 'tagChanges[0] A_B → AB (reference)' });

describe('runTagChangeJudge', () => {
  it('passes the recorded edits and lists each as a finding with its file and line', () => {
    const after = [
      { path: 'src/Main.st', text: 'PROGRAM Main\nx := AB;\ny := 1;\nEND_PROGRAM\n' },
      { path: 'hmi/s.json', text: '{ "tag": "AB" }\n' },
    ];
    const r = runTagChangeJudge({
      migration,
      before,
      after,
      edits: [edit('src/Main.st', 2), edit('hmi/s.json', 1)],
      dangling: [],
    });
    expect(r.verdict).toBe('pass');
    expect(r.findings.map((f) => `${f.code} ${f.message}`)).toEqual([
      'changed-reference src/Main.st:2: tagChanges[0] A_B → AB (reference)',
      'changed-reference hmi/s.json:1: tagChanges[0] A_B → AB (reference)',
      'changed-lines 4 changed line(s) (+2 -2) in 2 file(s): src/Main.st, hmi/s.json',
    ]);
  });

  it('vetoes a line no edit made, a file outside scope, too many lines and a dangling reference', () => {
    const after = [
      { path: 'src/Main.st', text: 'PROGRAM Main\nx := AB;\ny := 2;\nEND_PROGRAM\n' },
      { path: 'hmi/s.json', text: '{ "tag": "A_B" }\n' },
      { path: 'other/x.csv', text: 'AB\n' },
    ];
    const r = runTagChangeJudge({
      migration,
      before,
      after,
      edits: [edit('src/Main.st', 2)],
      dangling: ['hmi/s.json:1: M1.Gone'],
    });
    expect(r.verdict).toBe('veto');
    const codes = r.findings.map((f) => f.code);
    expect(codes).toEqual(
      expect.arrayContaining([
        'unrelated-change',
        'file-out-of-scope',
        'too-many-lines',
        'dangling-reference',
      ]),
    );
    expect(r.findings.find((f) => f.code === 'unrelated-change')?.message).toBe(
      'src/Main.st:3 changed where no recorded edit was made',
    );
  });
});
