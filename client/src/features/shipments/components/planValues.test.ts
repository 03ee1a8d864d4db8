import { describe, expect, test } from '@jest/globals';
import type { ShipmentDto } from '@karavan/shared';
import { changeBody, createBody, valuesOf, type Values } from './planValues';

const shipment = {
  id: 's1',
  campaignId: 'c1',
  originId: 'o1',
  destinationId: 'd1',
  route: ['k1'],
  driverId: 'u1',
  vehicle: { plate: '01KG', kind: 'ГАЗель', capacityKg: 1500 },
  plannedDepartureAt: null,
  estimatedRouteHours: 9.5,
  notes: 'Позвонить заранее',
  status: 'loading',
  lines: [{ itemId: 'milk', quantity: 36, lots: [] }],
  documents: [
    { key: 'waybill', label: 'Товарно-транспортная накладная' },
    { key: 'photos', label: 'Фото груза' },
  ],
} as unknown as ShipmentDto;
const baseUnitOf = (itemId: string) => (itemId === 'milk' ? 'litre' : 'loaf');

describe('changeBody', () => {
  test('When nothing is changed, then nothing is sent', () => {
    const initial = valuesOf(shipment);
    expect(changeBody({ ...initial }, initial, shipment, baseUnitOf)).toEqual({});
  });

  test('When the destination, driver, notes and a quantity change, then only those are sent, lines whole', () => {
    const initial = valuesOf(shipment);
    const values: Values = {
      ...initial,
      destinationId: 'd2',
      driverId: null,
      notes: '  ',
      lines: [
        { ...initial.lines[0]!, quantity: 3, unit: 'crate' },
        { key: 'n', itemId: 'bread', quantity: 200, unit: '' },
      ],
    };
    expect(changeBody(values, initial, shipment, baseUnitOf)).toEqual({
      destinationId: 'd2',
      driverId: null,
      notes: null,
      lines: [
        { itemId: 'milk', quantity: 3, unit: 'crate' },
        { itemId: 'bread', quantity: 200 },
      ],
    });
  });

  test('When the hours on the road are cleared, then the route goes without hours (the server estimates them); an arrival wins over hours', () => {
    const initial = valuesOf(shipment);
    expect(changeBody({ ...initial, routeHours: '' }, initial, shipment, baseUnitOf)).toEqual({ route: ['k1'] });
    expect(changeBody({ ...initial, routeHours: 12 }, initial, shipment, baseUnitOf)).toEqual({
      estimatedRouteHours: 12,
    });
    const arrival = changeBody(
      { ...initial, departure: '2030-01-10T06:00', arrival: '2030-01-10T18:00' },
      initial,
      shipment,
      baseUnitOf,
    );
    expect(Object.keys(arrival).sort()).toEqual(['plannedArrivalAt', 'plannedDepartureAt']);
  });

  test('When the checklist changes, then a coordinator’s own document keeps its label', () => {
    const initial = valuesOf(shipment);
    expect(
      changeBody({ ...initial, documents: ['photos', 'customs_declaration'] }, initial, shipment, baseUnitOf),
    ).toEqual({ documents: [{ key: 'photos', label: 'Фото груза' }, { key: 'customs_declaration' }] });
  });
});

describe('createBody', () => {
  test('When a shipment is planned, then every field goes, the default checklist is left to the server and empty notes are left out', () => {
    const values: Values = {
      ...valuesOf(undefined),
      campaignId: 'c1',
      originId: 'o1',
      destinationId: 'd1',
      plate: ' 01KG ',
      kind: 'ГАЗель',
      lines: [{ key: 'a', itemId: 'milk', quantity: '15', unit: 'litre' }],
    };
    expect(createBody(values, baseUnitOf)).toEqual({
      campaignId: 'c1',
      originId: 'o1',
      destinationId: 'd1',
      route: [],
      driverId: null,
      vehicle: { plate: '01KG', kind: 'ГАЗель', capacityKg: null },
      plannedDepartureAt: null,
      lines: [{ itemId: 'milk', quantity: 15 }],
    });
  });
});
