import { ROLE_RIGHTS, RIGHTS, roleHasRight } from '@karavan/shared';

describe('Roles and rights', () => {
  test('When rights are looked up, then only organisers manage users and everyone manages their profile', () => {
    expect(roleHasRight('organiser', 'users:manage')).toBe(true);
    expect(roleHasRight('coordinator', 'users:manage')).toBe(false);
    expect(roleHasRight('driver', 'users:manage')).toBe(false);
    for (const role of ['organiser', 'coordinator', 'driver'] as const)
      expect(roleHasRight(role, 'profile:own')).toBe(true);
  });

  test('When a driver is checked, then they read none of the stock lists and only drive their shipments', () => {
    for (const right of [
      'catalogue:read',
      'donations:read',
      'stock:read',
      'volunteers:read',
      'dashboard:watch',
    ] as const)
      expect(roleHasRight('driver', right)).toBe(false);
    expect(roleHasRight('driver', 'shipments:drive')).toBe(true);
    expect(roleHasRight('driver', 'shipments:read:any')).toBe(false);
  });

  test('When a coordinator is checked, then they run stock but not campaigns, users or the reconcile', () => {
    expect(roleHasRight('coordinator', 'donations:write')).toBe(true);
    expect(roleHasRight('coordinator', 'stock:write')).toBe(true);
    expect(roleHasRight('coordinator', 'campaigns:manage')).toBe(false);
    expect(roleHasRight('coordinator', 'stock:reconcile')).toBe(false);
  });

  test('When the table is read, then every right it grants exists', () => {
    for (const rights of Object.values(ROLE_RIGHTS)) for (const right of rights) expect(RIGHTS).toContain(right);
  });
});
