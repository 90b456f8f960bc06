/**
 * Workaround for node-opcua 2.182.2 (server side): its PublishResponses carry no publish
 * time. A data message is built with one (`_popNotificationToSend`) and then copied into the
 * response without it, and a keep-alive is built without one: the client gets the DateTime
 * minimum. OPC UA Part 4 §7.22 says a NotificationMessage's publishTime is when it was sent,
 * and a client of a subscription reads it as "every change up to here has been sent": a
 * shadow judges a sample at once when the message covers its scan (ADR 0144), and holds the
 * values it did not see change up to it (ADR 0100).
 *
 * We stamp each response as node-opcua builds it: a data message with the time its
 * notifications were taken from the monitored items (no change stamped before that is
 * left behind: the served PLC writes a scan's values in one turn of the event loop, and
 * sampling interval 0 queues each at once), unless more notifications follow it in another
 * message; a keep-alive with the time it is sent (it is sent only when nothing is queued).
 * Remove this when node-opcua sends publish times itself (docs/plant-io.md).
 */
import { ServerSidePublishEngine, Subscription } from 'node-opcua';

const PATCHED = Symbol.for('plcfleet.opcuaPublishTimeWorkaround');
const TAKEN = Symbol('plcfleet.notificationsTaken');

type Message = { notificationData?: unknown[] | null; publishTime?: Date };
type SubscriptionMethods = { _popNotificationToSend(): Message; [TAKEN]?: Date };
type EngineMethods = {
  _send_response(
    subscription: SubscriptionMethods,
    response: { moreNotifications?: boolean; notificationMessage?: Message },
  ): unknown;
};

/** Installs the workaround once per process (node-opcua's classes are shared by every server). */
export function installOpcuaPublishTimeWorkaround(): void {
  const sub = Subscription.prototype as unknown as SubscriptionMethods & { [PATCHED]?: true };
  if (sub[PATCHED]) return;
  sub[PATCHED] = true;
  const pop = sub._popNotificationToSend;
  sub._popNotificationToSend = function (this: SubscriptionMethods) {
    const m = pop.call(this);
    this[TAKEN] = m.publishTime instanceof Date ? m.publishTime : new Date();
    return m;
  };
  const engine = ServerSidePublishEngine.prototype as unknown as EngineMethods;
  const send = engine._send_response;
  engine._send_response = function (this: EngineMethods, subscription, response) {
    const m = response.notificationMessage;
    if (m) {
      if ((m.notificationData?.length ?? 0) === 0) m.publishTime = new Date();
      else if (!response.moreNotifications && subscription?.[TAKEN]) m.publishTime = subscription[TAKEN];
    }
    return send.call(this, subscription, response);
  };
}
