/** The dashboard's icon (served at /favicon.svg and /favicon.ico, so browsers get no 404). */
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d2330"/><path d="M5 19h9l4-8 3 14 3-6h3" fill="none" stroke="#5fd38d" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>
`;
