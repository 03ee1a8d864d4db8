import '@mantine/core/styles/Table.css';
import { useState, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import {
  LICENCE_CATEGORIES,
  type CreateVolunteerRequest,
  type Page,
  type UserDto,
  type VolunteerDto,
} from '@karavan/shared';
import { request } from '../../../lib/api';
import { fetchAllPages } from '../../../lib/pages';
import { useCan } from '../../../lib/current-user';
import { uuid } from '../../../lib/uuid';
import { useApiFieldErrors, useErrorMessage } from '../../../ui/apiErrors';
import { QueryState } from '../../../ui/QueryState';
import { Pager } from '../../../ui/Pager';
import { usePagedList, type PagedList } from '../../../ui/usePagedList';

interface Filters {
  q: string;
  skill: string;
  language: string;
  available: boolean | null;
}

const list = (text: string) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

function useVolunteers(filters: Filters, paging: PagedList) {
  const params = new URLSearchParams(paging.params());
  if (filters.q.trim()) params.set('q', filters.q.trim());
  if (filters.skill.trim()) params.set('skill', filters.skill.trim());
  if (/^[a-zA-Z]{2,3}$/.test(filters.language.trim())) params.set('language', filters.language.trim().toLowerCase());
  if (filters.available !== null) params.set('available', String(filters.available));
  return useQuery({
    queryKey: ['volunteers', params.toString()],
    queryFn: () => request<Page<VolunteerDto>>('GET', `/api/volunteers?${params.toString()}`),
    placeholderData: (previous) => previous,
  });
}

function useAccounts(enabled: boolean) {
  return useQuery({
    queryKey: ['users', 'accounts'],
    enabled,
    staleTime: 60_000,
    queryFn: () => fetchAllPages<UserDto>('/api/users?active=true'),
  });
}

/** `/volunteers`: who can help, searchable by skill, language and availability; edit and link to an account. */
export function VolunteersPage() {
  const { t } = useTranslation();
  const canManage = useCan('volunteers:manage');
  const canLink = useCan('users:manage');
  const [filters, setFilters] = useState<Filters>({ q: '', skill: '', language: '', available: null });
  const paging = usePagedList(filters);
  const volunteers = useVolunteers(filters, paging);
  const accounts = useAccounts(canLink);
  const accountNames = new Map((accounts.data?.items ?? []).map((user) => [user.id, `${user.name} (${user.email})`]));
  const [editing, setEditing] = useState<VolunteerDto | 'new' | null>(null);
  const set = (patch: Partial<Filters>) => setFilters((current) => ({ ...current, ...patch }));

  return (
    <Stack gap="lg" data-testid="volunteers">
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('volunteers.title')}
        </Title>
        {canManage && (
          <Button onClick={() => setEditing('new')} data-testid="volunteer-new">
            {t('volunteers.add')}
          </Button>
        )}
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }} component="section" aria-label={t('wb.filters')}>
        <TextInput
          label={t('volunteers.search')}
          value={filters.q}
          maxLength={100}
          onChange={(e) => set({ q: e.currentTarget.value })}
        />
        <TextInput
          label={t('volunteers.skill')}
          description={t('volunteers.skillHint')}
          value={filters.skill}
          maxLength={60}
          onChange={(e) => set({ skill: e.currentTarget.value })}
        />
        <TextInput
          label={t('volunteers.language')}
          description={t('volunteers.languageHint')}
          value={filters.language}
          maxLength={3}
          onChange={(e) => set({ language: e.currentTarget.value })}
        />
        <Select
          label={t('volunteers.availability')}
          placeholder={t('wb.all')}
          clearable
          data={[
            { value: 'true', label: t('volunteers.available') },
            { value: 'false', label: t('volunteers.unavailable') },
          ]}
          value={filters.available === null ? null : String(filters.available)}
          onChange={(value) => set({ available: value === null ? null : value === 'true' })}
        />
      </SimpleGrid>
      <QueryState query={volunteers}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed" data-testid="volunteers-empty">
              {t('volunteers.none')}
            </Text>
          ) : (
            <Table.ScrollContainer minWidth={720}>
              <Table striped verticalSpacing="sm" data-testid="volunteers-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('volunteers.name')}</Table.Th>
                    <Table.Th>{t('volunteers.skills')}</Table.Th>
                    <Table.Th>{t('volunteers.languages')}</Table.Th>
                    <Table.Th>{t('volunteers.availability')}</Table.Th>
                    <Table.Th>{t('volunteers.account')}</Table.Th>
                    <Table.Th>{t('volunteers.actions')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((volunteer) => (
                    <Table.Tr key={volunteer.id} data-testid="volunteer-row">
                      <Table.Td>
                        <Text fw={600}>{volunteer.name}</Text>
                        {volunteer.phone && (
                          <Text size="sm" c="dimmed">
                            {volunteer.phone}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        {[
                          volunteer.skills.licenceCategories.length > 0
                            ? t('volunteers.licence', { categories: volunteer.skills.licenceCategories.join(', ') })
                            : null,
                          volunteer.skills.vehicle
                            ? `${volunteer.skills.vehicle.kind}${volunteer.skills.vehicle.plate ? ` ${volunteer.skills.vehicle.plate}` : ''}`
                            : null,
                          ...volunteer.skills.other,
                        ]
                          .filter(Boolean)
                          .join(' · ') || '—'}
                      </Table.Td>
                      <Table.Td>{volunteer.languages.join(', ') || '—'}</Table.Td>
                      <Table.Td>
                        <Badge color={volunteer.availability.available ? '#1b5e20' : '#495057'} variant="filled">
                          {volunteer.availability.available ? t('volunteers.available') : t('volunteers.unavailable')}
                        </Badge>
                        {volunteer.availability.note && <Text size="xs">{volunteer.availability.note}</Text>}
                      </Table.Td>
                      <Table.Td>
                        {volunteer.userId ? (accountNames.get(volunteer.userId) ?? t('volunteers.linked')) : '—'}
                      </Table.Td>
                      <Table.Td>
                        {canManage && (
                          <Button size="xs" variant="default" onClick={() => setEditing(volunteer)}>
                            {t('volunteers.edit')}
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Pager page={volunteers.data} onOffset={paging.setOffset} />
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? t('volunteers.add') : t('volunteers.edit')}
        size="lg"
      >
        {editing !== null && (
          <VolunteerForm
            volunteer={editing === 'new' ? null : editing}
            accounts={canLink ? (accounts.data?.items ?? []) : null}
            onDone={() => setEditing(null)}
          />
        )}
      </Modal>
    </Stack>
  );
}

type Field =
  | 'name'
  | 'phone'
  | 'languages'
  | 'licence'
  | 'vehicleKind'
  | 'plate'
  | 'capacityKg'
  | 'other'
  | 'note'
  | 'notes'
  | 'userId';

function VolunteerForm({
  volunteer,
  accounts,
  onDone,
}: {
  volunteer: VolunteerDto | null;
  accounts: UserDto[] | null;
  onDone(): void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const fieldErrors = useApiFieldErrors();
  const errorMessage = useErrorMessage();
  const [name, setName] = useState(volunteer?.name ?? '');
  const [phone, setPhone] = useState(volunteer?.phone ?? '');
  const [languages, setLanguages] = useState(volunteer?.languages.join(', ') ?? 'ru');
  const [licence, setLicence] = useState<string[]>(volunteer?.skills.licenceCategories ?? []);
  const [vehicleKind, setVehicleKind] = useState(volunteer?.skills.vehicle?.kind ?? '');
  const [plate, setPlate] = useState(volunteer?.skills.vehicle?.plate ?? '');
  const [capacityKg, setCapacityKg] = useState<number | string>(volunteer?.skills.vehicle?.capacityKg ?? '');
  const [other, setOther] = useState(volunteer?.skills.other.join(', ') ?? '');
  const [available, setAvailable] = useState(volunteer?.availability.available ?? true);
  const [note, setNote] = useState(volunteer?.availability.note ?? '');
  const [notes, setNotes] = useState(volunteer?.notes ?? '');
  const [userId, setUserId] = useState<string | null>(volunteer?.userId ?? null);
  const [key] = useState(uuid);
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();

  const local: Partial<Record<Field, string>> = {};
  if (submitted) {
    if (!name.trim()) local.name = t('wb.fieldErrors.required');
    if (list(languages).some((code) => !/^[a-zA-Z]{2,3}$/.test(code)))
      local.languages = t('volunteers.errors.language');
    if ((plate.trim() || capacityKg !== '') && !vehicleKind.trim()) local.vehicleKind = t('wb.fieldErrors.required');
  }
  const server = fieldErrors<Field>(error, {
    'body.name': 'name',
    'body.phone': 'phone',
    'body.languages': 'languages',
    'body.skills.licenceCategories': 'licence',
    'body.skills.vehicle.kind': 'vehicleKind',
    'body.skills.vehicle.plate': 'plate',
    'body.skills.vehicle.capacityKg': 'capacityKg',
    'body.skills.other': 'other',
    'body.availability.note': 'note',
    'body.notes': 'notes',
    'body.userId': 'userId',
  });
  const problems = { ...server, ...local };
  const formMessage = errorMessage(error, Object.keys(server).length > 0);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    if (
      !name.trim() ||
      list(languages).some((code) => !/^[a-zA-Z]{2,3}$/.test(code)) ||
      ((plate.trim() || capacityKg !== '') && !vehicleKind.trim())
    ) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    const body: CreateVolunteerRequest = {
      name: name.trim(),
      phone: phone.trim() || null,
      languages: [...new Set(list(languages).map((code) => code.toLowerCase()))],
      skills: {
        licenceCategories: licence,
        vehicle: vehicleKind.trim()
          ? {
              kind: vehicleKind.trim(),
              plate: plate.trim() || null,
              capacityKg: capacityKg === '' ? null : Number(capacityKg),
            }
          : null,
        other: [...new Set(list(other))],
      },
      availability: { available, note: note.trim() || null },
      notes: notes.trim() || null,
      ...(accounts ? { userId } : {}),
    };
    setSaving(true);
    setError(undefined);
    try {
      if (volunteer) await request('PATCH', `/api/volunteers/${volunteer.id}`, body);
      else await request('POST', '/api/volunteers', body, { 'Idempotency-Key': key });
      await queryClient.invalidateQueries({ queryKey: ['volunteers'] });
      onDone();
    } catch (caught) {
      setError(caught);
      setSaving(false);
    }
  }

  return (
    <form onSubmit={(event) => void onSubmit(event)} noValidate data-testid="volunteer-form">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label={t('volunteers.name')}
            required
            maxLength={120}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={problems.name}
            data-autofocus
          />
          <TextInput
            label={t('volunteers.phone')}
            type="tel"
            maxLength={25}
            value={phone}
            onChange={(e) => setPhone(e.currentTarget.value)}
            error={problems.phone}
          />
        </SimpleGrid>
        <TextInput
          label={t('volunteers.languages')}
          description={t('volunteers.languagesHint')}
          value={languages}
          onChange={(e) => setLanguages(e.currentTarget.value)}
          error={problems.languages}
        />
        <Checkbox.Group
          label={t('volunteers.licenceCategories')}
          value={licence}
          onChange={setLicence}
          error={problems.licence}
        >
          <Group gap="sm" mt={4}>
            {LICENCE_CATEGORIES.map((category) => (
              <Checkbox key={category} value={category} label={category} />
            ))}
          </Group>
        </Checkbox.Group>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label={t('volunteers.vehicle')}
            maxLength={40}
            value={vehicleKind}
            onChange={(e) => setVehicleKind(e.currentTarget.value)}
            error={problems.vehicleKind}
          />
          <TextInput
            label={t('volunteers.plate')}
            maxLength={20}
            value={plate}
            onChange={(e) => setPlate(e.currentTarget.value)}
            error={problems.plate}
          />
          <NumberInput
            label={t('volunteers.capacityKg')}
            min={1}
            max={100_000}
            allowDecimal={false}
            value={capacityKg}
            onChange={setCapacityKg}
            error={problems.capacityKg}
          />
        </SimpleGrid>
        <TextInput
          label={t('volunteers.otherSkills')}
          description={t('volunteers.otherSkillsHint')}
          value={other}
          onChange={(e) => setOther(e.currentTarget.value)}
          error={problems.other}
        />
        <Group align="flex-end">
          <Switch
            label={t('volunteers.available')}
            checked={available}
            onChange={(e) => setAvailable(e.currentTarget.checked)}
          />
          <TextInput
            label={t('volunteers.availabilityNote')}
            maxLength={300}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={problems.note}
            style={{ flex: 1 }}
          />
        </Group>
        <Textarea
          label={t('volunteers.notes')}
          maxLength={2000}
          value={notes}
          onChange={(e) => setNotes(e.currentTarget.value)}
          error={problems.notes}
        />
        {accounts && (
          <Select
            label={t('volunteers.account')}
            description={t('volunteers.accountHint')}
            clearable
            searchable
            nothingFoundMessage={t('common.nothingFound')}
            data={accounts.map((user) => ({
              value: user.id,
              label: `${user.name} (${user.email}, ${t(`roles.${user.role}`)})`,
            }))}
            value={userId}
            onChange={setUserId}
            error={problems.userId}
          />
        )}
        {formMessage && (
          <Alert color="red.9" variant="light" role="alert">
            {formMessage}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={saving} data-testid="volunteer-submit">
            {t('wb.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
