export const catalogDocPath: string;
export function renderCatalogDoc(): string;
