import { useEffect, useRef, useState } from 'react';
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Paper,
  Stack,
  Switch,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { TEXT_MAX, DRIVER_STATUSES, SHIPMENT_TRANSITIONS } from '@karavan/shared';
import type { ShipmentDto, ShipmentStatus } from '../../../lib/contracts';
import { formatDateTime, formatMinutes, formatRelative, useFormatLanguage } from '../../../lib/format';
import { onOutboxSent, useOutbox, type OutboxEntry } from '../../../lib/outbox';
import { useRoom } from '../../../lib/realtime/RealtimeProvider';
import { useNow } from '../../../lib/use-now';
import { OutboxList } from '../../../ui/OutboxList';
import { LoadCheckButton, ScanLabelButton } from '../../labels';
import { HandoverSection } from '../../handovers';
import { RelayShowButton } from '../../relay';
import { QueryState } from '../../../ui/QueryState';
import {
  currentPosition,
  effectiveStatus,
  pendingChanges,
  sendUpdate,
  setPrivacy,
  tickDocument,
  useShipment,
  useShipmentLabels,
  waitingUpdates,
  type UpdateInput,
} from '../api/driver.api';
import { DeliveryForm } from './DeliveryForm';
import { STATUS_COLOR } from './DriverShipmentsPage';
import { useShipmentNames } from './names';
import { useCurrentUser } from '../../../lib/current-user';
import { useDeviceRegistration } from '../../../lib/device-registration';

const PRIVATE_POSITION_STATUSES: readonly ShipmentStatus[] = ['at_checkpoint', 'arrived', 'delivered'];

/** `/driver/:shipmentId`: one shipment, what to report next, and what was reported. */
export function DriverShipmentPage() {
  const { t } = useTranslation();
  const { shipmentId = '' } = useParams();
  useRoom(`shipment:${shipmentId}`);
  useDeviceRegistration(useCurrentUser().user.id);
  const shipment = useShipment(shipmentId);
  // The crates' labels, kept on the phone while online: receiving by scanning works offline.
  useShipmentLabels(shipmentId);
  return (
    <Stack gap="md" className="driver" data-testid="driver-shipment">
      <Anchor component={Link} to="/driver" size="lg">
        ← {t('driver.back')}
      </Anchor>
      <QueryState query={shipment}>{(data) => <ShipmentView shipment={data} />}</QueryState>
    </Stack>
  );
}

function ShipmentView({ shipment }: { shipment: ShipmentDto }) {
  const { t } = useTranslation();
  useFormatLanguage();
  const now = useNow(30_000);
  const names = useShipmentNames();
  const { entries } = useOutbox();
  const waiting = waitingUpdates(entries, shipment.id);
  const status = effectiveStatus(shipment, waiting);
  // The steps of the road; loading and cancelling belong to the coordinators' shipment screens.
  const next = SHIPMENT_TRANSITIONS[status].filter((candidate) => DRIVER_STATUSES.includes(candidate));
  const [note, setNote] = useState('');
  const pending = pendingChanges(entries, shipment.id);
  // What the driver just switched shows at once (the outbox stores it a moment later).
  const [switched, setSwitched] = useState<{ privacy?: boolean; documents: Record<string, boolean> }>({
    documents: {},
  });
  const privacy = switched.privacy ?? pending.privacyMode ?? shipment.privacyMode ?? false;
  const [delivering, setDelivering] = useState(false);
  const [busy, setBusy] = useState<ShipmentStatus | null>(null);
  /** "Saved, will be sent": shown until the server has the update (its outbox entry was sent). */
  const [queued, setQueued] = useState<{ status: string; entryId: string } | null>(null);
  const sentIds = useRef(new Set<string>());
  useEffect(
    () =>
      onOutboxSent((id) => {
        sentIds.current.add(id);
        setQueued((current) => (current?.entryId === id ? null : current));
      }),
    [],
  );

  // Checkpoints reported, by the server's history or by updates still waiting.
  const visited = new Set<string>();
  for (const update of shipment.history ?? []) {
    if (update.status === 'at_checkpoint' && update.checkpointId && update.applied !== false)
      visited.add(update.checkpointId);
  }
  for (const entry of waiting) if (entry.meta.checkpointId) visited.add(String(entry.meta.checkpointId));
  const remaining = shipment.route.filter((id) => !visited.has(id));
  // The checkpoint the truck is at: a departure from it names it.
  const lastCheckpoint = [
    ...(shipment.history ?? []).filter((update) => update.applied !== false).map((update) => update.checkpointId),
    ...waiting.filter((entry) => !entry.needsAttention).map((entry) => entry.meta.checkpointId),
  ]
    .filter((id): id is string => typeof id === 'string' && id.length > 0)
    .at(-1);
  const leaving = status === 'at_checkpoint' ? lastCheckpoint : undefined;

  async function report(input: UpdateInput) {
    setBusy(input.status);
    // The note goes with this update and is cleared now: a note typed while it is being queued
    // belongs to the next update (clearing after the awaits wiped it).
    const sentNote = note.trim();
    setNote('');
    try {
      // Privacy mode: a position only at checkpoints, on arrival and at delivery (the server's rule too).
      const withPosition = !privacy || PRIVATE_POSITION_STATUSES.includes(input.status);
      const position = withPosition ? await currentPosition() : undefined;
      const entry = await sendUpdate(shipment.id, {
        ...input,
        ...(sentNote && { note: sentNote }),
        ...(position && { position }),
      });
      setDelivering(false);
      setQueued(sentIds.current.has(entry.id) ? null : { status: names.status(input.status), entryId: entry.id });
    } catch (err) {
      setNote((current) => current || sentNote); // nothing typed is lost
      throw err;
    } finally {
      setBusy(null);
    }
  }

  const actions: { key: string; label: string; input: UpdateInput }[] = [];
  for (const candidate of next) {
    if (candidate === 'at_checkpoint') {
      const stops = remaining.length > 0 ? remaining : [];
      for (const checkpointId of stops) {
        actions.push({
          key: `cp-${checkpointId}`,
          label: t('driver.actions.at_checkpoint', { place: names.place(shipment, checkpointId) }),
          input: { status: 'at_checkpoint', checkpointId },
        });
      }
    } else if (candidate === 'departed' && leaving) {
      actions.push({
        key: candidate,
        label: t('driver.actions.departedFrom', { place: names.place(shipment, leaving) }),
        input: { status: candidate, checkpointId: leaving },
      });
    } else if (candidate !== 'delivered') {
      actions.push({ key: candidate, label: t(`driver.actions.${candidate}`), input: { status: candidate } });
    }
  }
  const documents = shipment.documents ?? [];

  return (
    <Stack gap="md">
      <Title order={1} size="h2">
        {names.place(shipment, shipment.originId)} → {names.place(shipment, shipment.destinationId)}
      </Title>
      <Badge
        color={STATUS_COLOR[status]}
        size="xl"
        variant="filled"
        tt="none"
        autoContrast
        data-testid="shipment-status"
        data-status={status}
      >
        {names.status(status)}
      </Badge>
      {shipment.vehicle && (
        <Text size="lg">
          {shipment.vehicle.kind} · {shipment.vehicle.plate}
        </Text>
      )}
      <Text c="dimmed">
        {shipment.lastHeardAt
          ? t('driver.lastHeard', { when: formatRelative(shipment.lastHeardAt, now) })
          : t('driver.neverHeard')}
      </Text>

      <OutboxList
        filter={(entry) => entry.meta.kind.startsWith('shipment') && entry.meta.shipmentId === shipment.id}
        describe={names.entry}
      />

      {/* No signal: a colleague's phone can take the signed updates from this screen. */}
      <RelayShowButton />

      {queued && (
        <Alert
          color="green"
          variant="light"
          role="status"
          withCloseButton
          closeButtonLabel={t('common.close')}
          onClose={() => setQueued(null)}
          data-testid="driver-queued"
        >
          {t('driver.queued', { status: queued.status })}
        </Alert>
      )}

      {delivering ? (
        <DeliveryForm
          shipment={shipment}
          busy={busy === 'delivered'}
          onCancel={() => setDelivering(false)}
          onConfirm={(input) => void report(input)}
        />
      ) : (
        <Stack gap="sm" data-testid="driver-actions">
          {actions.map((action) => (
            <Button
              key={action.key}
              size="xl"
              fullWidth
              loading={busy === action.input.status}
              disabled={busy !== null}
              onClick={() => void report(action.input)}
            >
              {action.label}
            </Button>
          ))}
          {next.includes('delivered') && (
            <Button size="xl" fullWidth color="#1e6b34" disabled={busy !== null} onClick={() => setDelivering(true)}>
              {t('driver.actions.delivered')}
            </Button>
          )}
          {next.length === 0 && (
            <Text size="lg">{t(`driver.nothingNext.${status === 'planned' ? 'planned' : 'done'}`)}</Text>
          )}
        </Stack>
      )}

      {!delivering && <HandoverSection shipment={shipment} status={status} />}

      {/* Crates checked at loading, at a border post and on receipt, with or without a network. */}
      <ScanLabelButton />
      {(status === 'planned' || status === 'loading') && <LoadCheckButton shipment={shipment} />}

      {next.length > 0 && (
        <Paper withBorder p="md">
          <Stack gap="sm">
            <Textarea
              label={t('driver.note')}
              description={t('driver.noteHint')}
              value={note}
              onChange={(event) => setNote(event.currentTarget.value)}
              autosize
              minRows={2}
              maxLength={TEXT_MAX.note}
            />
            <Switch
              size="lg"
              checked={privacy}
              onChange={(event) => {
                const on = event.currentTarget.checked;
                setSwitched((current) => ({ ...current, privacy: on }));
                void setPrivacy(shipment.id, on);
              }}
              label={t('driver.privacy')}
              description={t('driver.privacyHint')}
            />
          </Stack>
        </Paper>
      )}

      <Paper withBorder p="md" component="section" aria-labelledby="manifest-title">
        <Title order={2} size="h4" id="manifest-title" mb="xs">
          {t('driver.manifest')}
        </Title>
        <Stack gap={4} component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {shipment.lines.map((line) => (
            <Text component="li" key={line.itemId} size="lg">
              {names.line(line)}
            </Text>
          ))}
        </Stack>
        {shipment.route.length > 0 && (
          <Text mt="sm">
            {t('driver.route')}:{' '}
            {shipment.route
              .map((id) => {
                const visit = shipment.checkpoints?.find((candidate) => candidate.locationId === id);
                const wait =
                  visit?.waitMinutes != null
                    ? ` (${t('driver.waited', { time: formatMinutes(visit.waitMinutes) })})`
                    : '';
                return `${names.place(shipment, id)}${visited.has(id) ? ' ✓' : ''}${wait}`;
              })
              .join(' → ')}
          </Text>
        )}
      </Paper>

      {documents.length > 0 && (
        <Paper withBorder p="md" component="section" aria-labelledby="documents-title">
          <Title order={2} size="h4" id="documents-title" mb="xs">
            {t('driver.documents')}
          </Title>
          <Stack gap="sm">
            {documents.map((document) => (
              <Checkbox
                key={document.key}
                size="lg"
                label={document.label || t(`driver.documentKinds.${document.key}`, { defaultValue: document.key })}
                checked={switched.documents[document.key] ?? pending.documents.get(document.key) ?? document.checked}
                onChange={(event) => {
                  const checked = event.currentTarget.checked;
                  setSwitched((current) => ({
                    ...current,
                    documents: { ...current.documents, [document.key]: checked },
                  }));
                  void tickDocument(shipment.id, document.key, checked);
                }}
              />
            ))}
          </Stack>
        </Paper>
      )}

      <History shipment={shipment} waiting={waiting} />
    </Stack>
  );
}

function History({ shipment, waiting }: { shipment: ShipmentDto; waiting: OutboxEntry[] }) {
  const { t } = useTranslation();
  const names = useShipmentNames();
  const sent = [...(shipment.history ?? [])].sort((a, b) => b.at.localeCompare(a.at));
  const sentIds = new Set(sent.map((update) => update.id));
  const pending = waiting.filter((entry) => !sentIds.has(entry.id)).reverse();
  if (sent.length === 0 && pending.length === 0) return null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="history-title">
      <Title order={2} size="h4" id="history-title" mb="xs">
        {t('driver.history')}
      </Title>
      <Stack gap="sm" component="ol" p={0} m={0} style={{ listStyle: 'none' }} data-testid="history">
        {pending.map((entry) => {
          const body = entry.body as { at?: string; note?: string };
          return (
            <li
              key={entry.id}
              data-testid="history-entry"
              data-state={entry.needsAttention ? 'refused' : entry.relayedAt ? 'relayed' : 'waiting'}
            >
              <Group gap="xs">
                <Text fw={700}>{names.status(entry.meta.status as ShipmentStatus)}</Text>
                <Badge color={entry.needsAttention ? 'red.9' : 'yellow'} variant="filled" autoContrast>
                  {entry.needsAttention
                    ? t('driver.refused')
                    : entry.relayedAt
                      ? t('relay.relayed')
                      : t('driver.waiting')}
                </Badge>
              </Group>
              <Text size="sm">
                {body.at && formatDateTime(body.at)} · {t('outbox.since', { time: formatDateTime(entry.createdAt) })}
                {entry.meta.checkpointId && ` · ${names.place(shipment, String(entry.meta.checkpointId))}`}
              </Text>
              {body.note && <Text size="sm">{body.note}</Text>}
            </li>
          );
        })}
        {sent.map((update) => (
          <li key={update.id} data-testid="history-entry" data-state="sent">
            <Group gap="xs">
              <Text fw={700}>{names.update(update)}</Text>
              <Badge color="#1e6b34" variant="filled">
                {update.applied === false ? t('driver.sentNotApplied') : t('driver.sent')}
              </Badge>
            </Group>
            <Text size="sm">
              {formatDateTime(update.at)}
              {update.receivedAt && ` · ${t('driver.receivedAt', { time: formatDateTime(update.receivedAt) })}`}
              {update.checkpointId && ` · ${names.place(shipment, update.checkpointId)}`}
              {update.position && ` · ${update.position.lat.toFixed(4)}, ${update.position.lng.toFixed(4)}`}
            </Text>
            {update.note && <Text size="sm">{update.note}</Text>}
          </li>
        ))}
      </Stack>
    </Paper>
  );
}
