/** The roles of people and automation using the API. */
export const ROLES = ['admin', 'safety-engineer', 'operator', 'viewer'] as const;
/** One role. */
export type Role = (typeof ROLES)[number];

/** Who is calling: a user and the token they used. */
export interface Principal {
  userId: string;
  name: string;
  role: Role;
  tokenId: string;
}

/** Role sets used by the routes. */
export const ANY_ROLE: readonly Role[] = ROLES;
export const WRITERS: readonly Role[] = ['admin', 'operator'];
/** Who creates and steers rollouts: safety engineers too, which is why four-eyes matters. */
export const ROLLOUT_WRITERS: readonly Role[] = ['admin', 'operator', 'safety-engineer'];
export const ADMIN: readonly Role[] = ['admin'];
