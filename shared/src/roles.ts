/** The roles a user account can have; see DOMAIN.md "Who uses it". */
export const ROLES = ['organiser', 'coordinator', 'driver'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a role may do. Routes name a right, never a role, so that this table is the one place
 * where the role rules live; the client reads it too to hide what a user cannot do.
 */
export const RIGHTS = [
  'users:manage', // create, list, update, disable users and reset their passwords
  'profile:own', // read and update one's own profile and password
] as const;
export type Right = (typeof RIGHTS)[number];

export const ROLE_RIGHTS: Readonly<Record<Role, readonly Right[]>> = {
  organiser: ['users:manage', 'profile:own'],
  coordinator: ['profile:own'],
  driver: ['profile:own'],
};

export function roleHasRight(role: Role, right: Right): boolean {
  return ROLE_RIGHTS[role].includes(right);
}
