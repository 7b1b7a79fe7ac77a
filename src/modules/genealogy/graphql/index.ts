// The genealogy's GraphQL surface: its types, queries and mutations, and the volumes on its types.
export * from './types';

import './queries';
import './mutations';
import './volumes';
