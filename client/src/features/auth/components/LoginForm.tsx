import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Field } from '../../../components/Field';
import { fieldProblems, FormError, formMessageKey } from '../../../components/FormError';
import type { ClientErrorCode } from '../../../lib/http';
import { useFocusInvalid } from '../../../lib/use-focus-invalid';
import { useSubmit } from '../../../lib/use-submit';
import { logIn } from '../api/auth.api';

const FIELDS = { 'body.email': 'email', 'body.password': 'password' } as const;

/** `notice` says why the user was signed out, when it was not their choice. */
export function LoginForm({ notice }: { notice?: ClientErrorCode }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { submitting, error, onSubmit } = useSubmit(() => logIn(email, password));
  const problems = fieldProblems(error, FIELDS);
  const message = error ? formMessageKey(error, problems) : notice && (`errors.${notice}` as const);
  const form = useFocusInvalid(error);

  return (
    <form
      ref={form}
      className="card"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby="login-title"
      data-testid="login-form"
    >
      <h1 id="login-title">{t('login.title')}</h1>
      <Field
        label={t('login.email')}
        type="email"
        autoComplete="username"
        inputMode="email"
        required
        value={email}
        error={problems.email && t(problems.email.key, problems.email.values)}
        onChange={(event) => setEmail(event.target.value)}
      />
      <Field
        label={t('login.password')}
        type="password"
        autoComplete="current-password"
        required
        value={password}
        error={problems.password && t(problems.password.key, problems.password.values)}
        onChange={(event) => setPassword(event.target.value)}
      />
      <FormError message={message} />
      <button type="submit" disabled={submitting}>
        {submitting ? t('login.submitting') : t('login.submit')}
      </button>
    </form>
  );
}
