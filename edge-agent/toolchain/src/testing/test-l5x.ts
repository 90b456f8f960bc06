/** Builds small L5X files for tests: tags and ladder routines of one program. */

/** A tag of the test program: `[name, dataType, decorated value?]`. */
export type TestTag = [string, string, Record<string, number>?];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An L5X with controller tags and one program `P` whose routines hold these rungs (and these ST lines). */
export function testL5x(
  tags: TestTag[],
  routines: Record<string, string[]>,
  extra = '',
  st: Record<string, string[]> = {},
): string {
  const tagXml = tags
    .map(([n, t, v]) => {
      const dims = /\[(\d+)\]$/.exec(t);
      const dt = dims ? t.slice(0, t.indexOf('[')) : t;
      const data = v
        ? `<Data Format="Decorated"><Structure DataType="${dt}">${Object.entries(v)
            .map(([m, x]) => `<DataValueMember Name="${m}" DataType="DINT" Radix="Decimal" Value="${x}"/>`)
            .join('')}</Structure></Data>`
        : '';
      return `<Tag Name="${n}" TagType="Base" DataType="${dt}"${dims ? ` Dimensions="${dims[1]}"` : ''}>${data}</Tag>`;
    })
    .join('\n');
  const rx = Object.entries(routines)
    .map(
      ([name, rungs]) =>
        `<Routine Name="${name}" Type="RLL"><RLLContent>${rungs
          .map((r, i) => `<Rung Number="${i}" Type="N"><Text><![CDATA[${r}]]></Text></Rung>`)
          .join('\n')}</RLLContent></Routine>`,
    )
    .join('\n');
  const sx = Object.entries(st)
    .map(
      ([name, lines]) =>
        `<Routine Name="${name}" Type="ST"><STContent>${lines
          .map((l, i) => `<Line Number="${i}"><![CDATA[${l}]]></Line>`)
          .join('\n')}</STContent></Routine>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<RSLogix5000Content SchemaRevision="1.0" TargetType="Controller">
<Controller Use="Target" Name="T">
${extra}
<Tags>
${tagXml}
</Tags>
<Programs>
<Program Name="P" MainRoutineName="${esc(Object.keys(routines)[0] ?? Object.keys(st)[0] ?? 'Main')}">
<Tags/>
<Routines>
${rx}
${sx}
</Routines>
</Program>
</Programs>
</Controller>
</RSLogix5000Content>
`;
}
