import { Alert, Button, Paper, Stack, TextInput, Title } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import { fieldProblems, formMessageKey } from '../../../components/FormError';
import type { ClientErrorCode } from '../../../lib/http';
import { useFocusInvalid } from '../../../lib/use-focus-invalid';
import { useSubmit } from '../../../lib/use-submit';
import { logIn } from '../api/auth.api';

const FIELDS = { 'body.email': 'email', 'body.password': 'password' } as const;

/** `notice` says why the user was signed out, when it was not their choice. */
export function LoginForm({ notice }: { notice?: ClientErrorCode }) {
  const { t } = useTranslation();
  const form = useForm({ mode: 'controlled', initialValues: { email: '', password: '' } });
  const { submitting, error, onSubmit } = useSubmit(() => logIn(form.values.email, form.values.password));
  const problems = fieldProblems(error, FIELDS);
  const message = error ? formMessageKey(error, problems) : notice && (`errors.${notice}` as const);
  const element = useFocusInvalid(error);

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
      aria-labelledby="login-title"
      data-testid="login-form"
    >
      <Stack>
        <Title order={1} size="h2" id="login-title">
          {t('login.title')}
        </Title>
        <TextInput
          label={t('login.email')}
          type="email"
          autoComplete="username"
          inputMode="email"
          required
          withAsterisk={false}
          errorProps={{ role: 'alert' }}
          size="md"
          {...form.getInputProps('email')}
          error={problems.email && t(problems.email.key, problems.email.values)}
        />
        <TextInput
          label={t('login.password')}
          type="password"
          autoComplete="current-password"
          required
          withAsterisk={false}
          errorProps={{ role: 'alert' }}
          size="md"
          {...form.getInputProps('password')}
          error={problems.password && t(problems.password.key, problems.password.values)}
        />
        {message && (
          <Alert color="red.9" variant="light" role="alert" data-testid="form-error">
            {t(message)}
          </Alert>
        )}
        <Button type="submit" size="md" fullWidth loading={submitting} data-testid="login-submit">
          {submitting ? t('login.submitting') : t('login.submit')}
        </Button>
      </Stack>
    </Paper>
  );
}
