/**
 * What the agent gateway does with a `drift.report`: record it and tell
 * watchers with a `site.drift` event (its status, the POUs that differ, and
 * whether the status changed).
 */
import type { MessageOf } from '@plcfleet/protocols';
import type { Context } from '../context';
import { recordDriftReport } from './site-drift.repository';

/** Records an agent's drift report; returns why it was refused, if it was. */
export async function handleDriftReport(
  ctx: Pick<Context, 'db' | 'bus'>,
  agent: { agentId: string; site: string },
  msg: MessageOf<'drift.report'>,
): Promise<{ refused: 'WRONG_SITE'; reason: string } | undefined> {
  const report = msg.report;
  if (report.site !== agent.site)
    return { refused: 'WRONG_SITE', reason: `this agent serves ${agent.site}, not ${report.site}` };
  const { previous } = await recordDriftReport(ctx.db, agent.agentId, report);
  ctx.bus.publish({
    type: 'site.drift',
    site: report.site,
    data: {
      status: report.status,
      previous,
      pous: report.pous.slice(0, 20).map((p) => p.pou),
      liveSha256: report.liveSha256,
      trigger: report.trigger,
    },
  });
  return undefined;
}
