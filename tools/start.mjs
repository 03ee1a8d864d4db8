#!/usr/bin/env node
// `npm start`: builds what changed (tools/build.mjs: nothing, on a warm start), then runs the
// server in this same process (server/dist/main.js), which spares a second Node start-up.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuild } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
ensureBuild('server');
ensureBuild('client');
await import(pathToFileURL(path.join(root, 'server', 'dist', 'main.js')).href);
