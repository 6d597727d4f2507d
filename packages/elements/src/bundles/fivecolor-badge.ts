// The badge alone, for pages that only show a code.
import '../badge/define.js';
