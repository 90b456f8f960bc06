import { describe, expect, it } from 'vitest';
import { sideBySide } from './diff-view';

type Row = ReturnType<typeof sideBySide>[number];

/** The rows as `left | right` text, file headers and hunks left out. */
function text(rows: Row[]): string[] {
  return rows.flatMap((r) => ('file' in r ? [`${r.left?.text ?? ''} | ${r.right?.text ?? ''}`] : []));
}

const L5X_DIFF = `--- a/line.L5X
+++ b/line.L5X
@@ -10,6 +10,11 @@
 				</Tag>
+				<Tag Name="Start_Delay_FBD" TagType="Base" DataType="FBD_TIMER" Constant="false">
+				<Description>
+				<![CDATA[TONR timer of Start_Delay (ladder to ST)]]>
+				</Description>
+				</Tag>
@@ -40,14 +45,8 @@
 <Routines>
-				<Routine Name="Conveyor" Type="RLL">
-					<RLLContent>
-					<Rung Number="0" Type="N">
-					<Comment>
-					<![CDATA[Conveyor seal-in.]]>
-					</Comment>
-					<Text>
-					<![CDATA[[XIC(Start_PB) ,XIC(Run) ]XIO(Stop_PB)OTE(Run);]]>
-					</Text>
-					</Rung>
-					</RLLContent>
+				<Routine Name="Conveyor" Type="ST">
+					<STContent>
+						<Line Number="0"><![CDATA[// Conveyor seal-in.]]></Line>
+						<Line Number="1"><![CDATA[IF Stop_PB THEN Run := FALSE; ELSIF Start_PB THEN Run := TRUE; END_IF;]]></Line>
+					</STContent>
 				</Routine>
`;

describe('side-by-side diff', () => {
  it('shows an L5X routine as rungs left and ST lines right, without the XML', () => {
    const rows = sideBySide(L5X_DIFF);
    expect(rows[0]).toEqual({ fileHeader: 'line.L5X (ladder rungs left, ST right; XML left out)' });
    expect(text(rows)).toEqual([
      ' | TAG Start_Delay_FBD : FBD_TIMER',
      ' | // TONR timer of Start_Delay (ladder to ST)',
      'ROUTINE Conveyor (RLL) | ROUTINE Conveyor (ST)',
      '// Conveyor seal-in. | // Conveyor seal-in.',
      'rung 0: [XIC(Start_PB) ,XIC(Run) ]XIO(Stop_PB)OTE(Run); | IF Stop_PB THEN Run := FALSE; ELSIF Start_PB THEN Run := TRUE; END_IF;',
    ]);
    // line numbers stay those of the file, so findings still land on their lines
    const routine = rows.find((r) => 'file' in r && r.left?.text.startsWith('ROUTINE'));
    expect(routine && 'file' in routine ? [routine.left?.n, routine.right?.n] : []).toEqual([41, 46]);
  });

  it('reads a multi-line ST line as Studio 5000 exports it', () => {
    const diff =
      '--- a/x.L5X\n+++ b/x.L5X\n@@ -1,3 +1,3 @@\n+<Line Number="0">\n+<![CDATA[A := B;]]>\n+</Line>\n';
    expect(text(sideBySide(diff))).toEqual([' | A := B;']);
  });

  it('leaves an ST file as it is', () => {
    const diff = '--- a/p.st\n+++ b/p.st\n@@ -1,2 +1,2 @@\n-A := B;\n+A := C;\n END_PROGRAM\n';
    expect(sideBySide(diff)).toEqual([
      { fileHeader: 'p.st' },
      { hunk: '@@ -1,2 +1,2 @@' },
      {
        file: 'p.st',
        left: { n: 1, text: 'A := B;', kind: 'del' },
        right: { n: 1, text: 'A := C;', kind: 'add' },
      },
      { file: 'p.st', left: { n: 2, text: 'END_PROGRAM' }, right: { n: 2, text: 'END_PROGRAM' } },
    ]);
  });
});
