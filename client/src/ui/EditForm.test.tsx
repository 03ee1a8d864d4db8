/** @jest-environment jsdom */
import { afterEach, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MantineProvider, TextInput } from '@mantine/core';
import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import '../i18n';
import { ApiRequestError } from '../lib/http';
import { createQueryClient } from '../lib/query';
import { ConfirmModal, FormActions, useEditForm } from './EditForm';
import type { Problems } from './forms';
import { stubMatchMedia } from './jsdom-stubs';

beforeAll(stubMatchMedia);

afterEach(cleanup);

type Field = 'name' | 'email';
type Submit = (key: string, values: { name: string; email: string }) => Promise<void>;

/** A form the way the workbench pages build theirs. */
function PersonForm({ submit, conflict }: { submit: Submit; conflict?: boolean }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const { problems, formMessage, saving, onSubmit } = useEditForm<Field>({
    validate: () => {
      const found: Problems<Field> = {};
      if (!name.trim()) found.name = 'wb.fieldErrors.required';
      return found;
    },
    serverFields: { 'body.name': 'name', 'body.email': 'email' },
    ...(conflict ? { conflict: { field: 'email' as const, message: 'users.emailTaken' as const, replace: true } } : {}),
    submit: (key) => submit(key, { name, email }),
  });
  return (
    <form onSubmit={onSubmit} noValidate>
      <TextInput label="Имя" value={name} onChange={(e) => setName(e.currentTarget.value)} error={problems.name} />
      <TextInput label="Почта" value={email} onChange={(e) => setEmail(e.currentTarget.value)} error={problems.email} />
      <FormActions message={formMessage} saving={saving} label="Сохранить" testId="submit" />
    </form>
  );
}

/** A form whose values @mantine/form keeps (`initialValues`), saving volunteers. */
function VolunteerForm({ submit }: { submit: Submit }) {
  const { values, set, problems, formMessage, saving, onSubmit } = useEditForm<Field, { name: string; email: string }>({
    initialValues: { name: 'Бакыт', email: '' },
    validate: (current) => (current.name.trim() ? {} : { name: 'wb.fieldErrors.required' }),
    serverFields: { 'body.name': 'name' },
    entity: 'volunteers',
    submit,
  });
  return (
    <form onSubmit={onSubmit} noValidate>
      <TextInput
        label="Имя"
        value={values.name}
        onChange={(e) => set({ name: e.currentTarget.value })}
        error={problems.name}
      />
      <FormActions message={formMessage} saving={saving} label="Сохранить" testId="submit" />
    </form>
  );
}

let queryClient: QueryClient;

function show(submit: Submit, conflict = false, form: 'person' | 'volunteer' = 'person') {
  queryClient = createQueryClient();
  render(
    <QueryClientProvider client={queryClient}>
      <MantineProvider>
        {form === 'person' ? <PersonForm submit={submit} conflict={conflict} /> : <VolunteerForm submit={submit} />}
      </MantineProvider>
    </QueryClientProvider>,
  );
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const save = () => act(async () => void fireEvent.click(screen.getByTestId('submit')));

describe('an edit form', () => {
  test('When a form that keeps its values in @mantine/form is saved, then it sends what was typed and refreshes that entity’s lists', async () => {
    const submit = jest.fn<Submit>(async () => undefined);
    show(submit, false, 'volunteer');
    queryClient.setQueryData(['volunteers', 'q=Бакыт'], { items: [] });
    queryClient.setQueryData(['users'], { items: [] });
    type('Имя', '');
    await save();
    expect(submit).not.toHaveBeenCalled();
    expect(screen.getByText('Заполните это поле')).toBeTruthy();

    type('Имя', 'Бакыт Асанов');
    await save();
    await waitFor(() => expect(submit).toHaveBeenCalledWith(expect.any(String), { name: 'Бакыт Асанов', email: '' }));
    await waitFor(() => expect(queryClient.getQueryState(['volunteers', 'q=Бакыт'])?.isInvalidated).toBe(true));
    expect(queryClient.getQueryState(['users'])?.isInvalidated).toBe(false);
  });

  test('When a required field is empty, then nothing is sent, the field says why and gets the focus', async () => {
    const submit = jest.fn<Submit>(async () => undefined);
    show(submit);
    expect(screen.queryByText('Заполните это поле')).toBeNull();

    await save();

    expect(submit).not.toHaveBeenCalled();
    expect(screen.getByText('Заполните это поле')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('Имя')));
    expect(screen.getByLabelText('Имя').getAttribute('aria-invalid')).toBe('true');
  });

  test('When the API refuses fields (400 details), then each says why next to it and nothing typed is lost', async () => {
    const submit = jest.fn<Submit>(async () => {
      throw new ApiRequestError(400, 'VALIDATION_FAILED', [
        { path: 'body.email', message: 'x', type: 'string.email' },
        { path: 'body.name', message: 'x', type: 'string.max' },
      ]);
    });
    show(submit);
    type('Имя', 'Айгуль');
    type('Почта', 'aigul@');

    await save();

    expect(submit).toHaveBeenCalledWith(expect.any(String), { name: 'Айгуль', email: 'aigul@' });
    // The server's answer reaches the form a moment later (TanStack Query batches its notifications).
    expect(await screen.findByText('Укажите адрес электронной почты')).toBeTruthy();
    expect(screen.getByText('Слишком длинно')).toBeTruthy();
    // The fields tell it all: no form-wide message besides.
    expect(document.querySelector('.mantine-Alert-root')).toBeNull();
    expect((screen.getByLabelText('Имя') as HTMLInputElement).value).toBe('Айгуль');
    expect((screen.getByLabelText('Почта') as HTMLInputElement).value).toBe('aigul@');
  });

  test('When the network is down, then the form says so in words, keeps what was typed, and a retry sends the same key', async () => {
    let fail = true;
    const submit = jest.fn<Submit>(async () => {
      if (fail) throw new ApiRequestError(0, 'NETWORK');
    });
    show(submit);
    type('Имя', 'Айгуль');

    await save();

    await waitFor(() =>
      expect(document.querySelector('.mantine-Alert-root')?.textContent).toContain('Нет связи с сервером'),
    );
    expect((screen.getByLabelText('Имя') as HTMLInputElement).value).toBe('Айгуль');

    fail = false;
    await save();
    expect(submit).toHaveBeenCalledTimes(2);
    expect(submit.mock.calls[1]![0]).toBe(submit.mock.calls[0]![0]);
    // TanStack Query tells the form of the outcome a moment later (its notifications are batched).
    await waitFor(() => expect(document.querySelector('.mantine-Alert-root')).toBeNull());
  });

  test('When a 409 concerns a field (an email already taken), then that field says so instead of the form', async () => {
    const submit = jest.fn<Submit>(async () => {
      throw new ApiRequestError(409, 'CONFLICT', [{ path: 'body.email', message: 'x', type: 'duplicate' }]);
    });
    show(submit, true);
    type('Имя', 'Айгуль');
    type('Почта', 'aigul@example.org');

    await save();

    expect(await screen.findByText('Пользователь с такой почтой уже есть')).toBeTruthy();
    expect(screen.queryByText('Такое уже есть')).toBeNull();
  });
});

describe('a confirmation', () => {
  test('When an action is confirmed, then it runs; Cancel closes without it', async () => {
    const onConfirm = jest.fn();
    const onClose = jest.fn();
    render(
      <MantineProvider>
        <ConfirmModal
          opened
          onClose={onClose}
          title="Сбросить пароль?"
          body="Айгуль получит новый одноразовый пароль."
          confirmLabel="Сбросить пароль"
          onConfirm={onConfirm}
          testId="confirm"
        />
      </MantineProvider>,
    );
    expect(await screen.findByRole('dialog')).toBeTruthy();
    expect(screen.getByText('Айгуль получит новый одноразовый пароль.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Отмена' }));
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onConfirm).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('confirm'));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});
