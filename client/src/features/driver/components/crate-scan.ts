import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatLabelCode, parseLabelCode, type LabelDto, type LabelSummary } from '@karavan/shared';
import type { ShipmentDto } from '../../../lib/contracts';
import { checkLabel } from '../../labels';
import { useShipmentNames } from './names';

/** The code in a label's QR text (`<url>/l/<code>#...`), stored form; null when it is no label address. */
function codeOf(text: string): string | null {
  try {
    const match = /\/l\/([^/#?]+)/.exec(new URL(text.trim()).pathname);
    const parsed = match ? parseLabelCode(decodeURIComponent(match[1]!)) : null;
    return parsed?.ok ? parsed.code : null;
  } catch {
    return null;
  }
}

/**
 * Receive by scanning: the shipment's crates (its current labels, kept on the phone), ticked as
 * their QR codes are read. A code is trusted when its signature checks with the deployment's key
 * kept on the phone (offline too, as the label page does); a label of another shipment, or not of
 * this one's crates, is said so. `finish` gives per item what arrived: its quantity less the
 * crates not scanned (the server's rule), for the form to fill in.
 */
export function useCrateScan(shipment: ShipmentDto, labels: LabelDto[] | undefined) {
  const { t } = useTranslation();
  const names = useShipmentNames();
  const [open, setOpen] = useState(false);
  const [used, setUsed] = useState(false);
  const [scanned, setScanned] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const crates = (labels ?? []).map((label) => {
    const line = shipment.lines.find((l) => l.itemId === label.itemId);
    return {
      code: label.code,
      stored: label.code.replace(/-/g, ''),
      itemId: label.itemId,
      item: line ? names.itemLabel(line) : label.itemId,
      quantity: label.quantity,
    };
  });

  async function read(text: string) {
    const code = codeOf(text);
    if (!code) return setMessage(t('pod.notLabel'));
    const check = await checkLabel(text);
    if (check.state === 'invalid') return setMessage(t('pod.invalid'));
    const summary: LabelSummary | null = check.state === 'valid' ? check.summary : null;
    if (summary && summary.s !== shipment.id) return setMessage(t('pod.foreign', { code: formatLabelCode(code) }));
    if (!crates.some((c) => c.stored === code)) return setMessage(t('pod.unknown', { code: formatLabelCode(code) }));
    setMessage(null);
    setScanned((current) => (current.includes(code) ? current : [...current, code]));
  }

  return {
    open,
    used,
    crates,
    message,
    /** The codes scanned, in the stored form (the server takes any spelling). */
    codes: scanned,
    isScanned: (code: string) => scanned.includes(code.replace(/-/g, '')),
    start() {
      setOpen(true);
      setUsed(true);
      setMessage(null);
    },
    stop() {
      setOpen(false);
    },
    read: (text: string) => void read(text),
    finish(): Map<string, number> {
      setOpen(false);
      const received = new Map<string, number>();
      for (const line of shipment.lines) {
        const mine = crates.filter((c) => c.itemId === line.itemId);
        if (mine.length === 0) continue;
        const missing = mine.filter((c) => !scanned.includes(c.stored)).reduce((n, c) => n + c.quantity, 0);
        received.set(line.itemId, Math.max(0, line.quantity - missing));
      }
      return received;
    },
  };
}
