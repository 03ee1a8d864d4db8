import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  NativeSelect,
  NumberInput,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Textarea,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { QuickSelect } from '../../../ui/QuickSelect';
import { Link, useSearchParams } from 'react-router';
import {
  TEXT_MAX,
  CAMPAIGN_STATUSES,
  formatDayHours,
  hoursToday,
  timeZoneChoices,
  wallClock,
  type CampaignDefaultsDto,
  type CampaignDto,
  type CampaignStatus,
  type LocationDto,
} from '@karavan/shared';
import { request } from '../../../lib/api';
import { byId, useAllItems, useCampaigns, useItemName, useLocalize, useLocations } from '../../../lib/catalogue';
import { useCan } from '../../../lib/current-user';
import { queryKeys } from '../../../lib/realtime/cache';
import { useUnitLabel } from '../../../lib/units';
import { uuid } from '../../../lib/uuid';
import { useWrite } from '../../../lib/writes';
import { ConfirmModal, EditDialog, FormActions, useEditForm } from '../../../ui/EditForm';
import { ChoiceFilter, ListPage, ListTable } from '../../../ui/ListPage';
import { Pager } from '../../../ui/Pager';
import { slicePage, usePagedList } from '../../../ui/usePagedList';
import {
  CAMPAIGN_SERVER_FIELDS,
  baseQuantity,
  campaignRequest,
  campaignValues,
  validateCampaign,
  type CampaignField,
  type CampaignValues,
  type TargetLine,
} from '../campaigns.form';

const LANGUAGES = ['ru', 'en', 'ky', 'kk'] as const;
const STATUS_COLOR: Record<CampaignStatus, string> = { draft: '#495057', active: '#1b5e20', closed: '#7a1f1f' };

/** The next state an action moves a campaign to, and its words. */
const ACTIONS: Record<CampaignStatus, { to: CampaignStatus; label: 'publish' | 'close' | 'reopen' }[]> = {
  draft: [{ to: 'active', label: 'publish' }],
  active: [{ to: 'closed', label: 'close' }],
  closed: [{ to: 'active', label: 'reopen' }],
};

function useDefaults() {
  return useQuery({
    queryKey: [...queryKeys.campaigns(), 'defaults'],
    queryFn: () => request<CampaignDefaultsDto>('GET', '/api/campaigns/defaults'),
    staleTime: Infinity,
  });
}

/**
 * `/campaigns`: the drives. Organisers create and edit them (names and descriptions in four
 * languages, dates, time zone, targets in pack units, the collection points taking part),
 * publish, close and reopen them; coordinators read them. `?new=1` opens the form at once (the
 * "create your first campaign" links of the dashboard and intake).
 */
export function CampaignsPage() {
  const { t } = useTranslation();
  const localize = useLocalize();
  const canManage = useCan('campaigns:manage');
  const campaigns = useCampaigns();
  const items = useAllItems();
  const locations = useLocations();
  const [params, setParams] = useSearchParams();
  const [status, setStatus] = useState<CampaignStatus | null>(null);
  const [editing, setEditing] = useState<CampaignDto | 'new' | null>(
    canManage && params.get('new') === '1' ? 'new' : null,
  );
  const [moving, setMoving] = useState<{
    campaign: CampaignDto;
    to: CampaignStatus;
    label: 'publish' | 'close' | 'reopen';
  } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const paging = usePagedList('campaign');
  const changeStatus = useWrite('campaigns', ({ id, status: to }: { id: string; status: CampaignStatus }) =>
    request('PATCH', `/api/campaigns/${id}`, { status: to }),
  );

  const filtered = useMemo(
    () =>
      campaigns.data
        ? { ...campaigns.data, items: campaigns.data.items.filter((c) => !status || c.status === status) }
        : undefined,
    [campaigns.data, status],
  );
  const paged = { ...campaigns, data: slicePage(filtered, paging) };
  const none = campaigns.data?.items.length === 0;
  const noItems = items.data?.items.length === 0;
  const noPoints = locations.data?.items.every((l) => l.kind !== 'collection_point' || !l.active) ?? false;

  const close = () => {
    setEditing(null);
    if (params.has('new')) setParams({}, { replace: true });
  };

  async function move() {
    if (!moving) return;
    const { campaign, to, label } = moving;
    setMoving(null);
    await changeStatus.mutateAsync({ id: campaign.id, status: to });
    const name = localize(campaign.name);
    setNotice(
      label === 'publish'
        ? t('campaigns.published', { name })
        : label === 'close'
          ? t('campaigns.closed', { name })
          : t('campaigns.reopened', { name }),
    );
  }

  return (
    <ListPage
      title={t('campaigns.title')}
      testId="campaigns"
      action={
        canManage &&
        !none && (
          <Button onClick={() => setEditing('new')} data-testid="campaign-new">
            {t('campaigns.add')}
          </Button>
        )
      }
      notice={
        <>
          {canManage && noItems && (
            <Alert color="yellow" variant="light" data-testid="campaigns-need-items">
              <Text>{t('campaigns.needItems')}</Text>
              <Anchor component={Link} to="/catalogue">
                {t('campaigns.goCatalogue')}
              </Anchor>
            </Alert>
          )}
          {canManage && noPoints && (
            <Alert color="yellow" variant="light" data-testid="campaigns-need-places">
              <Text>{t('campaigns.needPlaces')}</Text>
              <Anchor component={Link} to="/catalogue?tab=locations">
                {t('campaigns.goPlaces')}
              </Anchor>
            </Alert>
          )}
          {notice && (
            <Alert
              color="green"
              variant="light"
              role="status"
              withCloseButton
              onClose={() => setNotice(null)}
              closeButtonLabel={t('common.close')}
              data-testid="campaigns-notice"
            >
              {notice}
            </Alert>
          )}
        </>
      }
      filters={
        !none && (
          <ChoiceFilter
            label={t('campaigns.filterStatus')}
            data={CAMPAIGN_STATUSES.map((value) => ({ value, label: t(`campaigns.statuses.${value}`) }))}
            value={status}
            onChange={(value) => setStatus(value as CampaignStatus | null)}
          />
        )
      }
    >
      {none ? (
        <Stack align="flex-start" data-testid="campaigns-empty">
          <Text>{canManage ? t('campaigns.noneYet') : t('campaigns.noneYetReader')}</Text>
          {canManage && (
            <Button size="md" onClick={() => setEditing('new')} data-testid="campaign-new">
              {t('campaigns.createFirst')}
            </Button>
          )}
        </Stack>
      ) : (
        <>
          <ListTable
            query={paged}
            minWidth={760}
            testId="campaigns-table"
            empty={t('wb.empty')}
            columns={[
              t('campaigns.name'),
              t('campaigns.status'),
              t('campaigns.dates'),
              t('campaigns.zoneColumn'),
              t('campaigns.targetsColumn'),
              t('campaigns.actions'),
            ]}
          >
            {(rows) =>
              rows.map((campaign) => (
                <Table.Tr key={campaign.id} data-testid="campaign-row" data-status={campaign.status}>
                  <Table.Td>
                    <Text fw={600}>{localize(campaign.name)}</Text>
                    {campaign.description && (
                      <Text size="xs" c="dimmed" lineClamp={2}>
                        {localize(campaign.description)}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[campaign.status]} variant="filled" data-testid="campaign-status">
                      {t(`campaigns.statuses.${campaign.status}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{period(campaign) || t('campaigns.noDates')}</Table.Td>
                  <Table.Td>{campaign.timeZone}</Table.Td>
                  <Table.Td>
                    {campaign.targets.length > 0
                      ? t('campaigns.targetCount', { count: campaign.targets.length })
                      : t('campaigns.noTargets')}
                  </Table.Td>
                  <Table.Td>
                    {canManage && (
                      <Group gap="xs" wrap="nowrap">
                        <Button size="xs" variant="default" onClick={() => setEditing(campaign)}>
                          {t('campaigns.edit')}
                        </Button>
                        {ACTIONS[campaign.status].map((action) => (
                          <Button
                            key={action.label}
                            size="xs"
                            color={action.label === 'close' ? 'red.9' : undefined}
                            onClick={() => setMoving({ campaign, to: action.to, label: action.label })}
                            data-testid={`campaign-${action.label}`}
                          >
                            {t(`campaigns.${action.label}`)}
                          </Button>
                        ))}
                      </Group>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))
            }
          </ListTable>
          <Pager page={paged.data} onOffset={paging.setOffset} label={t('campaigns.title')} />
        </>
      )}
      <EditDialog editing={editing} onClose={close} addTitle={t('campaigns.add')} editTitle={t('campaigns.editTitle')}>
        {(campaign) => (
          <CampaignForm
            campaign={campaign}
            onDone={(saved) => {
              close();
              setNotice(t('campaigns.saved', { name: localize(saved.name) }));
            }}
          />
        )}
      </EditDialog>
      <ConfirmModal
        opened={moving !== null}
        onClose={() => setMoving(null)}
        title={moving ? t(`campaigns.${moving.label}Title`, { name: localize(moving.campaign.name) }) : ''}
        body={moving ? t(`campaigns.${moving.label}Body`) : ''}
        confirmLabel={moving ? t(`campaigns.${moving.label}`) : ''}
        onConfirm={() => void move()}
        testId="campaign-move-confirm"
      />
    </ListPage>
  );
}

/** The campaign's first and last day on its own clock. */
function period(campaign: CampaignDto): string {
  const day = (iso: string | null) => (iso ? wallClock(new Date(iso), campaign.timeZone).date : '…');
  return campaign.startsAt || campaign.endsAt ? `${day(campaign.startsAt)} — ${day(campaign.endsAt)}` : '';
}

/** A collection point's hours today on the campaign's clock, in words. */
function useTodayHours() {
  const { t } = useTranslation();
  return (point: LocationDto, zone: string): string => {
    const today = hoursToday(point.weeklyHours, zone);
    if (!today) return t('campaigns.hoursUnknown');
    if (today.intervals.length === 0) return t('campaigns.closedToday');
    const state = today.openNow
      ? t('campaigns.openNow', { time: today.closesAt })
      : today.opensAt
        ? t('campaigns.opensAt', { time: today.opensAt })
        : t('campaigns.closedNow');
    return `${t('campaigns.today', { hours: formatDayHours(today.intervals) })} · ${state}`;
  };
}

function CampaignForm({ campaign, onDone }: { campaign: CampaignDto | null; onDone(saved: CampaignDto): void }) {
  const { t } = useTranslation();
  const localize = useLocalize();
  const itemName = useItemName();
  const units = useUnitLabel();
  const todayHours = useTodayHours();
  const items = useAllItems();
  const locations = useLocations();
  const defaults = useDefaults();
  const itemsById = byId(items.data);
  const [initialValues] = useState<CampaignValues>(() =>
    campaignValues(campaign, defaults.data?.timeZone ?? 'Asia/Bishkek', uuid),
  );
  const { values, set, problems, formMessage, saving, onSubmit } = useEditForm<CampaignField, CampaignValues>({
    initialValues,
    validate: (current) => validateCampaign(current, itemsById),
    serverFields: CAMPAIGN_SERVER_FIELDS,
    submit: async (key, current) => {
      const body = campaignRequest(current);
      const saved = campaign
        ? await request<CampaignDto>('PATCH', `/api/campaigns/${campaign.id}`, body)
        : await request<CampaignDto>('POST', '/api/campaigns', body, { 'Idempotency-Key': key });
      onDone(saved);
    },
    entity: 'campaigns',
  });
  // A new campaign takes the deployment's zone once it is known (unless one was chosen already).
  const zoneTouched = useRef(campaign !== null);
  const defaultZone = defaults.data?.timeZone;
  useEffect(() => {
    if (zoneTouched.current || !defaultZone) return;
    zoneTouched.current = true;
    if (values.timeZone !== defaultZone) set({ timeZone: defaultZone });
  }, [defaultZone, values.timeZone, set]);
  const setLine = (key: string, patch: Partial<TargetLine>) =>
    set({ targets: values.targets.map((line) => (line.key === key ? { ...line, ...patch } : line)) });
  const zones = useMemo(() => timeZoneChoices(), []);
  const points = (locations.data?.items ?? []).filter(
    (l) => l.kind === 'collection_point' && (l.active || values.locationIds.includes(l.id)),
  );

  return (
    <form onSubmit={onSubmit} noValidate data-testid="campaign-form">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {LANGUAGES.map((language) => (
            <TextInput
              key={language}
              label={t(`campaigns.nameIn.${language}`)}
              description={language === 'ru' ? undefined : t('campaigns.fallback')}
              required={language === 'ru'}
              maxLength={TEXT_MAX.name}
              value={values.names[language]}
              onChange={(event) => set({ names: { ...values.names, [language]: event.currentTarget.value } })}
              error={problems[language]}
              data-autofocus={language === 'ru' ? true : undefined}
              data-testid={`campaign-name-${language}`}
            />
          ))}
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {LANGUAGES.map((language) => (
            <Textarea
              key={language}
              label={t(`campaigns.descriptionIn.${language}`)}
              autosize
              minRows={2}
              maxLength={TEXT_MAX.description}
              value={values.descriptions[language]}
              onChange={(event) =>
                set({ descriptions: { ...values.descriptions, [language]: event.currentTarget.value } })
              }
              error={language === 'ru' ? problems.description : undefined}
            />
          ))}
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            type="date"
            label={t('campaigns.startsOn')}
            value={values.startsOn}
            onChange={(event) => set({ startsOn: event.currentTarget.value })}
            data-testid="campaign-starts"
          />
          <TextInput
            type="date"
            label={t('campaigns.endsOn')}
            value={values.endsOn}
            onChange={(event) => set({ endsOn: event.currentTarget.value })}
            error={problems.endsOn}
            data-testid="campaign-ends"
          />
          <QuickSelect
            label={t('campaigns.timeZone')}
            description={t('campaigns.timeZoneHint')}
            required
            searchable
            allowDeselect={false}
            data={zones}
            value={values.timeZone}
            onChange={(zone) => {
              zoneTouched.current = true;
              set({ timeZone: zone });
            }}
            error={problems.timeZone}
            data-testid="campaign-zone"
          />
        </SimpleGrid>

        <Stack gap="xs" component="section" aria-labelledby="campaign-targets-title">
          <Text fw={600} id="campaign-targets-title">
            {t('campaigns.targets')}
          </Text>
          <Text size="sm" c="dimmed">
            {t('campaigns.targetsHint')}
          </Text>
          {values.targets.map((line, index) => {
            const item = line.itemId ? itemsById.get(line.itemId) : undefined;
            const base = baseQuantity(line, item);
            return (
              <Group key={line.key} align="flex-end" wrap="wrap" data-testid="campaign-target">
                <QuickSelect
                  label={t('campaigns.item', { n: index + 1 })}
                  searchable
                  allowDeselect={false}
                  data={(items.data?.items ?? [])
                    .filter((i) => i.id === line.itemId || !values.targets.some((other) => other.itemId === i.id))
                    .map((i) => ({ value: i.id, label: itemName(i.name) }))}
                  value={line.itemId}
                  onChange={(itemId) => {
                    const chosen = itemId ? itemsById.get(itemId) : undefined;
                    setLine(line.key, { itemId, unit: chosen?.packs[0]?.unit ?? '' });
                  }}
                  w={220}
                  data-testid="campaign-target-item"
                />
                <NumberInput
                  label={t('campaigns.quantity', { n: index + 1 })}
                  min={1}
                  allowDecimal={false}
                  allowNegative={false}
                  thousandSeparator=" "
                  value={line.quantity}
                  onChange={(quantity) => setLine(line.key, { quantity })}
                  w={140}
                  data-testid="campaign-target-quantity"
                />
                <NativeSelect
                  label={t('campaigns.unit', { n: index + 1 })}
                  data={item ? units.choices(item) : []}
                  value={line.unit || item?.baseUnit || ''}
                  onChange={(event) => setLine(line.key, { unit: event.currentTarget.value })}
                  disabled={!item}
                  w={200}
                  data-testid="campaign-target-unit"
                />
                <Text mb={8} c="dimmed" data-testid="campaign-target-base" miw={90}>
                  {item && base !== undefined
                    ? t('campaigns.inBase', { quantity: units.quantity(base, item.baseUnit) })
                    : ''}
                </Text>
                <ActionIcon
                  variant="subtle"
                  color="red.9"
                  size="lg"
                  mb={4}
                  aria-label={t('campaigns.removeTarget', { n: index + 1 })}
                  onClick={() => set({ targets: values.targets.filter((other) => other.key !== line.key) })}
                >
                  ×
                </ActionIcon>
              </Group>
            );
          })}
          {problems.targets && (
            <Text size="sm" c="red.9" role="alert">
              {problems.targets}
            </Text>
          )}
          <Group>
            <Button
              variant="default"
              size="sm"
              disabled={(items.data?.items.length ?? 0) <= values.targets.length}
              onClick={() =>
                set({ targets: [...values.targets, { key: uuid(), itemId: null, quantity: '', unit: '' }] })
              }
              data-testid="campaign-add-target"
            >
              {t('campaigns.addTarget')}
            </Button>
            {items.data?.items.length === 0 && (
              <Anchor component={Link} to="/catalogue">
                {t('campaigns.goCatalogue')}
              </Anchor>
            )}
          </Group>
        </Stack>

        <Checkbox.Group
          label={t('campaigns.points')}
          description={t('campaigns.pointsHint')}
          value={values.locationIds}
          onChange={(locationIds) => set({ locationIds })}
          error={problems.points}
        >
          <Stack gap="xs" mt="xs">
            {points.map((point) => (
              <Checkbox
                key={point.id}
                value={point.id}
                label={localize(point.name)}
                description={`${point.address ? `${point.address} · ` : ''}${todayHours(point, values.timeZone ?? 'UTC')}`}
                data-testid="campaign-point"
              />
            ))}
            {points.length === 0 && (
              <Anchor component={Link} to="/catalogue?tab=locations">
                {t('campaigns.goPlaces')}
              </Anchor>
            )}
          </Stack>
        </Checkbox.Group>

        <Checkbox
          label={t('campaigns.public')}
          checked={values.public}
          onChange={(event) => set({ public: event.currentTarget.checked })}
        />
        <FormActions message={formMessage} saving={saving} label={t('wb.save')} testId="campaign-submit" />
      </Stack>
    </form>
  );
}
