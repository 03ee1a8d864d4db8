import { useState, type FormEvent, type ReactNode } from 'react';
import { Alert, Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiRequestError } from '../lib/http';
import { uuid } from '../lib/uuid';
import { invalidateEntity, type Entity } from '../lib/writes';
import { useApiFieldErrors, useErrorMessage } from './apiErrors';
import type { MessageKey, Problems } from './forms';

interface EditFormOptions<F extends string, V extends object> {
  /**
   * The form's values, kept by @mantine/form (`values`, `set`, `form.getInputProps`). A form
   * that keeps its values itself leaves it out and reads them in its callbacks.
   */
  initialValues?: V;
  /** The form's own checks (the field rules from shared/), as message keys by field; shown once the form was submitted. */
  validate(values: V): Problems<F>;
  /** API detail paths (`body.name`, or a prefix) to the form's fields. */
  serverFields: Record<string, F>;
  /** On a 409, this field says this (`replace`: even when the API's details named the field). */
  conflict?: { field: F; message: MessageKey; replace?: boolean };
  /**
   * Sends the form (through TanStack Query's useMutation); the key is the same for every retry of
   * this form (`Idempotency-Key`).
   */
  submit(idempotencyKey: string, values: V): Promise<void>;
  /** What the form writes: once it is saved, that entity's queries are refreshed (lib/writes). */
  entity?: Entity;
}

/**
 * The state of an edit form: its problems (its own checks after the first submit, the API's by
 * field), the form-wide message when no field tells what went wrong, `saving`, and `onSubmit`:
 * with a problem, the focus goes to the first invalid field and nothing is sent; a failed send
 * keeps everything typed.
 */
export function useEditForm<F extends string, V extends object = Record<string, never>>({
  initialValues,
  validate,
  serverFields,
  conflict,
  submit,
  entity,
}: EditFormOptions<F, V>) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const fieldErrors = useApiFieldErrors();
  const errorMessage = useErrorMessage();
  const form = useForm<V>({ mode: 'controlled', initialValues: initialValues ?? ({} as V) });
  const [key] = useState(uuid);
  const [submitted, setSubmitted] = useState(false);
  const save = useMutation({
    mutationFn: (values: V) => submit(key, values),
    onSuccess: () => (entity ? invalidateEntity(queryClient, entity) : undefined),
  });
  const error: unknown = save.error ?? undefined;

  const server = fieldErrors<F>(error, serverFields);
  if (
    conflict &&
    error instanceof ApiRequestError &&
    error.status === 409 &&
    (conflict.replace || !server[conflict.field])
  )
    server[conflict.field] = t(conflict.message as 'wb.fieldErrors.invalid');
  const problems: Partial<Record<F, string>> = { ...server };
  if (submitted)
    for (const [field, message] of Object.entries(validate(form.values)) as [F, 'wb.fieldErrors.invalid'][])
      problems[field] = t(message);
  const formMessage = errorMessage(error, Object.keys(server).length > 0);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSubmitted(true);
    if (Object.keys(validate(form.values)).length > 0) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
      return;
    }
    // A failed send keeps everything typed; its error is shown (by field, or for the form).
    save.mutate(form.values);
  }

  return {
    /** The @mantine/form instance holding the values (`form.getInputProps('name')`). */
    form,
    values: form.values,
    /** Changes some of the values. */
    set: (patch: Partial<V>) => form.setValues(patch),
    problems,
    formMessage,
    // Still "saving" after success: the form is about to give way (dialog closed, next screen).
    saving: save.isPending || save.isSuccess,
    onSubmit,
    /** The last send's error (the API's answer), undefined before a send or once one succeeded. */
    error,
    /** The form was submitted once: its own checks are shown from then on. */
    submitted,
  };
}

/** The end of an edit form: the form-wide error, if any, and the submit button. */
export function FormActions({
  message,
  saving,
  label,
  testId,
  color,
}: {
  message: string | undefined;
  saving: boolean;
  label: string;
  testId: string;
  color?: ButtonProps['color'];
}) {
  return (
    <>
      {message && (
        <Alert color="red.9" variant="light" role="alert">
          {message}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button type="submit" color={color} loading={saving} data-testid={testId}>
          {label}
        </Button>
      </Group>
    </>
  );
}

/** A dialog holding a form (or a lot's details); its close button is named in the interface language. */
export function FormModal({
  opened,
  onClose,
  title,
  size = 'lg',
  children,
}: {
  opened: boolean;
  onClose(): void;
  title: ReactNode;
  size?: string;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Modal
      closeButtonProps={{ 'aria-label': t('common.close') }}
      opened={opened}
      onClose={onClose}
      title={title}
      size={size}
    >
      {children}
    </Modal>
  );
}

/**
 * The dialog of a list's add/edit form: open while `editing` is a record (edit) or 'new' (add);
 * `children` gets the record, or null for a new one.
 */
export function EditDialog<T>({
  editing,
  onClose,
  addTitle,
  editTitle,
  children,
}: {
  editing: T | 'new' | null;
  onClose(): void;
  addTitle: string;
  editTitle: string;
  children(record: T | null): ReactNode;
}) {
  return (
    <FormModal opened={editing !== null} onClose={onClose} title={editing === 'new' ? addTitle : editTitle}>
      {editing !== null && children(editing === 'new' ? null : editing)}
    </FormModal>
  );
}

/** Asks before an action that cannot be taken back: what it does, Cancel, and the action. */
export function ConfirmModal({
  opened,
  onClose,
  title,
  body,
  confirmLabel,
  onConfirm,
  testId,
}: {
  opened: boolean;
  onClose(): void;
  title: string;
  body: ReactNode;
  confirmLabel: string;
  onConfirm(): void;
  testId?: string;
}) {
  const { t } = useTranslation();
  return (
    <FormModal opened={opened} onClose={onClose} title={title} size="md">
      <Stack>
        <Text>{body}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('wb.cancel')}
          </Button>
          <Button color="red.9" onClick={onConfirm} data-testid={testId}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </FormModal>
  );
}
