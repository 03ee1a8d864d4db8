import { ROLE_RIGHTS, SHIPMENT_STATUSES, SHIPMENT_TRANSITIONS, allowedNextStatuses } from '@karavan/shared';

describe('The shipment state machine', () => {
  test('When a coordinator moves a shipment, then every edge of the life cycle is open to them', () => {
    const caller = { rights: ROLE_RIGHTS.coordinator, isAssignedDriver: false };
    expect(allowedNextStatuses('planned', caller)).toEqual(['loading', 'cancelled']);
    expect(allowedNextStatuses('departed', caller)).toEqual(['at_checkpoint', 'arrived']);
    expect(allowedNextStatuses('at_checkpoint', caller)).toEqual(['departed']);
    expect(allowedNextStatuses('arrived', caller)).toEqual(['delivered']);
  });

  test('When the assigned driver moves it, then only departed, at_checkpoint, arrived and delivered are open', () => {
    const driver = { rights: ROLE_RIGHTS.driver, isAssignedDriver: true };
    expect(allowedNextStatuses('planned', driver)).toEqual([]);
    expect(allowedNextStatuses('loading', driver)).toEqual(['departed']);
    expect(allowedNextStatuses('departed', driver)).toEqual(['at_checkpoint', 'arrived']);
    expect(allowedNextStatuses('arrived', driver)).toEqual(['delivered']);
  });

  test('When another driver asks, then nothing is open to them', () => {
    const other = { rights: ROLE_RIGHTS.driver, isAssignedDriver: false };
    for (const status of SHIPMENT_STATUSES) expect(allowedNextStatuses(status, other)).toEqual([]);
  });

  test('When a shipment has departed, then it can no longer be cancelled', () => {
    for (const status of ['departed', 'at_checkpoint', 'arrived', 'delivered'] as const)
      expect(SHIPMENT_TRANSITIONS[status]).not.toContain('cancelled');
  });
});
