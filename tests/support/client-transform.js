// Compiles the web client's modules (client/src, an ES module package) to CommonJS when an
// integration test drives the client's own logic in Node. Not ts-jest: it keeps one TypeScript
// configuration per Jest project, and the tests' (Node16 modules) would keep them ES modules.
// Types are checked by `npm run typecheck`.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- Jest loads transformers with require
const ts = require('typescript');

module.exports = {
  process(source, fileName) {
    const { outputText } = ts.transpileModule(source, {
      fileName,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
        inlineSources: true,
      },
    });
    return { code: outputText };
  },
};
