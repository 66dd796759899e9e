// Placeholder: installed by map.js; filled in by its feature.
export function install(ctx) {}
