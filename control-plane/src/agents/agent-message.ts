import { type MessageOf, type MessageType, PROTOCOL_VERSION } from '@plcfleet/protocols';
import { newId } from '../util';

/** What a message of type `T` carries besides its envelope (version, id, type). */
export type MessageBody<T extends MessageType> = Omit<MessageOf<T>, 'v' | 'id' | 'type'>;

/**
 * A message to an agent in its envelope: the protocol version, a fresh id and the type,
 * around what the message carries. The gateway builds every message it sends here.
 *
 * @example
 * send(conn, agentMessage('cancel', { jobId, reason: 'rollout aborted' }));
 */
export function agentMessage<T extends MessageType>(type: T, body: MessageBody<T>): MessageOf<T> {
  // The spread loses the link between `type` and `body` that the signature keeps.
  return { v: PROTOCOL_VERSION, id: newId('m'), type, ...body } as MessageOf<T>;
}
