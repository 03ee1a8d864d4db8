import '@mantine/core/styles/Divider.css';
import { useState } from 'react';
import {
  Alert,
  Box,
  Button,
  Checkbox,
  Group,
  Modal,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import {
  TEXT_MAX,
  SHIPMENT_TRANSITIONS,
  type ShipmentDto,
  type ShipmentStatus,
  type ShipmentWarningDto,
} from '@karavan/shared';
import { byId, useAllItems, useCampaigns, useItemName, useLocalize, useLocations } from '../../../lib/catalogue';
import { useCan } from '../../../lib/current-user';
import { historyRecordKey } from '../../../lib/history-words';
import { formatDateTime, formatMinutes, formatNumber, formatRelative, useFormatLanguage } from '../../../lib/format';
import { useOutbox, type OutboxEntry } from '../../../lib/outbox';
import { useRoom } from '../../../lib/realtime/RealtimeProvider';
import { useUnitLabel } from '../../../lib/units';
import { OutboxList } from '../../../ui/OutboxList';
import { QueryState } from '../../../ui/QueryState';
import { LoadCheckButton, ScanLabelButton } from '../../labels';
import {
  queueDocumentTick,
  queueStatusUpdate,
  useDriverChoices,
  useOriginStock,
  useShipmentDetail,
} from '../api/shipments.api';
import { StatusBadge } from './common';
import { CustodyPanel } from './CustodyPanel';
import { ProofPanel } from '../../driver';
import { fefo } from '../fefo';

/** `/shipments/:id`: one shipment: manifest, warnings, loading, documents, road and history. */
export function ShipmentPage() {
  const { shipmentId = '' } = useParams();
  const query = useShipmentDetail(shipmentId);
  useRoom(shipmentId ? `shipment:${shipmentId}` : null);
  return <QueryState query={query}>{(shipment) => <ShipmentView shipment={shipment} />}</QueryState>;
}

function ShipmentView({ shipment }: { shipment: ShipmentDto }) {
  const { t } = useTranslation();
  useFormatLanguage();
  const canManage = useCan('shipments:manage');
  const drivers = useDriverChoices();
  const locations = useLocations();
  const campaigns = useCampaigns();
  const items = useAllItems();
  const itemName = useItemName();
  const localize = useLocalize();
  const units = useUnitLabel();
  const places = byId(locations.data);
  const itemsById = byId(items.data);
  const { entries } = useOutbox();
  const mine = entries.filter((entry) => entry.meta.shipmentId === shipment.id);
  const waitingStatus = [...mine]
    .reverse()
    .find((entry) => entry.meta.kind === 'shipmentUpdate' && !entry.needsAttention);
  const status = (waitingStatus?.meta.status as ShipmentStatus | undefined) ?? shipment.status;
  const next = SHIPMENT_TRANSITIONS[status];
  const [cancelOpen, setCancelOpen] = useState(false);
  const [note, setNote] = useState('');
  const [checkpointId, setCheckpointId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const placeName = (id: string | null | undefined) => (id ? localize(places.get(id)?.name) || '?' : '—');
  const quantity = (itemId: string, value: number) => {
    const item = itemsById.get(itemId);
    return item ? units.quantity(value, item.baseUnit) : formatNumber(value);
  };

  const stock = useOriginStock(shipment.originId, shipment.campaignId, status === 'planned' && canManage);

  async function send(next: ShipmentStatus, extra: { note?: string; checkpointId?: string } = {}) {
    setBusy(true);
    try {
      await queueStatusUpdate(shipment.id, { status: next, ...(extra.note ? { note: extra.note } : {}), ...extra });
    } finally {
      setBusy(false);
    }
  }

  const describe = (entry: OutboxEntry) =>
    entry.meta.kind === 'shipmentUpdate'
      ? t('shipments.queued', { status: t(`shipmentStatus.${entry.meta.status as ShipmentStatus}`) })
      : t('shipments.documentQueued');

  const warningText = (warning: ShipmentWarningDto) => {
    const item = warning.itemId ? itemName(itemsById.get(warning.itemId)?.name) : '';
    return t(`shipments.warning.${warning.code}`, {
      item,
      capacity: shipment.vehicle?.capacityKg ?? '?',
      load: shipment.loadKg ?? '?',
    });
  };

  const documentsTicked = new Map<string, boolean>();
  for (const entry of mine)
    if (entry.meta.kind === 'shipmentDocument' && !entry.needsAttention)
      documentsTicked.set(String(entry.meta.key), entry.meta.checked === true);

  const checkpointChoices = shipment.route.map((id) => ({ value: id, label: placeName(id) }));
  const atCheckpoint = [...shipment.checkpoints].reverse().find((visit) => visit.arrivedAt && !visit.departedAt);

  return (
    <Stack gap="lg" data-testid="shipment" data-status={status}>
      <Group justify="space-between" align="flex-start">
        <Stack gap={4}>
          <Title order={1} size="h2">
            {placeName(shipment.originId)} → {placeName(shipment.destinationId)}
          </Title>
          <Group gap="xs">
            <StatusBadge status={status} />
            <Text c="dimmed">{localize(byId(campaigns.data).get(shipment.campaignId)?.name)}</Text>
          </Group>
        </Stack>
        <Group gap="xs">
          {canManage && (shipment.status === 'planned' || shipment.status === 'loading') && (
            <Button component={Link} to={`/shipments/${shipment.id}/edit`} data-testid="edit-shipment">
              {t('shipments.edit.open')}
            </Button>
          )}
          <Button component={Link} to="/shipments" variant="subtle">
            {t('wb.back')}
          </Button>
        </Group>
      </Group>

      {shipment.notes && (
        <Paper withBorder p="sm" component="section" aria-label={t('shipments.notes')} data-testid="shipment-notes">
          <Text size="sm" c="dimmed">
            {t('shipments.notes')}
          </Text>
          <Text style={{ whiteSpace: 'pre-wrap' }}>{shipment.notes}</Text>
        </Paper>
      )}

      {shipment.warnings.length > 0 && (
        <Alert color="orange.9" variant="light" title={t('shipments.warnings')} data-testid="shipment-warnings">
          <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
            {shipment.warnings.map((warning, index) => (
              <li key={index} data-testid="shipment-warning" data-code={warning.code}>
                {warningText(warning)}
              </li>
            ))}
          </Stack>
        </Alert>
      )}

      <OutboxList filter={(entry) => entry.meta.shipmentId === shipment.id} describe={describe} />

      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
        <Fact label={t('shipments.driver')}>
          {shipment.driverId
            ? ((drivers.data ?? []).find((driver) => driver.id === shipment.driverId)?.name ?? t('shipments.assigned'))
            : t('shipments.noDriver')}
        </Fact>
        <Fact label={t('shipments.vehicle')}>
          {shipment.vehicle
            ? `${shipment.vehicle.kind} ${shipment.vehicle.plate}${shipment.vehicle.capacityKg ? ` · ${formatNumber(shipment.vehicle.capacityKg)} ${t('shipments.kg')}` : ''}`
            : '—'}
          {shipment.loadKg !== null && (
            <Text size="sm" c="dimmed">
              {t('shipments.loadKg', { kg: formatNumber(shipment.loadKg) })}
            </Text>
          )}
        </Fact>
        <Fact label={t('shipments.departure')}>
          {shipment.departedAt
            ? formatDateTime(shipment.departedAt)
            : shipment.plannedDepartureAt
              ? `${t('shipments.planned')} ${formatDateTime(shipment.plannedDepartureAt)}`
              : '—'}
          {shipment.estimatedArrivalAt && (
            <Text size="sm" c="dimmed">
              {t('shipments.eta', { time: formatDateTime(shipment.estimatedArrivalAt) })}
            </Text>
          )}
        </Fact>
        <Fact label={t('shipments.lastHeard')}>
          {shipment.lastHeardAt
            ? `${formatRelative(shipment.lastHeardAt)} (${formatDateTime(shipment.lastHeardAt)})`
            : t('shipments.neverHeard')}
          {shipment.lastPosition && (
            <Text size="sm" c="dimmed">
              {formatNumber(shipment.lastPosition.lat, { maximumFractionDigits: 5 })},{' '}
              {formatNumber(shipment.lastPosition.lng, { maximumFractionDigits: 5 })}
            </Text>
          )}
        </Fact>
      </SimpleGrid>

      {canManage && next.length > 0 && (
        <Paper withBorder p="md" component="section" aria-labelledby="actions-title">
          <Title order={2} size="h4" id="actions-title" mb="sm">
            {t('shipments.actions')}
          </Title>
          <Group align="flex-end">
            {next.includes('loading') && (
              <Button onClick={() => void send('loading')} loading={busy} data-testid="action-loading">
                {t('shipments.loadAction')}
              </Button>
            )}
            {next.includes('departed') && status === 'loading' && (
              <Button onClick={() => void send('departed')} loading={busy} data-testid="action-departed">
                {t('shipments.depart')}
              </Button>
            )}
            {next.includes('at_checkpoint') && checkpointChoices.length > 0 && (
              <Group align="flex-end" gap="xs">
                <Select
                  label={t('shipments.checkpoint')}
                  data={checkpointChoices}
                  value={checkpointId}
                  onChange={setCheckpointId}
                />
                <Button
                  variant="default"
                  disabled={!checkpointId}
                  onClick={() => void send('at_checkpoint', { checkpointId: checkpointId ?? undefined })}
                >
                  {t('shipments.atCheckpoint')}
                </Button>
              </Group>
            )}
            {next.includes('departed') && status === 'at_checkpoint' && (
              <Button onClick={() => void send('departed', { checkpointId: atCheckpoint?.locationId })} loading={busy}>
                {t('shipments.departCheckpoint')}
              </Button>
            )}
            {next.includes('arrived') && (
              <Button variant="default" onClick={() => void send('arrived')} loading={busy}>
                {t('shipments.arrive')}
              </Button>
            )}
            {next.includes('delivered') && (
              <Button component={Link} to={`/driver/${shipment.id}`}>
                {t('shipments.deliver')}
              </Button>
            )}
            {next.includes('cancelled') && (
              <Button color="red.9" variant="outline" onClick={() => setCancelOpen(true)} data-testid="action-cancel">
                {t('shipments.cancel')}
              </Button>
            )}
          </Group>
        </Paper>
      )}

      {/* The loading bay and the receiving team check crates by their labels. */}
      {shipment.status !== 'cancelled' && (
        <Box maw={480}>
          <ScanLabelButton />
        </Box>
      )}
      {(shipment.status === 'planned' || shipment.status === 'loading') && (
        <Box maw={640}>
          <LoadCheckButton shipment={shipment} />
        </Box>
      )}

      <Paper withBorder p="md" component="section" aria-labelledby="manifest-title">
        <Title order={2} size="h4" id="manifest-title" mb="sm">
          {t('shipments.manifest')}
        </Title>
        <Table.ScrollContainer minWidth={560}>
          <Table verticalSpacing="xs" data-testid="manifest">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('shipments.itemHeader')}</Table.Th>
                <Table.Th>{t('shipments.quantityHeader')}</Table.Th>
                <Table.Th>{status === 'planned' ? t('shipments.fefoHeader') : t('shipments.lotsHeader')}</Table.Th>
                {shipment.status === 'delivered' && <Table.Th>{t('shipments.receivedHeader')}</Table.Th>}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shipment.lines.map((line) => {
                const suggestion =
                  status === 'planned' && stock.data ? fefo(stock.data.items, line.itemId, line.quantity) : null;
                const lots = line.lots.length > 0 ? line.lots : (suggestion?.lots ?? []);
                return (
                  <Table.Tr key={line.itemId} data-testid="manifest-line">
                    <Table.Td>{itemName(itemsById.get(line.itemId)?.name)}</Table.Td>
                    <Table.Td>{quantity(line.itemId, line.quantity)}</Table.Td>
                    <Table.Td>
                      {lots.length === 0 && !suggestion?.missing && <Text c="dimmed">—</Text>}
                      <Stack gap={2}>
                        {lots.map((lot) => (
                          <Text
                            key={lot.lotId}
                            size="sm"
                            data-testid={line.lots.length > 0 ? 'manifest-lot' : 'fefo-lot'}
                          >
                            {quantity(line.itemId, lot.quantity)} ·{' '}
                            {lot.expiresAt
                              ? t('shipments.expires', { time: formatDateTime(lot.expiresAt) })
                              : t('shipments.noExpiry')}{' '}
                            <Text span size="xs" c="dimmed">
                              ({t('shipments.lot')} …{lot.lotId.slice(-6)})
                            </Text>
                          </Text>
                        ))}
                        {suggestion && suggestion.missing > 0 && (
                          <Text size="sm" c="red.8" data-testid="fefo-missing">
                            {t('shipments.missing', { quantity: quantity(line.itemId, suggestion.missing) })}
                          </Text>
                        )}
                      </Stack>
                    </Table.Td>
                    {shipment.status === 'delivered' && (
                      <Table.Td>
                        {line.received !== null ? quantity(line.itemId, line.received) : '—'}
                        {line.writtenOff
                          ? ` (${t('shipments.writtenOff', { quantity: quantity(line.itemId, line.writtenOff) })})`
                          : ''}
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {status === 'planned' && (
          <Text size="sm" c="dimmed" mt="xs">
            {t('shipments.fefoHint')}
          </Text>
        )}
      </Paper>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder p="md" component="section" aria-labelledby="documents-title">
          <Title order={2} size="h4" id="documents-title" mb="sm">
            {t('shipments.documents')}
          </Title>
          {shipment.documents.length === 0 ? (
            <Text c="dimmed">{t('wb.empty')}</Text>
          ) : (
            <Stack gap={6}>
              {shipment.documents.map((document) => (
                <Checkbox
                  key={document.key}
                  label={t(`shipments.document.${document.key}` as 'shipments.document.waybill', {
                    defaultValue: document.label,
                  })}
                  checked={documentsTicked.get(document.key) ?? document.checked}
                  disabled={!canManage || shipment.status === 'cancelled'}
                  onChange={(event) => void queueDocumentTick(shipment.id, document.key, event.currentTarget.checked)}
                />
              ))}
            </Stack>
          )}
        </Paper>
        <Paper withBorder p="md" component="section" aria-labelledby="checkpoints-title">
          <Title order={2} size="h4" id="checkpoints-title" mb="sm">
            {t('shipments.checkpoints')}
          </Title>
          {shipment.route.length === 0 ? (
            <Text c="dimmed">{t('shipments.noCheckpoints')}</Text>
          ) : (
            <Stack gap={6} component="ol" pl="md" m={0}>
              {shipment.route.map((id) => {
                const visit = shipment.checkpoints.find((candidate) => candidate.locationId === id);
                return (
                  <li key={id}>
                    <Text fw={600}>{placeName(id)}</Text>
                    <Text size="sm" c="dimmed">
                      {!visit?.arrivedAt
                        ? t('shipments.notYet')
                        : visit.departedAt
                          ? t('shipments.waited', {
                              arrived: formatDateTime(visit.arrivedAt),
                              wait: formatMinutes(visit.waitMinutes ?? 0),
                            })
                          : t('shipments.waitingSince', { arrived: formatDateTime(visit.arrivedAt) })}
                    </Text>
                  </li>
                );
              })}
            </Stack>
          )}
        </Paper>
      </SimpleGrid>

      <Paper withBorder p="md" component="section" aria-labelledby="history-title">
        <Title order={2} size="h4" id="history-title" mb="sm">
          {t('shipments.history')}
        </Title>
        {shipment.history.length === 0 ? (
          <Text c="dimmed">{t('shipments.noHistory')}</Text>
        ) : (
          <Stack gap={6} component="ol" pl="md" m={0} data-testid="history">
            {[...shipment.history].reverse().map((update) => (
              <li key={update.id}>
                <Text>
                  <strong>{t(historyRecordKey(update))}</strong> · {formatDateTime(update.at)}
                  {update.checkpointId && ` · ${placeName(update.checkpointId)}`}
                  {!update.applied && ` · ${t('shipments.notApplied')}`}
                </Text>
                {update.note && <Text size="sm">{update.note}</Text>}
                <Text size="xs" c="dimmed">
                  {t('shipments.receivedAt', { time: formatDateTime(update.receivedAt) })}
                  {update.position &&
                    ` · ${formatNumber(update.position.lat, { maximumFractionDigits: 5 })}, ${formatNumber(update.position.lng, { maximumFractionDigits: 5 })}`}
                </Text>
              </li>
            ))}
          </Stack>
        )}
      </Paper>

      <ProofPanel shipment={shipment} />
      <CustodyPanel shipment={shipment} />

      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={cancelOpen}
        onClose={() => setCancelOpen(false)}
        title={t('shipments.cancelTitle')}
      >
        <Stack>
          <Text>{t('shipments.cancelBody')}</Text>
          <Textarea
            label={t('shipments.cancelNote')}
            value={note}
            maxLength={TEXT_MAX.note}
            onChange={(event) => setNote(event.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setCancelOpen(false)}>
              {t('wb.cancel')}
            </Button>
            <Button
              color="red.9"
              data-testid="cancel-confirm"
              onClick={() => {
                setCancelOpen(false);
                void send('cancelled', { note: note.trim() || undefined });
              }}
            >
              {t('shipments.cancelConfirm')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="sm">
      <Text size="sm" c="dimmed">
        {label}
      </Text>
      <div>{children}</div>
    </Paper>
  );
}
