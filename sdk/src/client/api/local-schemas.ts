/**
 * Response schemas the control plane's routes use but `@plcfleet/protocols`
 * does not name. Each says why it is here; move it to protocols when it lands there.
 */
import { RolloutDetail, RolloutView } from '@plcfleet/protocols';
import { z } from 'zod';

/**
 * `POST /v1/rollouts` and `POST /v1/rollouts/:id/<command>`: protocols names no
 * response schema. Accepts the rollout itself, `{ rollout }`, or a full
 * `RolloutDetail`, and yields the rollout.
 */
export const RolloutResponse = z.union([
  RolloutView,
  RolloutDetail.transform((d) => d.rollout),
  z.object({ rollout: RolloutView }).transform((d) => d.rollout),
]);
