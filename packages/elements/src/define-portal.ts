// Kept for pages and apps that import it: the same as define.js, which registers every element.
import './define.js';
