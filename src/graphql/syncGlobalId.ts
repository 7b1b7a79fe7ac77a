import { completeValue, RootFieldBuilder } from '@pothos/core';
import '@pothos/plugin-relay';

// The relay plugin's `t.globalID` (and so every node's `id` field) wraps its resolver in an async function:
// one promise per object, which makes graphql-js resolve each object's fields through its promise path
// (promiseForObject) although every other field is plain. This replaces it, before any type is defined,
// with the same field that answers synchronously when its resolver does (src/graphql/builder.ts imports it
// first). The encoding is the builder's own encodeGlobalID, as in the plugin.

type GlobalIdResult = { type: string | object; id: unknown } | string | null | undefined;
type GlobalIdOptions = {
  resolve: (...args: unknown[]) => GlobalIdResult | Promise<GlobalIdResult>;
} & Record<string, unknown>;

const proto = RootFieldBuilder.prototype as unknown as {
  globalID: (options: GlobalIdOptions) => unknown;
  field: (options: Record<string, unknown>) => unknown;
  builder: PothosSchemaBuilder;
};

interface PothosSchemaBuilder {
  options: { relay?: { encodeGlobalID?: (typename: string, id: string, ctx: unknown) => string } };
  configStore: { getTypeConfig(ref: string | object): { name: string } };
}

proto.globalID = function globalID(this: typeof proto, { resolve, ...options }: GlobalIdOptions) {
  const builder = this.builder;
  const encode = builder.options.relay?.encodeGlobalID;
  if (!encode) throw new Error('syncGlobalId: the builder has no relay.encodeGlobalID');
  return this.field({
    ...options,
    type: 'ID',
    resolve: (parent: unknown, args: unknown, context: unknown, info: unknown) =>
      completeValue(resolve(parent, args, context, info), (result: GlobalIdResult) =>
        !result || typeof result !== 'object'
          ? result
          : encode(builder.configStore.getTypeConfig(result.type).name, String(result.id), context),
      ),
  });
};
