#!/usr/bin/env node
// The kjob CLI; `npm install` builds dist/ (the `prepare` script).
import '../dist/src/cli/main.js';
