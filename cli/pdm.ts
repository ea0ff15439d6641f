#!/usr/bin/env node
console.log('pdm hello', import.meta.url);
