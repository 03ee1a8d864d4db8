import { useTranslation } from 'react-i18next';
import type { BaseUnit, ItemDto } from './contracts';
import { formatNumber } from './format';

const BASE_UNITS: readonly string[] = ['loaf', 'litre', 'kg', 'piece'];
const KNOWN_PACKS: readonly string[] = ['crate', 'box', 'pack', 'tray', 'bag', 'pallet', 'bottle', 'carton'];

/** "24 буханки", "2 ящика": a quantity with its unit, in the interface language. */
export function useUnitLabel() {
  const { t } = useTranslation();
  const label = (unit: string, count: number): string => {
    if (BASE_UNITS.includes(unit)) return t(`units.${unit as BaseUnit}`, { count });
    if (KNOWN_PACKS.includes(unit)) return t(`packs.${unit as 'crate'}`, { count });
    return unit;
  };
  const quantity = (count: number, unit: string): string => `${formatNumber(count)} ${label(unit, count)}`;
  /** The units a quantity of this item may be given in: its base unit, then its packs with their size. */
  const choices = (item: Pick<ItemDto, 'baseUnit' | 'packs'>) => [
    { value: item.baseUnit, label: label(item.baseUnit, 1) },
    ...item.packs.map((pack) => ({
      value: pack.unit,
      label: `${label(pack.unit, 1)} (${quantity(pack.size, item.baseUnit)})`,
    })),
  ];
  return { label, quantity, choices };
}
