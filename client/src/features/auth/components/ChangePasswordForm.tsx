import { Alert, Button, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { PASSWORD_MIN } from '@karavan/shared';
import {
  fieldProblems,
  formMessageKey,
  type FieldProblem,
  type FieldProblems,
  type MessageKey,
} from '../../../components/FormError';
import { useFocusInvalid } from '../../../lib/use-focus-invalid';
import { useSubmit } from '../../../lib/use-submit';
import { changePassword } from '../api/auth.api';

type PasswordField = 'current' | 'next' | 'confirmation';

/** A problem found before asking the server, with the field it concerns. */
class InvalidInput extends Error {
  constructor(
    readonly field: PasswordField,
    readonly key: MessageKey,
  ) {
    super(key);
  }
}

function checkPasswords(current: string, next: string, confirmation: string): void {
  if (!current) throw new InvalidInput('current', 'fieldErrors.required');
  if (next.length < PASSWORD_MIN) throw new InvalidInput('next', 'changePassword.tooShort');
  if (next !== confirmation) throw new InvalidInput('confirmation', 'changePassword.mismatch');
  if (next === current) throw new InvalidInput('next', 'changePassword.sameAsCurrent');
}

const FIELDS = {
  'body.currentPassword': 'current',
  'body.newPassword': 'next',
} as const satisfies Record<string, PasswordField>;

const tooShort: FieldProblem = { key: 'changePassword.tooShort', values: { min: PASSWORD_MIN } };
const SPECIFIC: Partial<Record<PasswordField, Record<string, FieldProblem>>> = {
  current: { 'password.wrong': { key: 'changePassword.currentWrong' } },
  next: {
    'string.min': tooShort,
    'any.invalid': { key: 'changePassword.sameAsCurrent' },
    'password.common': { key: 'changePassword.tooCommon' },
    'password.email': { key: 'changePassword.sameAsEmail' },
  },
};

function problemsOf(error: unknown): FieldProblems<PasswordField> {
  if (error instanceof InvalidInput) return { [error.field]: { key: error.key, values: { min: PASSWORD_MIN } } };
  return fieldProblems(error, FIELDS, SPECIFIC);
}

/** Asked for before anything else while the user's password was set by somebody else. */
export function ChangePasswordForm({ email, onSignOut }: { email: string; onSignOut(): void }) {
  const { t } = useTranslation();
  const form = useForm({ mode: 'controlled', initialValues: { current: '', next: '', confirmation: '' } });
  const { submitting, error, onSubmit } = useSubmit(async () => {
    const { current, next, confirmation } = form.values;
    checkPasswords(current, next, confirmation);
    await changePassword(current, next);
  });
  const problems = problemsOf(error);
  const message = formMessageKey(error, problems);
  const element = useFocusInvalid(error);
  const say = (field: PasswordField) => problems[field] && t(problems[field].key, problems[field].values);

  return (
    <Paper
      component="form"
      ref={element}
      withBorder
      shadow="xs"
      radius="md"
      p="lg"
      w="100%"
      maw="26rem"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby="change-password-title"
      data-testid="change-password-form"
    >
      <Stack>
        <Title order={1} size="h2" id="change-password-title">
          {t('changePassword.title')}
        </Title>
        <Text>{t('changePassword.intro')}</Text>
        {/* Lets password managers file the new password under the right account. */}
        <input type="email" autoComplete="username" value={email} readOnly hidden />
        <TextInput
          label={t('changePassword.current')}
          type="password"
          autoComplete="current-password"
          required
          withAsterisk={false}
          errorProps={{ role: 'alert' }}
          size="md"
          {...form.getInputProps('current')}
          error={say('current')}
        />
        <TextInput
          label={t('changePassword.new')}
          description={t('changePassword.hint', { min: PASSWORD_MIN })}
          type="password"
          autoComplete="new-password"
          required
          withAsterisk={false}
          errorProps={{ role: 'alert' }}
          minLength={PASSWORD_MIN}
          size="md"
          {...form.getInputProps('next')}
          error={say('next')}
        />
        <TextInput
          label={t('changePassword.confirm')}
          type="password"
          autoComplete="new-password"
          required
          withAsterisk={false}
          errorProps={{ role: 'alert' }}
          size="md"
          {...form.getInputProps('confirmation')}
          error={say('confirmation')}
        />
        {message && (
          <Alert color="red.9" variant="light" role="alert" data-testid="form-error">
            {t(message)}
          </Alert>
        )}
        <Button type="submit" size="md" fullWidth loading={submitting}>
          {submitting ? t('changePassword.submitting') : t('changePassword.submit')}
        </Button>
        <Button type="button" variant="default" size="md" fullWidth onClick={onSignOut}>
          {t('changePassword.signOut')}
        </Button>
      </Stack>
    </Paper>
  );
}
