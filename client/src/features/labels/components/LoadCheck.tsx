import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Alert, Badge, Button, Loader, Paper, Stack, Table, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { ShipmentDto } from '../../../lib/contracts';
import { useUnitLabel } from '../../../lib/units';
import { checkLabel, refreshKey } from '../keys';
import { loadComplete, loadProgress, matchScan, type PlanLine, type ScanOutcome } from '../load-check';

const LabelScanner = lazy(() => import('./LabelScanner'));

/** How many scans the list shows (newest first); the summary counts them all. */
const SHOWN = 30;

/**
 * "Check the loading by scanning": crate after crate, each label's signed summary is checked on
 * the phone (offline too, with the deployment's key kept on it) and against this shipment's plan:
 * ✔ item and quantity, a crate of another shipment, a crate already scanned, or not a label of
 * ours; with a running summary per item, planned against scanned. Nothing is sent to the server.
 */
export function LoadCheckButton({ shipment }: { shipment: Pick<ShipmentDto, 'id' | 'lines'> }) {
  const { t } = useTranslation();
  const units = useUnitLabel();
  const [open, setOpen] = useState(false);
  const [scans, setScans] = useState<ScanOutcome[]>([]);
  useEffect(() => {
    if (navigator.onLine) void refreshKey();
  }, []);
  const plan: PlanLine[] = useMemo(
    () =>
      shipment.lines.map((line) => ({
        itemId: line.itemId,
        name: line.item?.name.ru ?? '',
        quantity: line.quantity,
      })),
    [shipment.lines],
  );
  const planRef = useRef(plan);
  useEffect(() => {
    planRef.current = plan;
  }, [plan]);
  // Checks run one after another, so that two quick scans of one crate are never both counted.
  const queue = useRef<Promise<void>>(Promise.resolve());
  const onScan = useCallback(
    (text: string) => {
      queue.current = queue.current.then(async () => {
        const check = await checkLabel(text);
        const summary = check.state === 'valid' ? check.summary : null;
        setScans((current) => [...current, matchScan(shipment.id, planRef.current, current, summary)]);
      });
    },
    [shipment.id],
  );
  const progress = loadProgress(plan, scans);
  const complete = scans.length > 0 && loadComplete(progress, scans);

  const describe = (scan: ScanOutcome): { text: string; color: string } => {
    switch (scan.kind) {
      case 'ok':
        return {
          text: t('labels.load.ok', { item: scan.itemName, quantity: units.quantity(scan.quantity, scan.unit) }),
          color: '#1b5e20',
        };
      case 'otherShipment':
        return {
          text: t('labels.load.otherShipment', { item: scan.itemName, shipment: scan.shipmentId.slice(-6) }),
          color: 'red.9',
        };
      case 'duplicate':
        return { text: t('labels.load.duplicate', { code: scan.code }), color: '#7a4100' };
      case 'notPlanned':
        return { text: t('labels.load.notPlanned', { item: scan.itemName }), color: 'red.9' };
      case 'unknown':
        return { text: t('labels.load.unknown'), color: 'red.9' };
    }
  };

  return (
    <>
      <Button
        size="lg"
        fullWidth
        variant="outline"
        aria-expanded={open}
        onClick={() => setOpen((current) => !current)}
        data-testid="load-check"
      >
        {t('labels.load.start')}
      </Button>
      {open && (
        <Paper withBorder p="sm" data-testid="load-check-panel">
          <Stack gap="sm">
            <Title order={2} size="h4">
              {t('labels.load.title')}
            </Title>
            <Suspense fallback={<Loader size="sm" />}>
              <LabelScanner onClose={() => setOpen(false)} onScan={onScan} />
            </Suspense>
            <Table data-testid="load-summary" aria-label={t('labels.load.summary')}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('labels.load.item')}</Table.Th>
                  <Table.Th>{t('labels.load.planned')}</Table.Th>
                  <Table.Th>{t('labels.load.scanned')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {progress.map((p) => {
                  const unit = shipment.lines.find((l) => l.itemId === p.itemId)?.item?.baseUnit ?? 'piece';
                  return (
                    <Table.Tr key={p.itemId} data-testid="load-summary-row" data-done={p.scanned === p.planned}>
                      <Table.Td>{p.name}</Table.Td>
                      <Table.Td>{units.quantity(p.planned, unit)}</Table.Td>
                      <Table.Td data-testid="load-scanned">
                        {units.quantity(p.scanned, unit)} ({t('labels.load.crates', { count: p.crates })})
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
            {complete && (
              <Alert color="green" variant="light" role="status" data-testid="load-complete">
                {t('labels.load.complete')}
              </Alert>
            )}
            <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }} aria-live="polite">
              {scans
                .map((scan, i) => ({ scan, i }))
                .slice(-SHOWN)
                .reverse()
                .map(({ scan, i }) => {
                  const { text, color } = describe(scan);
                  return (
                    <li key={i} data-testid="load-scan" data-kind={scan.kind}>
                      <Badge color={color} variant="filled" autoContrast size="lg" tt="none" maw="100%">
                        {text}
                      </Badge>
                    </li>
                  );
                })}
            </Stack>
            {scans.length > 0 && (
              <Button variant="default" size="xs" onClick={() => setScans([])}>
                {t('labels.load.reset')}
              </Button>
            )}
          </Stack>
        </Paper>
      )}
    </>
  );
}

export default LoadCheckButton;
