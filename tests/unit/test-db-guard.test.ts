import { assertTestDatabaseUri, newTestDatabaseUri } from '../support/test-db';

describe('The test database guard', () => {
  test('When a URI names a database not marked as a test one, then the tests refuse it', () => {
    expect(() => assertTestDatabaseUri('mongodb://127.0.0.1:27017/karavan')).toThrow(/Refusing/);
    expect(() => assertTestDatabaseUri('mongodb://127.0.0.1:27017/')).toThrow(/Refusing/);
    expect(() => assertTestDatabaseUri('mongodb://prod.example:27017/production_karavan_test_')).toThrow(/Refusing/);
  });

  test('When a test database URI is made, then it is marked and unique', () => {
    process.env.KARAVAN_TEST_MONGODB_URI ??= 'mongodb://127.0.0.1:1/';
    const a = newTestDatabaseUri();
    expect(assertTestDatabaseUri(a)).toMatch(/^karavan_test_/);
    expect(newTestDatabaseUri()).not.toBe(a);
  });
});
