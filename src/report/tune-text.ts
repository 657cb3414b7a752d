/**
 * How a tune reads: the winner and what it buys, the commands that rebuild it, the leaderboard, the
 * race's savings, and progress lines — the same words in the terminal, Markdown and HTML. Pure.
 */

import type { LeaderboardEntry, MixedSearchRecord, RatioWithCi, TuneRecord } from '../study/tune-record.js';
import { type BudgetMetrics, budgetText, snrOf } from '../tune/budget.js';
import type { TuneEvent } from '../tune/tune.js';
import { ms } from './format.js';

const STATUS_TEXT: Record<LeaderboardEntry['status'], string> = {
  winner: 'winner',
  finalist: 'finalist',
  eliminated: 'eliminated',
  'missed-deadline': 'missed the deadline',
  'rejected-by-budget': 'rejected by budget',
  'not-built': 'not built',
  failed: 'failed',
  'not-measured': 'not measured',
};

/** A speedup as a sentence says it: `1.80× [1.70–1.90] faster`, or `1.25× [1.10–1.40] slower` below 1. */
function speedText(r: RatioWithCi | null | undefined): string {
  if (!r) return 'not comparable (no round in common)';
  if (r.ratio >= 1) return `${r.ratio.toFixed(2)}× [${r.ci[0].toFixed(2)}–${r.ci[1].toFixed(2)}] faster`;
  return `${(1 / r.ratio).toFixed(2)}× [${(1 / r.ci[1]).toFixed(2)}–${(1 / r.ci[0]).toFixed(2)}] slower`;
}

/** The objective's figure: ms for latency and p99, items/s for throughput. */
function objectiveName(record: TuneRecord): string {
  return byObjective(record, { p99: 'p99 latency', throughput: 'throughput', median: 'median latency' });
}

/** The wording for the tune's objective (p99, throughput, or else the median). */
export function byObjective<T>(record: TuneRecord, choices: { p99: T; throughput: T; median: T }): T {
  return record.objective === 'p99'
    ? choices.p99
    : record.objective === 'throughput'
      ? choices.throughput
      : choices.median;
}

export function fidelityCell(f: BudgetMetrics | null): string {
  if (!f) return '—';
  const parts: string[] = [];
  const snr = snrOf(f);
  parts.push(
    snr === null ? 'snr n/a' : snr === Number.POSITIVE_INFINITY ? 'identical' : `snr ${snr.toFixed(1)} dB`,
  );
  if (f.top1Agreement !== null) parts.push(`top1 ${(f.top1Agreement * 100).toFixed(1)}%`);
  if (f.accuracy)
    parts.push(`acc ${(f.accuracy.optimized * 100).toFixed(1)}% (−${f.accuracy.dropPoints.toFixed(2)} pt)`);
  if (f.cosine !== null && snr !== Number.POSITIVE_INFINITY) parts.push(`cos ${f.cosine.toFixed(5)}`);
  return parts.join(', ');
}

/** The candidate as a sentence names it: its build, level, threads, EP and batch. */
export function candidateText(
  e: Pick<LeaderboardEntry, 'build' | 'graphOptLevel' | 'threads' | 'ep' | 'batch'>,
): string {
  return `${e.build} · level ${e.graphOptLevel} · ${e.threads} thread${e.threads === 1 ? '' : 's'} · ${e.ep} · batch ${e.batch}`;
}

export function leaderboardRows(record: TuneRecord): string[][] {
  const rows: string[][] = [
    [
      '#',
      'candidate',
      'status',
      'rounds',
      'median ms',
      'p99 ms',
      'items/s',
      'cost / leader [CI]',
      'fidelity',
      'why',
    ],
  ];
  for (const e of record.leaderboard) {
    const vs = e.vsLeader
      ? `${e.vsLeader.ratio.toFixed(3)} [${e.vsLeader.ci[0].toFixed(3)}–${e.vsLeader.ci[1].toFixed(3)}]`
      : '—';
    const status =
      e.status === 'eliminated' && e.eliminatedInRound !== null
        ? `eliminated in round ${e.eliminatedInRound}`
        : STATUS_TEXT[e.status];
    rows.push([
      e.rank === null ? '' : String(e.rank),
      `${e.id}${e.baseline ? ' (baseline)' : ''}`,
      status,
      String(e.rounds),
      ms(e.medianMs),
      ms(e.p99Ms),
      e.throughputPerSec === null ? '—' : e.throughputPerSec.toFixed(1),
      vs,
      fidelityCell(e.fidelity),
      e.reason ?? '',
    ]);
  }
  return rows;
}

function stopText(record: TuneRecord): string {
  switch (record.stopReason) {
    case 'decided':
      return 'one candidate was ahead of every other with confidence';
    case 'time-budget':
      return `the time budget (${(record.settings.timeBudgetMs / 1000).toFixed(0)} s) ran out`;
    case 'max-rounds':
      return `the last of ${record.settings.maxRounds} rounds ended`;
    case 'interrupted':
      return 'it was interrupted';
    default:
      return 'it did not run';
  }
}

/** The lines a user acts on: the winner, its speedups and fidelity, how to rebuild it. */
export function tuneSummaryLines(record: TuneRecord): string[] {
  const lines: string[] = [];
  const byId = new Map(record.leaderboard.map((e) => [e.id, e]));
  lines.push(
    `tune ${record.model.ref}: objective ${objectiveName(record)}${record.deadlineMs !== null ? `, deadline p99 ≤ ${record.deadlineMs} ms` : ''}; budget ${record.budget.text}${record.budget.source === 'default' ? ' (the default)' : ''}`,
  );
  lines.push(`${record.host.isa} — ${record.host.cpu}, ${record.host.physicalCores} physical cores`);
  const w = record.winner;
  const winner = w ? byId.get(w.id) : undefined;
  if (!w || !winner) {
    if (record.outcome === 'no-candidate-meets-budget' && record.closest) {
      const c = byId.get(record.closest.id);
      lines.push(
        `no candidate meets the budget; the closest is ${c ? candidateText(c) : record.closest.id}: ${fidelityCell(record.closest.fidelity)} (${record.closest.failures.join('; ')})`,
      );
    } else if (record.outcome === 'interrupted') lines.push('interrupted before a winner was chosen');
    else if (record.outcome === 'time-budget-too-small') lines.push('the time budget was too small to race');
    else lines.push(`no winner (${record.outcome})`);
    return lines;
  }
  lines.push(`winner: ${candidateText(winner)}`);
  const figure =
    record.objective === 'throughput'
      ? `${winner.throughputPerSec?.toFixed(1) ?? '—'} items/s (median ${ms(winner.medianMs)} ms per batch of ${winner.batch})`
      : `median ${ms(winner.medianMs)} ms, p99 ${ms(winner.p99Ms)} ms`;
  lines.push(`  ${figure}; fidelity ${fidelityCell(winner.fidelity)} — budget ${record.budget.text} holds`);
  const baseline = record.leaderboard.find((e) => e.baseline);
  lines.push(
    w.speedupOverBaseline
      ? `  ${speedText(w.speedupOverBaseline)} than the baseline (${baseline ? candidateText(baseline) : 'the model as given'}), ${objectiveName(record)}, ${w.speedupOverBaseline.rounds} paired rounds`
      : '  the winner is the baseline itself: no candidate beat the model as given',
  );
  if (w.runnerUp) {
    const r = byId.get(w.runnerUp.id);
    lines.push(
      `  ${speedText(w.runnerUp.speedup)} than the runner-up (${r ? candidateText(r) : w.runnerUp.id})${w.runnerUp.tie ? ' — not a significant difference: a tie' : ''}`,
    );
  }
  if (w.tieNote) lines.push(`  tie: ${w.tieNote}`);
  if (w.output) lines.push(`  written to ${w.output}`);
  lines.push('rebuild and re-measure it:');
  lines.push(`  ${w.commands.join(' && ')}`);
  return lines;
}

const PLAYOFF_END_TEXT: Record<string, string> = {
  settled: 'the tie is settled (one is ahead of the others with confidence)',
  rounds: 'still tied after its last round: a tie the data cannot split, settled towards the simpler model',
  'time-budget': 'it stopped at the time budget',
  interrupted: 'it was interrupted',
};

/** Where the race ended and what racing saved. */
export function raceLines(record: TuneRecord): string[] {
  const lines: string[] = [];
  const rounds = record.rounds.length;
  if (rounds > 0)
    lines.push(
      `the race ran ${rounds} round${rounds === 1 ? '' : 's'} in ${(record.phasesMs.race / 1000).toFixed(0)} s and stopped because ${stopText(record)}; building and checking took ${(record.phasesMs.prepare / 1000).toFixed(0)} s`,
    );
  const played = record.playoff;
  if (played && played.rounds > 0)
    lines.push(
      `playoff: ${played.entrants} finalists tied with the leader were measured again in ${played.rounds} round${played.rounds === 1 ? '' : 's'}; ${PLAYOFF_END_TEXT[played.ended] ?? played.ended}`,
    );
  else if (played?.ended === 'time-budget')
    lines.push('playoff: none — the time budget left no room to measure the tied finalists again');
  if (record.racing.everyCandidateEveryRound > 0)
    lines.push(
      `racing measured ${record.racing.candidateRounds} candidate-rounds; every candidate in every one of those rounds would have been ${record.racing.everyCandidateEveryRound}${record.settings.racing ? '' : ' (racing was off: nothing was eliminated)'}`,
    );
  const counts = new Map<string, number>();
  for (const e of record.leaderboard) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
  lines.push(
    `${record.leaderboard.length} candidates: ${[...counts.entries()].map(([s, n]) => `${n} ${STATUS_TEXT[s as LeaderboardEntry['status']]}`).join(', ')}`,
  );
  if (record.mixed) {
    const m = record.mixed;
    const probed = (probes: MixedSearchRecord['probes']) =>
      `${probes.length} builds probed: ${probes.map((p) => `${p.kept} ${p.holds ? 'holds' : 'misses'}`).join(', ')}`;
    const found = [
      m.kept !== null ? `keeping the ${m.kept} most sensitive in float meets it (${probed(m.probes)})` : null,
      m.fromInput?.kept != null
        ? `keeping the first ${m.fromInput.kept} from the input in float meets it (${probed(m.fromInput.probes)})`
        : null,
    ].filter((x) => x !== null);
    lines.push(
      found.length > 0
        ? `mixed precision: ${m.from} missed the budget (${m.ranked} quantized ops); ${found.join('; ')}`
        : `mixed precision: ${m.note ?? 'no count met the budget'}`,
    );
  }
  return lines;
}

/** One progress line on stderr per event worth a line. */
export function tuneProgressLine(event: TuneEvent): string | undefined {
  const secs = (msValue: number) => `${Math.max(0, Math.round(msValue / 1000))} s`;
  switch (event.type) {
    case 'started':
      return `tune ${event.studyId}: ${event.model}, objective ${event.objective}, budget ${budgetText(event.budget)}${event.budget.source === 'default' ? ' (the default)' : ''}; ${event.builds} builds → ${event.candidates} candidates (threads ${event.space.threads.join(',')}, ${event.space.eps.join(',')}); race time budget ${secs(event.timeBudgetMs)}\n${event.isa}`;
    case 'built':
      return `built ${event.build} (${(event.ms / 1000).toFixed(1)} s)`;
    case 'build-failed':
      return `cannot build ${event.build}: ${event.reason}`;
    case 'checked':
      return `fidelity ${event.build}${event.level !== 'all' ? ` @${event.level}` : ''}: ${event.text}${event.verdict.holds ? '' : ` — rejected: ${event.verdict.failures.join('; ')}`}`;
    case 'check-failed':
      return `fidelity ${event.build}@${event.level} not measured: ${event.reason}`;
    case 'mixed':
      return `mixed precision: ${event.text}`;
    case 'race-started':
      return `racing ${event.racers} candidates (and the baseline as the reference), ${secs(event.timeBudgetMs)} at most`;
    case 'measured':
      return undefined;
    case 'measure-failed':
      return `round ${event.round}: ${event.candidate} failed: ${event.reason}`;
    case 'playoff-started':
      return `playoff: ${event.tied.length} finalists tied with the leader are measured again, side by side: ${event.tied.join(', ')}`;
    case 'round-ended': {
      const out = event.eliminated.map((e) => `${e.id} (${e.ratio.toFixed(2)}× the leader)`).join(', ');
      const left = event.alive.length <= 4 ? `: ${event.alive.join(', ')}` : '';
      if (event.playoff)
        return `playoff round ${event.round} (${secs(event.wallMs)}): leader ${event.leader ?? '—'}; ${event.alive.length > 1 ? `still tied${left}` : 'the tie is settled'}; ${secs(event.timeLeftMs)} left`;
      return `round ${event.round} (${secs(event.wallMs)}): leader ${event.leader ?? '—'}; ${event.eliminated.length > 0 ? `eliminated ${out}; ` : ''}${event.alive.length} left${left}; ${secs(event.timeLeftMs)} left`;
    }
    case 'ended':
      return undefined;
  }
}
