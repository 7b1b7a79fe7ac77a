// A .ttf import is the file's bytes (wrangler.toml [[rules]] type = "Data"; the test config mirrors it).
declare module 'dejavu-fonts-ttf/ttf/*.ttf' {
  const bytes: ArrayBuffer;
  export default bytes;
}
