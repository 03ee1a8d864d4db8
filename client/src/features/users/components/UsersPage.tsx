import '@mantine/core/styles/Pill.css';
import '@mantine/core/styles/PillsInput.css';
import '@mantine/core/styles/Code.css';
import { useState } from 'react';
import { useWrite } from '../../../lib/writes';
import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  MultiSelect,
  NativeSelect,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { TEXT_MAX, LOCALES, ROLES, type Locale, type Role, type UserDto } from '@karavan/shared';
import { useCurrentUser } from '../../../lib/current-user';
import { useLocalize, useLocations } from '../../../lib/catalogue';
import { formatDateTime, useFormatLanguage } from '../../../lib/format';
import { useErrorMessage } from '../../../ui/apiErrors';
import { ConfirmModal, FormActions, FormModal, useEditForm } from '../../../ui/EditForm';
import { ChoiceFilter, ListPage, ListTable, YesNoFilter } from '../../../ui/ListPage';
import { Pager } from '../../../ui/Pager';
import { usePagedList } from '../../../ui/usePagedList';
import { INVITE_SERVER_FIELDS, inviteRequest, validateInvite, type InviteValues } from '../invite.form';
import { createUser, generatePassword, resetPassword, updateUser, useUsers, type UserFilters } from '../api/users.api';

const LANGUAGE_NAMES: Record<Locale, string> = { ru: 'Русский', en: 'English', ky: 'Кыргызча', kk: 'Қазақша' };

/** A one-time password, shown once, to hand over; the user must change it at sign-in. */
function OneTimePassword({ user, password, onClose }: { user: UserDto; password: string; onClose(): void }) {
  const { t } = useTranslation();
  return (
    <Alert
      color="green.9"
      variant="light"
      title={t('users.passwordTitle', { name: user.name })}
      data-testid="one-time-password"
      withCloseButton
      closeButtonLabel={t('common.close')}
      onClose={onClose}
    >
      <Stack gap="xs">
        <Text size="sm">{t('users.passwordOnce', { email: user.email })}</Text>
        <Group>
          <Code fz="lg" data-testid="password-value">
            {password}
          </Code>
          <CopyButton value={password}>
            {({ copied, copy }) => (
              <Button size="xs" variant="default" onClick={copy}>
                {copied ? t('users.copied') : t('users.copy')}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Alert>
  );
}

/** `/users` (organisers): invite, change role, disable, reset a password. */
export function UsersPage() {
  const { t } = useTranslation();
  useFormatLanguage();
  const { user: me } = useCurrentUser();
  const errorMessage = useErrorMessage();
  const [filters, setFilters] = useState<UserFilters>({ q: '', role: null, active: null });
  const paging = usePagedList(filters);
  const users = useUsers(filters, paging);
  const [inviting, setInviting] = useState(false);
  const [shown, setShown] = useState<{ user: UserDto; password: string } | null>(null);
  const [rowError, setRowError] = useState<{ id: string; message: string } | null>(null);
  const [confirmReset, setConfirmReset] = useState<UserDto | null>(null);
  const locations = useLocations();
  const localize = useLocalize();
  const places = (locations.data?.items ?? [])
    .filter((place) => place.kind !== 'checkpoint')
    .map((place) => ({ value: place.id, label: localize(place.name) }));

  const update = useWrite('users', (input: { id: string; body: Parameters<typeof updateUser>[1] }) =>
    updateUser(input.id, input.body),
  );
  const resetOne = useWrite('users', (input: { id: string; password: string }) =>
    resetPassword(input.id, input.password),
  );

  async function change(user: UserDto, body: Parameters<typeof updateUser>[1]) {
    setRowError(null);
    try {
      await update.mutateAsync({ id: user.id, body });
    } catch (error) {
      setRowError({ id: user.id, message: errorMessage(error) ?? '' });
    }
  }

  async function reset(user: UserDto) {
    setConfirmReset(null);
    setRowError(null);
    const password = generatePassword();
    try {
      const updated = await resetOne.mutateAsync({ id: user.id, password });
      setShown({ user: updated, password });
    } catch (error) {
      setRowError({ id: user.id, message: errorMessage(error) ?? '' });
    }
  }

  return (
    <ListPage
      title={t('users.title')}
      testId="users"
      action={
        <Button onClick={() => setInviting(true)} data-testid="invite">
          {t('users.invite')}
        </Button>
      }
      notice={shown && <OneTimePassword user={shown.user} password={shown.password} onClose={() => setShown(null)} />}
      filterColumns={{ base: 1, sm: 3 }}
      filters={
        <>
          <TextInput
            label={t('users.search')}
            value={filters.q}
            maxLength={TEXT_MAX.search}
            onChange={(event) => {
              const q = event.currentTarget.value;
              setFilters((current) => ({ ...current, q }));
            }}
          />
          <ChoiceFilter
            label={t('users.role')}
            data={ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
            value={filters.role}
            onChange={(value) => setFilters((current) => ({ ...current, role: value as Role | null }))}
          />
          <YesNoFilter
            label={t('users.state')}
            yes={t('users.active')}
            no={t('users.disabled')}
            value={filters.active}
            onChange={(active) => setFilters((current) => ({ ...current, active }))}
          />
        </>
      }
    >
      <ListTable
        query={users}
        minWidth={760}
        testId="users-table"
        empty={t('users.none')}
        columns={[t('users.name'), t('users.role'), t('users.state'), t('users.lastLogin'), t('users.actions')]}
      >
        {(items) =>
          items.map((user) => {
            const self = user.id === me.id;
            return (
              <Table.Tr key={user.id} data-testid="user-row" data-email={user.email}>
                <Table.Td>
                  <Text fw={600}>{user.name}</Text>
                  <Text size="sm" c="dimmed">
                    {user.email}
                    {user.phone ? ` · ${user.phone}` : ''}
                  </Text>
                  {rowError?.id === user.id && (
                    <Text size="sm" c="red.9" role="alert">
                      {rowError.message}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Stack gap={4}>
                    <NativeSelect
                      aria-label={t('users.roleOf', { name: user.name })}
                      data={ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
                      value={user.role}
                      disabled={self}
                      onChange={(event) => void change(user, { role: event.currentTarget.value as Role })}
                    />
                    {user.role !== 'driver' && (
                      // Where they work: a pledge's donor contact is shown to the people of its point only.
                      <MultiSelect
                        aria-label={t('users.placesOf', { name: user.name })}
                        placeholder={user.locationIds.length === 0 ? t('users.noPlaces') : undefined}
                        data={places}
                        value={user.locationIds}
                        searchable
                        clearable
                        onChange={(locationIds) => void change(user, { locationIds })}
                        data-testid="user-places"
                      />
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td>
                  <Stack gap={2} align="flex-start">
                    <Badge color={user.active ? '#1b5e20' : '#495057'} variant="filled">
                      {user.active ? t('users.active') : t('users.disabled')}
                    </Badge>
                    {user.mustChangePassword && (
                      <Text size="xs" c="dimmed">
                        {t('users.mustChange')}
                      </Text>
                    )}
                  </Stack>
                </Table.Td>
                <Table.Td>{user.lastLoginAt ? formatDateTime(user.lastLoginAt) : t('users.never')}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Button
                      size="xs"
                      variant="default"
                      disabled={self}
                      onClick={() => void change(user, { active: !user.active })}
                    >
                      {user.active ? t('users.disable') : t('users.enable')}
                    </Button>
                    <Button size="xs" variant="default" disabled={self} onClick={() => setConfirmReset(user)}>
                      {t('users.reset')}
                    </Button>
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })
        }
      </ListTable>
      <Pager page={users.data} onOffset={paging.setOffset} />
      <FormModal opened={inviting} onClose={() => setInviting(false)} title={t('users.inviteTitle')}>
        <InviteForm
          onDone={(user, password) => {
            setInviting(false);
            setShown({ user, password });
          }}
        />
      </FormModal>
      <ConfirmModal
        opened={confirmReset !== null}
        onClose={() => setConfirmReset(null)}
        title={t('users.resetTitle')}
        body={t('users.resetBody', { name: confirmReset?.name ?? '' })}
        confirmLabel={t('users.reset')}
        onConfirm={() => confirmReset && void reset(confirmReset)}
        testId="reset-confirm"
      />
    </ListPage>
  );
}

function InviteForm({ onDone }: { onDone(user: UserDto, password: string): void }) {
  const { t, i18n } = useTranslation();
  const [password] = useState(generatePassword);
  const { values, set, problems, formMessage, saving, onSubmit } = useEditForm({
    initialValues: {
      email: '',
      name: '',
      role: 'coordinator',
      locale: (LOCALES as readonly string[]).includes(i18n.language) ? (i18n.language as Locale) : 'ru',
      phone: '',
    } as InviteValues,
    validate: validateInvite,
    serverFields: INVITE_SERVER_FIELDS,
    conflict: { field: 'email', message: 'users.emailTaken', replace: true },
    entity: 'users',
    submit: async (key, values) => onDone(await createUser(inviteRequest(values, password), key), password),
  });
  const { email, name, role, locale, phone } = values;

  return (
    <form onSubmit={onSubmit} noValidate data-testid="invite-form">
      <Stack>
        <TextInput
          label={t('users.email')}
          type="email"
          required
          maxLength={TEXT_MAX.email}
          value={email}
          onChange={(event) => set({ email: event.currentTarget.value })}
          error={problems.email}
          data-autofocus
        />
        <TextInput
          label={t('users.name')}
          required
          maxLength={TEXT_MAX.name}
          value={name}
          onChange={(event) => set({ name: event.currentTarget.value })}
          error={problems.name}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NativeSelect
            label={t('users.role')}
            data={ROLES.map((value) => ({ value, label: t(`roles.${value}`) }))}
            value={role}
            onChange={(event) => set({ role: event.currentTarget.value as Role })}
            error={problems.role}
          />
          <NativeSelect
            label={t('users.language')}
            data={LOCALES.map((value) => ({ value, label: LANGUAGE_NAMES[value] }))}
            value={locale}
            onChange={(event) => set({ locale: event.currentTarget.value as Locale })}
          />
          <TextInput
            label={t('users.phone')}
            type="tel"
            maxLength={TEXT_MAX.phone}
            value={phone}
            onChange={(event) => set({ phone: event.currentTarget.value })}
            error={problems.phone}
          />
        </SimpleGrid>
        <Text size="sm" c="dimmed">
          {t('users.inviteHint')}
        </Text>
        <FormActions message={formMessage} saving={saving} label={t('users.inviteSubmit')} testId="invite-submit" />
      </Stack>
    </form>
  );
}
