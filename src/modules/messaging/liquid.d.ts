// liquidjs's browser build: the same engine without the Node file-system loader (Workers need neither fs
// nor stream, and the schema printer bundles for a neutral platform).
declare module 'liquidjs/dist/liquid.browser.mjs' {
  export * from 'liquidjs';
}
