/**
 * The boundaries `npm test` enforces (`npm run lint:deps`, after the build), with dependency-cruiser. It reads two
 * graphs in one run:
 * - the TypeScript sources (src, workflows, activities, test, bench), with the swc parser, since TypeScript 7 has
 *   no JS API for dependency-cruiser's own. swc does not tell `import type` from a runtime import, so the rules on
 *   sources count every import, type-only ones too;
 * - the built JavaScript (bin, dist/src, dist/workflows, dist/activities): what Node actually loads, where
 *   `import type` is gone and `import { type X }` is still a load. The rules that must let type-only imports
 *   through (workflows typing their activities, a client typing the worker it creates on demand) read this one.
 * Dynamic `import()`s are left out of both, so "reaches" means "loads as soon as it is imported": the lazy paths
 * to the worker (createJobWorker, `kjob dev`) are allowed by design, and a circle closed only by an import() is
 * not counted (it has no load-order hazard).
 *
 * Workflow-safe code is marked by folder: workflows/ and src/shared/. The workflow bundle loads it, so it may not
 * touch Node or the client, worker or activity sides of the Temporal SDK.
 */
const SOURCES = '^(src|workflows|activities|test|bench)/';
const WORKFLOW_SAFE = '^(workflows|src/shared)/';
const BUILT_WORKFLOW_SAFE = '^dist/(workflows|src/shared)/';
const BUILT_WORKER_CODE = ['^dist/src/worker/', '^dist/activities/', '(^|/)node_modules/@temporalio/(worker|testing)/'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circles anywhere, type-only ones included: a circle means two modules share one job.',
      severity: 'error',
      from: { path: SOURCES },
      to: { circular: true },
    },
    {
      name: 'workflow-safe-no-node',
      comment: 'Workflow code runs in the deterministic sandbox, which has no Node APIs (node:* or bare builtins).',
      severity: 'error',
      from: { path: WORKFLOW_SAFE },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'workflow-safe-no-temporal-sides',
      comment: 'Workflow code uses @temporalio/workflow and @temporalio/common, never the worker, client or activity SDK.',
      severity: 'error',
      from: { path: WORKFLOW_SAFE },
      to: { path: '(^|/)node_modules/@temporalio/(worker|client|activity|testing)/' },
    },
    {
      name: 'shared-stays-shared',
      comment: 'src/shared/ is loaded by the client, the worker and the workflow bundle, so it depends on none of them.',
      severity: 'error',
      from: { path: '^src/shared/' },
      to: { path: '^(src/(client|worker|cli|provision|testing)|activities|workflows)/' },
    },
    {
      name: 'workflow-bundle-closed',
      comment:
        'Built workflow-safe code loads only workflow-safe code (and the npm packages the rules above allow), so the ' +
        'bundle never pulls in activities or Node through a side door. Type-only imports of activities are fine.',
      severity: 'error',
      from: { path: BUILT_WORKFLOW_SAFE },
      to: { dependencyTypes: ['local'], pathNot: BUILT_WORKFLOW_SAFE },
    },
    {
      name: 'client-loads-no-worker',
      comment: "Importing 'kjob' or its clients loads no worker code and no workflows; createJobWorker imports the worker when called.",
      severity: 'error',
      from: { path: ['^dist/src/client/', '^dist/src/index\\.js$'] },
      to: { reachable: true, path: [...BUILT_WORKER_CODE, '^dist/workflows/'] },
    },
    {
      name: 'cli-loads-worker-lazily',
      comment: 'The kjob CLI (bin/kjob.js) loads worker code only for the verbs that run one (dev, demo, worker), by import().',
      severity: 'error',
      from: { path: '^bin/' },
      to: { reachable: true, path: BUILT_WORKER_CODE },
    },
  ],
  options: {
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: '(^|/)node_modules/' },
    // Declaration files are types, not loads.
    exclude: { path: '^dist/.*\\.d\\.ts$', dynamic: true },
  },
};
