/** The roles a user account can have; see DOMAIN.md "Who uses it". */
export const ROLES = ['organiser', 'coordinator', 'driver'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a role may do. Routes name a right, never a role, so that this table is the one place
 * where the role rules live; the client reads it too to hide what a user cannot do.
 * Object-level rules (a driver moves only their own shipments, a room may be watched only by
 * who may read it) are checked by the services on top of these rights.
 */
export const RIGHTS = [
  'users:manage', // create, list, update, disable users and reset their passwords
  'profile:own', // read and update one's own profile and password
  'catalogue:read', // list and read items and locations
  'catalogue:manage', // create and update items and locations
  'campaigns:read', // list and read campaigns, their targets and progress
  'campaigns:manage', // create and update campaigns and their targets
  'donations:read', // list and read donations and donor receipts
  'donations:write', // record and void donations
  'stock:read', // stock balances, lots and the movement ledger
  'stock:write', // write-offs and adjustments after a count
  'stock:reconcile', // recompute every balance from the ledger and report differences
  'volunteers:read', // list and read volunteers
  'volunteers:manage', // create and update volunteers
  'shipments:read:any', // every shipment (a driver without it reads only their own)
  'shipments:manage', // plan, load, cancel and move any shipment
  'shipments:drive', // report status updates for one's own assigned shipments
  'dashboard:watch', // the live dashboard and its rooms (dashboard, campaign:<id>, location:<id>)
] as const;
export type Right = (typeof RIGHTS)[number];

const COORDINATOR_RIGHTS: readonly Right[] = [
  'profile:own',
  'catalogue:read',
  'catalogue:manage',
  'campaigns:read',
  'donations:read',
  'donations:write',
  'stock:read',
  'stock:write',
  'volunteers:read',
  'volunteers:manage',
  'shipments:read:any',
  'shipments:manage',
  'dashboard:watch',
];

export const ROLE_RIGHTS: Readonly<Record<Role, readonly Right[]>> = {
  organiser: [...COORDINATOR_RIGHTS, 'users:manage', 'campaigns:manage', 'stock:reconcile'],
  coordinator: COORDINATOR_RIGHTS,
  driver: ['profile:own', 'shipments:drive'],
};

export function roleHasRight(role: Role, right: Right): boolean {
  return ROLE_RIGHTS[role].includes(right);
}
