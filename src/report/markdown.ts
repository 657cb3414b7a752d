/** The Markdown report of a study: its sections (study-sections.ts) as Markdown. Pure. */
import type { StudyAnalysis } from '../study/compare.js';
import { type SectionTable, type StudySection, studySections } from './study-sections.js';

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(t: SectionTable): string {
  const head = `| ${t.columns.map(escapeCell).join(' | ')} |`;
  const rule = `| ${t.align.map((a) => (a === 'left' ? '---' : '---:')).join(' | ')} |`;
  const body = t.rows.map((r) => `| ${r.map(escapeCell).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

const PREFIX = { note: '> Note — ', caution: '> Caution — ' } as const;

/** One section's Markdown lines (with the blank lines around it that the report has always had). */
function sectionLines(section: StudySection): string[] {
  switch (section.kind) {
    case 'chart':
      return [];
    case 'empty':
      return [`## ${section.title}`, '', section.sentence, ''];
    case 'definitions':
      return [
        '## Definitions',
        '',
        ...section.terms.map(([term, text]) => `- **${term}**: ${text}`),
        `- Bootstrap: ${section.bootstrap.resamples} resamples, ${section.bootstrap.confidencePct}% interval, seed ${section.bootstrap.seed}.`,
      ];
    case 'lines': {
      const l = section.lines;
      switch (section.id) {
        case 'tune-summary':
          return [
            '## Tune result',
            '',
            ...l.map((line) => (line.startsWith('  ') ? `  - ${line.trim()}` : `- ${line}`)),
            '',
          ];
        case 'tune-race':
        case 'averages':
          return l.map((line) => `- ${line}`);
        case 'tune-notes':
          return l.flatMap((n) => ['', `> Note — ${n}`]);
        case 'failures':
          return [];
        case 'telemetry-warnings':
          return [`## ${section.title}`, '', section.sentence ?? '', '', ...l.map((w) => `- ${w}`), ''];
        default:
          return l.length > 0 ? ['', ...l.map((n) => `${PREFIX[section.tone as 'note']}${n}`)] : [];
      }
    }
    case 'table':
      switch (section.id) {
        case 'leaderboard':
          return ['', `## ${section.title}`, '', markdownTable(section), ''];
        case 'results':
          // A sentence only where a study over several targets has a table per target.
          return [
            `## ${section.title}`,
            '',
            ...(section.sentence ? [section.sentence, ''] : []),
            markdownTable(section),
            '',
          ];
        case 'variants':
          return ['', `## ${section.title}`, '', markdownTable(section), ''];
        case 'devices':
        case 'environment':
          return [`## ${section.title}`, '', markdownTable(section), ''];
        default: {
          const after = [...section.lines, ...section.notes.map((n) => `Note — ${n}`)];
          return [
            '',
            `## ${section.title}`,
            '',
            section.sentence ?? '',
            '',
            markdownTable(section),
            ...(after.length > 0 ? ['', ...after.map((line) => `- ${line}`)] : []),
          ];
        }
      }
  }
}

export function renderMarkdown(analysis: StudyAnalysis): string {
  const { kind, header: h, sections } = studySections(analysis);
  const out = [
    `# ${kind === 'tune' ? 'Tune' : 'Study'} ${h.name} (${h.id})`,
    '',
    `Status: ${h.status}. Source: ${h.source}. Created ${h.createdAt}${h.finishedAt ? `, finished ${h.finishedAt}` : ''}. edgebench ${h.edgebenchVersion}.`,
    '',
    ...sections.flatMap(sectionLines),
  ];
  return `${out.join('\n')}\n`;
}
