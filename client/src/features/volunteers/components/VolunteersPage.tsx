import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import {
  Badge,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import {
  TEXT_MAX,
  VEHICLE_CAPACITY_KG_MAX,
  LICENCE_CATEGORIES,
  type Page,
  type UserDto,
  type VolunteerDto,
} from '@karavan/shared';
import { useLocalize } from '../../../lib/catalogue';
import { request } from '../../../lib/api';
import { fetchAllPages } from '../../../lib/pages';
import { useCan } from '../../../lib/current-user';
import { EditDialog, FormActions, useEditForm } from '../../../ui/EditForm';
import { ListPage, ListTable, YesNoFilter } from '../../../ui/ListPage';
import { Pager } from '../../../ui/Pager';
import { usePagedList, type PagedList } from '../../../ui/usePagedList';
import {
  VOLUNTEER_SERVER_FIELDS,
  validateVolunteer,
  volunteerRequest,
  volunteerValues,
  type VolunteerValues,
} from '../volunteer.form';

interface Filters {
  q: string;
  skill: string;
  language: string;
  available: boolean | null;
}

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
  const localize = useLocalize();
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
    <ListPage
      title={t('volunteers.title')}
      testId="volunteers"
      action={
        canManage && (
          <Button onClick={() => setEditing('new')} data-testid="volunteer-new">
            {t('volunteers.add')}
          </Button>
        )
      }
      filters={
        <>
          <TextInput
            label={t('volunteers.search')}
            value={filters.q}
            maxLength={TEXT_MAX.search}
            onChange={(e) => set({ q: e.currentTarget.value })}
          />
          <TextInput
            label={t('volunteers.skill')}
            description={t('volunteers.skillHint')}
            value={filters.skill}
            maxLength={TEXT_MAX.skill}
            onChange={(e) => set({ skill: e.currentTarget.value })}
          />
          <TextInput
            label={t('volunteers.language')}
            description={t('volunteers.languageHint')}
            value={filters.language}
            maxLength={3}
            onChange={(e) => set({ language: e.currentTarget.value })}
          />
          <YesNoFilter
            label={t('volunteers.availability')}
            yes={t('volunteers.available')}
            no={t('volunteers.unavailable')}
            value={filters.available}
            onChange={(available) => set({ available })}
          />
        </>
      }
    >
      <ListTable
        query={volunteers}
        minWidth={720}
        testId="volunteers-table"
        empty={t('volunteers.none')}
        emptyTestId="volunteers-empty"
        columns={[
          t('volunteers.name'),
          t('volunteers.skills'),
          t('volunteers.languages'),
          t('volunteers.availability'),
          t('volunteers.account'),
          t('volunteers.actions'),
        ]}
      >
        {(items) =>
          items.map((volunteer) => (
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
                  ...volunteer.skills.other.map((skill) => localize(skill)),
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
          ))
        }
      </ListTable>
      <Pager page={volunteers.data} onOffset={paging.setOffset} />
      <EditDialog
        editing={editing}
        onClose={() => setEditing(null)}
        addTitle={t('volunteers.add')}
        editTitle={t('volunteers.edit')}
      >
        {(volunteer) => (
          <VolunteerForm
            volunteer={volunteer}
            accounts={canLink ? (accounts.data?.items ?? []) : null}
            onDone={() => setEditing(null)}
          />
        )}
      </EditDialog>
    </ListPage>
  );
}

function VolunteerForm({
  volunteer,
  accounts,
  onDone,
}: {
  volunteer: VolunteerDto | null;
  accounts: UserDto[] | null;
  onDone(): void;
}) {
  const { t, i18n } = useTranslation();
  const { values, set, problems, formMessage, saving, onSubmit } = useEditForm({
    initialValues: volunteerValues(volunteer, i18n.language),
    validate: validateVolunteer,
    serverFields: VOLUNTEER_SERVER_FIELDS,
    entity: 'volunteers',
    submit: async (key, values: VolunteerValues) => {
      const body = volunteerRequest(values, accounts !== null);
      if (volunteer) await request('PATCH', `/api/volunteers/${volunteer.id}`, body);
      else await request('POST', '/api/volunteers', body, { 'Idempotency-Key': key });
      onDone();
    },
  });
  const { name, phone, languages, licence, vehicleKind, plate, capacityKg, other, available, note, notes, userId } =
    values;

  return (
    <form onSubmit={onSubmit} noValidate data-testid="volunteer-form">
      <Stack>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label={t('volunteers.name')}
            required
            maxLength={TEXT_MAX.name}
            value={name}
            onChange={(e) => set({ name: e.currentTarget.value })}
            error={problems.name}
            data-autofocus
          />
          <TextInput
            label={t('volunteers.phone')}
            type="tel"
            maxLength={TEXT_MAX.phone}
            value={phone}
            onChange={(e) => set({ phone: e.currentTarget.value })}
            error={problems.phone}
          />
        </SimpleGrid>
        <TextInput
          label={t('volunteers.languages')}
          description={t('volunteers.languagesHint')}
          value={languages}
          onChange={(e) => set({ languages: e.currentTarget.value })}
          error={problems.languages}
        />
        <Checkbox.Group
          label={t('volunteers.licenceCategories')}
          value={licence}
          onChange={(value) => set({ licence: value })}
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
            maxLength={TEXT_MAX.vehicleKind}
            value={vehicleKind}
            onChange={(e) => set({ vehicleKind: e.currentTarget.value })}
            error={problems.vehicleKind}
          />
          <TextInput
            label={t('volunteers.plate')}
            maxLength={TEXT_MAX.plate}
            value={plate}
            onChange={(e) => set({ plate: e.currentTarget.value })}
            error={problems.plate}
          />
          <NumberInput
            label={t('volunteers.capacityKg')}
            min={1}
            max={VEHICLE_CAPACITY_KG_MAX}
            allowDecimal={false}
            value={capacityKg}
            onChange={(value) => set({ capacityKg: value })}
            error={problems.capacityKg}
          />
        </SimpleGrid>
        <TextInput
          label={t('volunteers.otherSkills')}
          description={t('volunteers.otherSkillsHint')}
          value={other}
          onChange={(e) => set({ other: e.currentTarget.value })}
          error={problems.other}
        />
        <Group align="flex-end">
          <Switch
            label={t('volunteers.available')}
            checked={available}
            onChange={(e) => set({ available: e.currentTarget.checked })}
          />
          <TextInput
            label={t('volunteers.availabilityNote')}
            maxLength={TEXT_MAX.availabilityNote}
            value={note}
            onChange={(e) => set({ note: e.currentTarget.value })}
            error={problems.note}
            style={{ flex: 1 }}
          />
        </Group>
        <Textarea
          label={t('volunteers.notes')}
          maxLength={TEXT_MAX.notes}
          value={notes}
          onChange={(e) => set({ notes: e.currentTarget.value })}
          error={problems.notes}
        />
        {accounts && (
          <Select
            label={t('volunteers.account')}
            description={t('volunteers.accountHint')}
            clearable
            searchable
            data={accounts.map((user) => ({
              value: user.id,
              label: `${user.name} (${user.email}, ${t(`roles.${user.role}`)})`,
            }))}
            value={userId}
            onChange={(value) => set({ userId: value })}
            error={problems.userId}
          />
        )}
        <FormActions message={formMessage} saving={saving} label={t('wb.save')} testId="volunteer-submit" />
      </Stack>
    </form>
  );
}
