import { ROLE_RIGHTS, RIGHTS, roleHasRight } from '@karavan/shared';

describe('Roles and rights', () => {
  test('When rights are looked up, then only organisers manage users and everyone manages their profile', () => {
    expect(roleHasRight('organiser', 'users:manage')).toBe(true);
    expect(roleHasRight('coordinator', 'users:manage')).toBe(false);
    expect(roleHasRight('driver', 'users:manage')).toBe(false);
    for (const role of ['organiser', 'coordinator', 'driver'] as const)
      expect(roleHasRight(role, 'profile:own')).toBe(true);
  });

  test('When the table is read, then every right it grants exists', () => {
    for (const rights of Object.values(ROLE_RIGHTS)) for (const right of rights) expect(RIGHTS).toContain(right);
  });
});
