// The court workbench: one module, loaded by index.html (no inline script: the CSP forbids it).
import './app.js';
