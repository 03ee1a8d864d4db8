import '@mantine/core/styles/Table.css';
import '@mantine/core/styles/Code.css';
import { useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import {
  Alert,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  NativeSelect,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LOCALES, ROLES, type Locale, type Role, type UserDto } from '@karavan/shared';
import { useCurrentUser } from '../../../lib/current-user';
import { formatDateTime, useFormatLanguage } from '../../../lib/format';
import { ApiRequestError } from '../../../lib/http';
import { uuid } from '../../../lib/uuid';
import { useApiFieldErrors, useErrorMessage } from '../../../ui/apiErrors';
import { QueryState } from '../../../ui/QueryState';
import { Pager } from '../../../ui/Pager';
import { usePagedList } from '../../../ui/usePagedList';
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
  const queryClient = useQueryClient();
  const errorMessage = useErrorMessage();
  const [filters, setFilters] = useState<UserFilters>({ q: '', role: null, active: null });
  const paging = usePagedList(filters);
  const users = useUsers(filters, paging);
  const [inviting, setInviting] = useState(false);
  const [shown, setShown] = useState<{ user: UserDto; password: string } | null>(null);
  const [rowError, setRowError] = useState<{ id: string; message: string } | null>(null);
  const [confirmReset, setConfirmReset] = useState<UserDto | null>(null);

  async function change(user: UserDto, body: Parameters<typeof updateUser>[1]) {
    setRowError(null);
    try {
      await updateUser(user.id, body);
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    } catch (error) {
      setRowError({ id: user.id, message: errorMessage(error) ?? '' });
    }
  }

  async function reset(user: UserDto) {
    setConfirmReset(null);
    setRowError(null);
    const password = generatePassword();
    try {
      const updated = await resetPassword(user.id, password);
      setShown({ user: updated, password });
      await queryClient.invalidateQueries({ queryKey: ['users'] });
    } catch (error) {
      setRowError({ id: user.id, message: errorMessage(error) ?? '' });
    }
  }

  return (
    <Stack gap="lg" data-testid="users">
      <Group justify="space-between">
        <Title order={1} size="h2">
          {t('users.title')}
        </Title>
        <Button onClick={() => setInviting(true)} data-testid="invite">
          {t('users.invite')}
        </Button>
      </Group>
      {shown && <OneTimePassword user={shown.user} password={shown.password} onClose={() => setShown(null)} />}
      <SimpleGrid cols={{ base: 1, sm: 3 }} component="section" aria-label={t('wb.filters')}>
        <TextInput
          label={t('users.search')}
          value={filters.q}
          maxLength={100}
          onChange={(event) => {
            const q = event.currentTarget.value;
            setFilters((current) => ({ ...current, q }));
          }}
        />
        <Select
          label={t('users.role')}
          placeholder={t('wb.all')}
          clearable
          data={ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
          value={filters.role}
          onChange={(value) => setFilters((current) => ({ ...current, role: value as Role | null }))}
        />
        <Select
          label={t('users.state')}
          placeholder={t('wb.all')}
          clearable
          data={[
            { value: 'true', label: t('users.active') },
            { value: 'false', label: t('users.disabled') },
          ]}
          value={filters.active === null ? null : String(filters.active)}
          onChange={(value) =>
            setFilters((current) => ({ ...current, active: value === null ? null : value === 'true' }))
          }
        />
      </SimpleGrid>
      <QueryState query={users}>
        {(page) =>
          page.items.length === 0 ? (
            <Text c="dimmed">{t('users.none')}</Text>
          ) : (
            <Table.ScrollContainer minWidth={760}>
              <Table striped verticalSpacing="sm" data-testid="users-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('users.name')}</Table.Th>
                    <Table.Th>{t('users.role')}</Table.Th>
                    <Table.Th>{t('users.state')}</Table.Th>
                    <Table.Th>{t('users.lastLogin')}</Table.Th>
                    <Table.Th>{t('users.actions')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.items.map((user) => {
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
                          <NativeSelect
                            aria-label={t('users.roleOf', { name: user.name })}
                            data={ROLES.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
                            value={user.role}
                            disabled={self}
                            onChange={(event) => void change(user, { role: event.currentTarget.value as Role })}
                          />
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
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </QueryState>
      <Pager page={users.data} onOffset={paging.setOffset} />
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={inviting}
        onClose={() => setInviting(false)}
        title={t('users.inviteTitle')}
        size="lg"
      >
        <InviteForm
          onDone={(user, password) => {
            setInviting(false);
            setShown({ user, password });
            void queryClient.invalidateQueries({ queryKey: ['users'] });
          }}
        />
      </Modal>
      <Modal
        closeButtonProps={{ 'aria-label': t('common.close') }}
        opened={confirmReset !== null}
        onClose={() => setConfirmReset(null)}
        title={t('users.resetTitle')}
      >
        <Stack>
          <Text>{t('users.resetBody', { name: confirmReset?.name ?? '' })}</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmReset(null)}>
              {t('wb.cancel')}
            </Button>
            <Button color="red.9" onClick={() => confirmReset && void reset(confirmReset)} data-testid="reset-confirm">
              {t('users.reset')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}

type Field = 'email' | 'name' | 'role' | 'phone';

function InviteForm({ onDone }: { onDone(user: UserDto, password: string): void }) {
  const { t, i18n } = useTranslation();
  const fieldErrors = useApiFieldErrors();
  const errorMessage = useErrorMessage();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('coordinator');
  const [locale, setLocale] = useState<Locale>(
    (LOCALES as readonly string[]).includes(i18n.language) ? (i18n.language as Locale) : 'ru',
  );
  const [phone, setPhone] = useState('');
  const [key] = useState(uuid);
  const [password] = useState(generatePassword);
  const [submitted, setSubmitted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>();

  const local: Partial<Record<Field, string>> = {};
  if (submitted) {
    if (!email.trim()) local.email = t('wb.fieldErrors.required');
    else if (!/^[^\s@]+@[^\s@]+$/.test(email.trim())) local.email = t('wb.fieldErrors.email');
    if (!name.trim()) local.name = t('wb.fieldErrors.required');
    if (phone.trim() && !/^\+?[0-9 ()-]{5,25}$/.test(phone.trim())) local.phone = t('wb.fieldErrors.format');
  }
  const server = fieldErrors<Field>(error, {
    'body.email': 'email',
    'body.name': 'name',
    'body.role': 'role',
    'body.phone': 'phone',
  });
  if (error instanceof ApiRequestError && error.status === 409) server.email = t('users.emailTaken');
  const problems = { ...server, ...local };
  const formMessage = errorMessage(error, Object.keys(server).length > 0);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    if (
      !email.trim() ||
      !/^[^\s@]+@[^\s@]+$/.test(email.trim()) ||
      !name.trim() ||
      (phone.trim() && !/^\+?[0-9 ()-]{5,25}$/.test(phone.trim()))
    ) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      const user = await createUser(
        {
          email: email.trim(),
          name: name.trim(),
          role,
          locale,
          password,
          ...(phone.trim() ? { phone: phone.trim() } : {}),
        },
        key,
      );
      onDone(user, password);
    } catch (caught) {
      setError(caught);
      setSaving(false);
    }
  }

  return (
    <form onSubmit={(event) => void onSubmit(event)} noValidate data-testid="invite-form">
      <Stack>
        <TextInput
          label={t('users.email')}
          type="email"
          required
          maxLength={254}
          value={email}
          onChange={(event) => setEmail(event.currentTarget.value)}
          error={problems.email}
          data-autofocus
        />
        <TextInput
          label={t('users.name')}
          required
          maxLength={120}
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={problems.name}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <NativeSelect
            label={t('users.role')}
            data={ROLES.map((value) => ({ value, label: t(`roles.${value}`) }))}
            value={role}
            onChange={(event) => setRole(event.currentTarget.value as Role)}
            error={problems.role}
          />
          <NativeSelect
            label={t('users.language')}
            data={LOCALES.map((value) => ({ value, label: LANGUAGE_NAMES[value] }))}
            value={locale}
            onChange={(event) => setLocale(event.currentTarget.value as Locale)}
          />
          <TextInput
            label={t('users.phone')}
            type="tel"
            maxLength={25}
            value={phone}
            onChange={(event) => setPhone(event.currentTarget.value)}
            error={problems.phone}
          />
        </SimpleGrid>
        <Text size="sm" c="dimmed">
          {t('users.inviteHint')}
        </Text>
        {formMessage && (
          <Alert color="red.9" variant="light" role="alert">
            {formMessage}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button type="submit" loading={saving} data-testid="invite-submit">
            {t('users.inviteSubmit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
