// A browser test drives a real server and Chromium: on a busy 2-core machine (CI shares it with
// the database and the other suites) a sign-in, a page load and a live update can each take
// several seconds. A test that waits on something that never comes still fails, after a minute.
jest.setTimeout(60_000);
