// The one-line embed: Lit and all three elements in one minified ES module.
import '../define.js';
