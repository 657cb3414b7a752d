/** The progress lines a fleet submission prints on stderr. */
import type { SubmitEvent } from '../fleet/submit.js';

/** Progress lines of `fleet submit` on stderr (one per event worth a line). */
export function submitProgressLine(event: SubmitEvent): string | undefined {
  switch (event.type) {
    case 'resolving-model':
      return `model ${event.model} (${event.ref})`;
    case 'study-created':
      return `study ${event.studyId}: devices ${event.devices.join(', ')}`;
    case 'variant-prepared':
      return event.notes.length > 0 ? `${event.model} ${event.label}: ${event.notes.join('; ')}` : undefined;
    case 'variant-failed':
      return `${event.model} ${event.label} FAILED (${event.failure.kind}): ${event.failure.reason}`;
    case 'model-stored':
      return `model ${event.name}: sha256 ${event.sha256.slice(0, 12)}…, ${event.bytes} bytes${event.stored ? '' : ' (already in the store)'}`;
    case 'queued':
      return `queued ${event.jobs} job(s) on ${event.queue}`;
  }
}
